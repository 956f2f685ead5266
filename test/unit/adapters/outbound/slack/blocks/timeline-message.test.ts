import type { KnownBlock } from '@slack/types';
import type { TimelineEvent } from '../../../../../../src/domain/timeline.js';
import { timelineMessage } from '../../../../../../src/adapters/outbound/slack/blocks/timeline-message.js';
import {
  PEOPLE,
  failedIncident,
  failedTimeline,
  incident,
  successfulTimeline,
} from '../../../../domain/postmortem/fixtures.js';

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.map((block) => {
    if (block.type !== 'section' || !block.text) throw new Error(`unexpected block ${block.type}`);
    return block.text.text;
  });
}

/** The event lines, in order, across every section after the header. */
function eventLines(blocks: KnownBlock[]): string[] {
  return sectionTexts(blocks)
    .slice(1)
    .flatMap((text) => text.split('\n'));
}

function expectWithinBlockKitLimits(blocks: KnownBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const text of sectionTexts(blocks)) expect(text.length).toBeLessThanOrEqual(3000);
}

/** A request, then `count - 1` notes one second apart. */
function longIncidentEvents(count: number, noteText: (i: number) => string): TimelineEvent[] {
  const start = Date.parse('2024-05-14T14:00:00Z');
  const events: TimelineEvent[] = [
    {
      at: new Date(start).toISOString(),
      type: 'requested',
      by: 'U0ALICE',
      source: 'slack',
      reason: 'errors',
    },
  ];
  for (let i = 1; i < count; i++) {
    events.push({ at: new Date(start + i * 1000).toISOString(), type: 'note', text: noteText(i) });
  }
  return events;
}

describe('the thread timeline message', () => {
  it('lists every event with its UTC time and offset from the request, people by name', () => {
    const { text, blocks } = timelineMessage(incident(), successfulTimeline(), PEOPLE);
    expect(text).toBe('Timeline of RB-1042 (checkout/production): 15 events, latest at 14:03:50 UTC');
    expect(sectionTexts(blocks)[0]).toBe(
      '*Timeline · RB-1042* · checkout/production · 15 events · times UTC, offsets from the request at 2024-05-14 14:02:10 UTC',
    );
    const lines = eventLines(blocks);
    expect(lines).toHaveLength(15);
    expect(lines[0]).toBe('`14:00:00` -2m 10s · Deployed `2.4.0` (replacing `2.3.9`)');
    expect(lines[2]).toBe('`14:02:10` +0s · Alice requested the rollback via Slack: 5xx spike after 2.4.0');
    expect(lines[5]).toBe('`14:03:15` +1m 5s · Approved by Bob and Carol; the rollback may run');
    expect(lines[14]).toBe('`14:03:50` +1m 40s · ROLLBACK_COMPLETE: rolled back in 33s');
  });

  it('mentions people it has no name for, shows the date after midnight, and escapes outside text', () => {
    const events = failedTimeline();
    events[0] = {
      ...events[0]!,
      type: 'requested',
      by: 'U0ALICE',
      source: 'slack',
      reason: '<!here> 502s & worse',
    };
    const lines = eventLines(timelineMessage(failedIncident(), events).blocks);
    expect(lines[0]).toBe(
      '`23:59:30` +0s · <@U0ALICE> requested the rollback via Slack: &lt;!here&gt; 502s &amp; worse',
    );
    expect(lines[2]).toBe('`2024-05-15 00:00:20` +50s · <@U0BOB> approved (1 of 1 required)');
  });

  it('orders events by time even when they were stored out of order', () => {
    const [deploy, ...rest] = successfulTimeline();
    const lines = eventLines(timelineMessage(incident(), [...rest, deploy!], PEOPLE).blocks);
    expect(lines[0]).toBe('`14:00:00` -2m 10s · Deployed `2.4.0` (replacing `2.3.9`)');
    expect(lines.at(-1)).toContain('ROLLBACK_COMPLETE');
  });

  it('fits 300 short events, every one listed, within Block Kit limits', () => {
    const events = longIncidentEvents(300, (i) => `check ${i} done`);
    const { blocks } = timelineMessage(incident(), events, PEOPLE);
    expectWithinBlockKitLimits(blocks);
    const lines = eventLines(blocks);
    expect(lines).toHaveLength(300);
    expect(lines[299]).toBe('`14:04:59` +4m 59s · check 299 done');
  });

  it('with 300 long events keeps the first few and the latest, saying how many are elided', () => {
    const events = longIncidentEvents(300, (i) => `note ${i}: ${'x'.repeat(600)}`);
    const { blocks } = timelineMessage(incident(), events, PEOPLE);
    expectWithinBlockKitLimits(blocks);
    const lines = eventLines(blocks);
    const elision = lines.find((line) => line.includes('not shown here'));
    const elided = Number(/_… (\d+) events not shown/.exec(elision ?? '')?.[1]);
    expect(elided).toBeGreaterThan(0);
    // Nothing lost silently: shown events plus the elided count make up the whole timeline.
    expect(lines.length - 1 + elided).toBe(300);
    expect(lines[0]).toContain('requested the rollback');
    expect(lines[4]).toContain('note 4:');
    expect(lines.at(-1)).toContain('note 299:');
    expect(sectionTexts(blocks)[0]).toContain(`300 events (${elided} elided)`);
  });
});
