import type { KnownBlock } from '@slack/types';
import type { TimelineEvent } from '../../../../../../src/domain/timeline.js';
import { progressMessage } from '../../../../../../src/adapters/outbound/slack/blocks/progress-message.js';
import {
  failedIncident,
  failedTimeline,
  incident,
  successfulTimeline,
} from '../../../../domain/postmortem/fixtures.js';

function texts(blocks: KnownBlock[]): string[] {
  return blocks.map((block) => {
    if (block.type === 'section' && block.text) return block.text.text;
    if (block.type === 'context') return block.elements.map((e) => ('text' in e ? e.text : '')).join('');
    if (block.type === 'actions')
      return `[${block.elements.map((e) => ('action_id' in e ? e.action_id : '')).join(', ')}]`;
    throw new Error(`unexpected block ${block.type}`);
  });
}

const at = (time: string): string => `2024-05-14T${time}Z`;
const s1 = { stepId: 's1', name: 'Undo deployment' } as const;
const s2 = { stepId: 's2', name: 'Restart workers' } as const;

/** Attempt 1: s1 succeeds, s2 fails; attempt 2 skips s1 (journaled as done). */
function retryingTimeline(): TimelineEvent[] {
  return [
    ...successfulTimeline().slice(2, 7),
    { at: at('14:03:17'), type: 'rollback_started', attempt: 1 },
    { at: at('14:03:17'), type: 'step_started', ...s1, attempt: 1 },
    { at: at('14:03:21'), type: 'step_succeeded', ...s1, attempt: 1, durationMs: 4000 },
    { at: at('14:03:21'), type: 'step_started', ...s2, attempt: 1 },
    { at: at('14:03:24'), type: 'step_failed', ...s2, attempt: 1, durationMs: 3000, error: 'exit code 1' },
    { at: at('14:03:24'), type: 'retry_scheduled', attempt: 2, delayMs: 5000, error: 'exit code 1' },
    { at: at('14:03:29'), type: 'rollback_started', attempt: 2 },
    { at: at('14:03:29'), type: 'step_skipped', ...s1, why: 'already succeeded in attempt 1' },
  ];
}

describe('the thread progress message', () => {
  it('before anything ran: every step and check pending', () => {
    const { text, blocks } = progressMessage(
      incident({ state: 'awaiting_approval' }),
      successfulTimeline().slice(0, 3),
    );
    expect(text).toBe('RB-1042 checkout/production: Awaiting approval, 0 of 2 steps done');
    expect(texts(blocks)).toEqual([
      '*Progress · RB-1042* · checkout/production · Awaiting approval',
      '*Steps* (0 of 2 done)\n○ *Undo deployment*\n○ *Restart workers*',
      '*Verification*\n○ Health · not run yet\n○ Smoke · not run yet',
    ]);
  });

  it('between attempts: the failed step waits for its retry, the done one is skipped', () => {
    const { blocks } = progressMessage(incident({ state: 'running' }), retryingTimeline());
    expect(texts(blocks).slice(0, 2)).toEqual([
      '*Progress · RB-1042* · checkout/production · Running · attempt 2',
      '*Steps* (1 of 2 done)\n↷ *Undo deployment* · skipped: already succeeded in attempt 1\n○ *Restart workers* · waiting to be retried',
    ]);
  });

  it('during a retry: the latest attempt wins and shows as running with its number', () => {
    const events = [
      ...retryingTimeline(),
      { at: at('14:03:29'), type: 'step_started' as const, ...s2, attempt: 2 },
    ];
    const { text, blocks } = progressMessage(incident({ state: 'running' }), events);
    expect(texts(blocks)[1]).toBe(
      '*Steps* (1 of 2 done)\n↷ *Undo deployment* · skipped: already succeeded in attempt 1\n… *Restart workers* · running · attempt 2',
    );
    expect(text).toBe('RB-1042 checkout/production: Running, 1 of 2 steps done, running Restart workers');
    // While it runs, approvers can stop it; once someone did, the button gives way to who did.
    expect(texts(blocks).at(-1)).toBe('[rollback_stop]');
    const stopped = progressMessage(
      incident({ state: 'running', stopRequested: { by: 'U0BOB', at: at('14:03:30') } }),
      events,
    );
    expect(texts(stopped.blocks).at(-1)).toBe(
      ':octagonal_sign: Stop requested by <@U0BOB> at 14:03:30 UTC: the rollback stops after the running step.',
    );
  });

  it('after success: each step with its duration, checks with their tries, total time', () => {
    const { blocks } = progressMessage(incident(), successfulTimeline());
    expect(texts(blocks)).toEqual([
      '*Progress · RB-1042* · checkout/production · Rolled back · attempt 1',
      '*Steps* (2 of 2 done)\n✓ *Undo deployment* · 4s\n✓ *Restart workers* · 12s',
      '*Verification*\n✓ Health · passed after 2 tries\n✓ Smoke · passed after 1 try',
      'Started 14:03:17 UTC, finished in 33s · ✓ done · ✗ failed · … running · ○ pending · ↷ skipped',
    ]);
  });

  it('after failure: the failed step with its last attempt and error; the rest never ran', () => {
    const { blocks } = progressMessage(failedIncident(), failedTimeline());
    expect(texts(blocks)[1]).toBe(
      '*Steps* (0 of 2 done)\n✗ *Undo deployment* · 6s · attempt 3 · timed out after 6s\n○ *Restart workers*',
    );
  });

  it('after a crash mid-step: the step shows as unfinished, not running', () => {
    const events: TimelineEvent[] = [
      ...successfulTimeline().slice(2, 10),
      { at: at('14:03:21'), type: 'step_started', ...s2, attempt: 1 },
      {
        at: at('14:04:30'),
        type: 'manual_intervention_required',
        why: 'Restart workers was interrupted',
        stepId: 's2',
      },
    ];
    const { blocks } = progressMessage(incident({ state: 'manual_intervention' }), events);
    expect(texts(blocks)[1]).toBe(
      '*Steps* (1 of 2 done)\n✓ *Undo deployment* · 4s\n⚠ *Restart workers* · started, no result recorded',
    );
  });

  it('escapes step errors so they cannot ping the channel', () => {
    const events = failedTimeline().map((event) =>
      event.type === 'step_failed' && event.attempt === 3
        ? { ...event, error: '<!channel> broke & died' }
        : event,
    );
    const { blocks } = progressMessage(failedIncident(), events);
    expect(texts(blocks)[1]).toContain('&lt;!channel&gt; broke &amp; died');
  });
});
