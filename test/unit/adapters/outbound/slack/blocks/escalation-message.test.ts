import type { KnownBlock } from '@slack/types';
import type { TimelineEvent } from '../../../../../../src/domain/timeline.js';
import { escalationMessage } from '../../../../../../src/adapters/outbound/slack/blocks/escalation-message.js';
import {
  failedIncident,
  failedTimeline,
  incident,
  successfulTimeline,
} from '../../../../domain/postmortem/fixtures.js';

function texts(blocks: KnownBlock[]): string[] {
  return blocks.map((block) => {
    if (block.type !== 'section' || !block.text) throw new Error(`unexpected block ${block.type}`);
    expect(block.text.text.length).toBeLessThanOrEqual(3000);
    return block.text.text;
  });
}

describe('the escalation message', () => {
  it('after retries ran out: mentions approvers and groups, says what was tried in each attempt', () => {
    const { text, blocks } = escalationMessage(
      failedIncident(),
      failedTimeline(),
      'failed',
      'the rollback failed after 3 attempts',
    );
    expect(text).toBe(
      '<@U0BOB> <!subteam^S0SRE> Manual intervention is required for RB-7 (checkout/production): the rollback failed after 3 attempts',
    );
    const [lead, tried, check] = texts(blocks);
    expect(lead).toBe(
      ':rotating_light: *Manual intervention is required* · RB-7 · checkout/production\n' +
        '<@U0BOB> <!subteam^S0SRE>: the rollback failed and the bot will not try again. A person needs to take over now.\n' +
        '*Why:* the rollback failed after 3 attempts',
    );
    const command = '`kubectl rollout undo deployment/checkout --to-revision=41 -n prod`';
    expect(tried).toBe(
      [
        '*What was tried*',
        '*Attempt 1*',
        `• Undo deployment ${command} · ✗ failed · 3s: exit code 1`,
        // The step's own last words, escaped, as a code block.
        '```Error from server (NotFound): deployments.apps "checkout" not found```',
        '*Attempt 2*',
        `• Undo deployment ${command} · ✗ failed · 4s: exit code 1`,
        '```line 1\nError from server (Timeout): the server was unable to return a response &lt;in time&gt;```',
        '*Attempt 3*',
        `• Undo deployment ${command} · ✗ failed · 6s: timed out after 6s`,
        'Not reached: Restart workers',
      ].join('\n'),
    );
    expect(check).toContain('• Why *Undo deployment* fails, and whether a failed attempt partly applied');
    expect(check).toContain('• Which version of checkout/production is serving now (expected `2.3.9`)');
  });

  it('after a crash in a non-idempotent step: names the step and says to check it took effect', () => {
    const events: TimelineEvent[] = [
      ...successfulTimeline().slice(2, 10),
      { at: '2024-05-14T14:03:21Z', type: 'step_started', stepId: 's2', name: 'Restart workers', attempt: 1 },
      {
        at: '2024-05-14T14:04:30Z',
        type: 'manual_intervention_required',
        why: 'Restart workers was started and is not idempotent',
        stepId: 's2',
      },
    ];
    const { blocks } = escalationMessage(
      incident({ state: 'manual_intervention' }),
      events,
      'manual_intervention',
      'Restart workers was started and is not idempotent',
    );
    const [lead, tried, check] = texts(blocks);
    expect(lead).toContain(
      '<@U0BOB> <@U0CAROL> <!subteam^S0SRE>: the bot stopped the rollback rather than risk running a step twice',
    );
    expect(tried).toContain(
      '• Restart workers `kubectl rollout restart deployment/checkout-worker -n prod` · ⚠ started, no result recorded',
    );
    expect(check).toContain(
      '• Step *Restart workers* `kubectl rollout restart deployment/checkout-worker -n prod` started but no result was recorded, and it is not safe to run twice: check whether it took effect before running it again by hand.',
    );
  });

  it('after failed verification: lists the checks and says the steps will not be re-run', () => {
    const events: TimelineEvent[] = [
      ...successfulTimeline().slice(2, 13),
      {
        at: '2024-05-14T14:04:10Z',
        type: 'verify_failed',
        check: 'Smoke',
        tries: 1,
        error: 'exit code 3 <stderr>',
      },
      { at: '2024-05-14T14:04:10Z', type: 'rollback_unverified', error: 'Smoke failed' },
    ];
    const { blocks } = escalationMessage(
      incident({ state: 'unverified' }),
      events,
      'unverified',
      'Smoke failed',
    );
    const [lead, tried, check] = texts(blocks);
    expect(lead).toContain(
      'the rollback steps succeeded but verification failed, so the bot will not re-run them',
    );
    expect(tried).toContain('• Check Health ✓ passed after 2 tries');
    expect(tried).toContain('• Check Smoke ✗ failed after 1 try: exit code 3 &lt;stderr&gt;');
    expect(check).toContain('• Why *Smoke* fails: the rollback may be incomplete');
  });

  it('with no approvers configured, mentions the requester instead of nobody', () => {
    const lonely = failedIncident();
    lonely.policy = { ...lonely.policy, approvers: [] };
    const { text } = escalationMessage(lonely, failedTimeline(), 'failed', 'out of attempts');
    expect(text.startsWith('<@U0ALICE> Manual intervention is required')).toBe(true);
  });
});
