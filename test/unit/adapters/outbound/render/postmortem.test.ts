import { buildPostmortem } from '../../../../../src/domain/postmortem.js';
import {
  markdownCode,
  markdownFence,
  postmortemSlackText,
  renderPostmortemMarkdown,
} from '../../../../../src/adapters/outbound/render/postmortem.js';
import {
  FAILED_NOW,
  PEOPLE,
  SUCCESS_NOW,
  failedIncident,
  failedTimeline,
  incident,
  successfulTimeline,
} from '../../../domain/postmortem/fixtures.js';

/** Cells of a GFM table row: split on pipes that are not escaped. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/);
}

/** Every table in the document: its header's cell count must match each row's, or the table breaks. */
function expectValidTables(markdown: string): number {
  const lines = markdown.split('\n');
  let tables = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || !lines[i + 1]?.startsWith('| ---')) continue;
    tables++;
    const width = cells(lines[i]!).length;
    expect(cells(lines[i + 1]!)).toHaveLength(width);
    for (let j = i + 2; j < lines.length && lines[j]!.startsWith('|'); j++) {
      expect({ row: lines[j], width: cells(lines[j]!).length }).toEqual({ row: lines[j], width });
    }
  }
  return tables;
}

describe('the postmortem agenda as Markdown', () => {
  const success = renderPostmortemMarkdown(
    buildPostmortem(incident(), successfulTimeline(), { now: SUCCESS_NOW, people: PEOPLE }),
  );
  const failed = renderPostmortemMarkdown(
    buildPostmortem(failedIncident(), failedTimeline(), { now: FAILED_NOW, people: PEOPLE }),
  );

  it('has every section of the agenda, with the minutes per DOMAIN.md', () => {
    for (const heading of [
      '# Postmortem agenda: RB-1042, checkout/production',
      '## Summary',
      '## Impact and timing',
      '## Timeline',
      '## People involved',
      '## What ran',
      '## What failed',
      '## Verification',
      '## Discussion prompts (blameless)',
      '## Action items',
      '## Meeting agenda (75 minutes, before 2024-05-16 14:30:00 UTC)',
      '### Introduction (5 min)',
      '### Timeline review (10 min)',
      '### What happened (15 min)',
      '### What went well (10 min)',
      '### What can be improved (15 min)',
      '### Action items (15 min)',
      '### Follow-up (5 min)',
      '## Within 24 hours',
      '## Within 2 weeks',
    ]) {
      expect(success.split('\n')).toContain(heading);
    }
  });

  it('prints the known timeline as exact table rows', () => {
    expect(success).toContain('| Impact window | 2024-05-14 14:01:30 UTC → 2024-05-14 14:03:50 UTC |\n');
    expect(success).toContain('| Time to recovery (request → rollback complete) | 1m 40s |\n');
    expect(success).toContain('| Time to recovery (approval → rollback complete) | 35s |\n');
    expect(success).toContain('| 2024-05-14 | 14:00:00 | -2m 10s | Deployed `2.4.0` (replacing `2.3.9`) |\n');
    expect(success).toContain(
      '| 2024-05-14 | 14:03:50 | +1m 40s | ROLLBACK_COMPLETE: rolled back in 33s |\n',
    );
    expect(failed).toContain(
      '| 2024-05-15 | 00:00:50 | +1m 20s | ROLLBACK_FAILED after 3 attempts: timed out after 6s |\n',
    );
  });

  it('leaves only the owner and due cells of the action items to fill', () => {
    expect(success).toContain(
      '| # | Action | Owner | Due | Status |\n| --- | --- | --- | --- | --- |\n' +
        '| 1 | Fix forward the change in `2.4.0` and release a corrected version |  |  | open |\n' +
        '| 2 | Lift the deploy lock on checkout/production once the fix is released (`/rollback unlock checkout production`) |  |  | open |\n',
    );
    expect(success).not.toMatch(/TODO|TBD|\{\{|undefined|\[object/);
    expect(failed).not.toMatch(/TODO|TBD|\{\{|undefined|\[object/);
  });

  it('escapes pipes in table cells so a reason with "|" keeps the tables intact', () => {
    expect(failed).toContain(
      '| 2024-05-14 | 23:59:30 | +0s | Alice requested the rollback via Slack: checkout \\| cart 502s |',
    );
    expect(expectValidTables(failed)).toBe(5);
    expect(expectValidTables(success)).toBe(5);
  });

  it('shows what ran, with each attempt error and the output tail in a code block', () => {
    expect(failed).toContain(
      '### 1. Undo deployment\n\n- Command: `kubectl rollout undo deployment/checkout --to-revision=41 -n prod`\n' +
        '- Outcome: Failed\n- Duration: 6s\n- Attempts: 3\n- Error, attempt 1: exit code 1\n',
    );
    expect(failed).toContain(
      '```text\nline 1\nError from server (Timeout): the server was unable to return a response <in time>\n```',
    );
    expect(success).toContain('Nothing failed during the rollback.');
  });

  it('keeps code spans and fences closed whatever backticks the text holds', () => {
    expect(markdownCode('echo `date` now')).toBe('``echo `date` now``');
    expect(markdownCode('echo `date`')).toBe('`` echo `date` ``');
    expect(markdownCode('`x`')).toBe('`` `x` ``');
    expect(markdownFence('before\n```\nafter')).toBe('````text\nbefore\n```\nafter\n````');
  });

  it('renders the same template again without re-reading (compiled once) and stays identical', () => {
    const again = renderPostmortemMarkdown(
      buildPostmortem(incident(), successfulTimeline(), { now: SUCCESS_NOW, people: PEOPLE }),
    );
    expect(again).toBe(success);
  });
});

describe('the postmortem in the thread (mrkdwn)', () => {
  it('summarises in one section and points at the file', () => {
    const text = postmortemSlackText(
      buildPostmortem(incident(), successfulTimeline(), { now: SUCCESS_NOW, people: PEOPLE }),
    );
    expect(text.split('\n')[0]).toBe('*Postmortem agenda · RB-1042* · checkout/production · Rolled back');
    expect(text).toContain('• *Time to recovery:* 1m 40s from request, 35s from approval');
    expect(text).toContain('4 action items need an owner and a due date');
    expect(text).toContain('The full agenda is in the attached file.');
  });

  it('escapes outside text and stays within 3,000 characters however long the story', () => {
    const events = successfulTimeline();
    const long = `<!channel> & ${'very long reason '.repeat(400)}`;
    events[2] = {
      at: '2024-05-14T14:02:10Z',
      type: 'requested',
      by: 'U0ALICE',
      source: 'slack',
      reason: long,
    };
    const text = postmortemSlackText(
      buildPostmortem(incident({ reason: long }), events, { now: SUCCESS_NOW, people: PEOPLE }),
    );
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt; &amp; very long');
    expect(text).toContain('The full agenda is in the attached file.');
  });
});
