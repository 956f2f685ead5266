import {
  codeSpan,
  escapeMrkdwn,
  mention,
  packLines,
  truncate,
} from '../../../../../../src/adapters/outbound/slack/blocks/mrkdwn.js';

describe('mrkdwn helpers', () => {
  it('escapes exactly the characters Slack treats as control sequences', () => {
    expect(escapeMrkdwn('<!channel> a & b > c')).toBe('&lt;!channel&gt; a &amp; b &gt; c');
    expect(escapeMrkdwn('*bold* _it_ `code`')).toBe('*bold* _it_ `code`');
  });

  it('mentions users and user groups the way Slack renders them', () => {
    expect(mention('U0LEAD')).toBe('<@U0LEAD>');
    expect(mention('W0ENTERPRISE')).toBe('<@W0ENTERPRISE>');
    expect(mention('S0SRE')).toBe('<!subteam^S0SRE>');
  });

  it('keeps code spans closed and escaped', () => {
    expect(codeSpan('echo `x` <y>')).toBe('`echo ˋxˋ &lt;y&gt;`');
  });

  it('truncates to the limit with an ellipsis, never splitting an escape, a mention or an emoji', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('abc &amp; def', 7)).toBe('abc …');
    expect(truncate('hi <@U0LEAD> there', 8)).toBe('hi …');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('x'.repeat(5000), 3000)).toHaveLength(3000);
  });

  it('packs lines into texts within the limit without splitting a line', () => {
    const packs = packLines(['a'.repeat(6), 'b'.repeat(6), 'c'.repeat(3)], 10);
    expect(packs).toEqual(['aaaaaa', 'bbbbbb\nccc']);
    expect(packLines(['x'.repeat(25)], 10)).toEqual(['xxxxxxxxx…']);
  });
});
