import { buildPostmortem } from '../../../../src/domain/postmortem.js';
import {
  FAILED_NOW,
  PEOPLE,
  SUCCESS_NOW,
  failedIncident,
  failedTimeline,
  incident,
  successfulTimeline,
} from './fixtures.js';

describe('postmortem of a complete, successful rollback', () => {
  const model = buildPostmortem(incident(), successfulTimeline(), { now: SUCCESS_NOW, people: PEOPLE });

  it('summarises what broke, where, from which version to which, who decided and how it ended', () => {
    expect(model.outcome).toBe('rolled_back');
    expect(model.outcomeLabel).toBe('Rolled back');
    expect(model.summary).toBe(
      'checkout in production broke: 5xx spike after 2.4.0. ' +
        'The first alert ("checkout 5xx above 20%", PagerDuty) fired at 2024-05-14 14:01:30 UTC, 1m 30s after `2.4.0` was deployed. ' +
        'Alice requested a rollback from `2.4.0` to `2.3.9` via Slack at 2024-05-14 14:02:10 UTC; Bob and Carol approved it 1m 5s later. ' +
        'The rollback completed at 2024-05-14 14:03:50 UTC, 1m 40s after the request, on the first attempt; verification passed (Health, Smoke).',
    );
  });

  it('measures the impact window from the first alert to recovery, and the times to decide and recover', () => {
    expect(model.impact).toEqual({
      start: '2024-05-14 14:01:30 UTC',
      startedBy: 'first alert (PagerDuty: checkout 5xx above 20%)',
      end: '2024-05-14 14:03:50 UTC',
      endedBy: 'recovery (rollback complete)',
      duration: '2m 20s',
      ongoing: false,
    });
    expect(model.timeToRecovery).toEqual({ fromRequest: '1m 40s', fromApproval: '35s' });
    expect(model.decisionTime).toBe('1m 5s from request to approval');
  });

  it('starts the impact window at the change point when the metrics measured one', () => {
    const measured = incident({
      evidence: {
        status: 'measured',
        readAt: '2024-05-14T14:02:00Z',
        baselineWindow: { from: '2024-05-14T13:00:00Z', to: '2024-05-14T14:00:00Z' },
        baseline: { errorRatePercent: 0.1, p99Ms: 200 },
        current: { errorRatePercent: 15.2, p99Ms: 450 },
        changePoint: { at: '2024-05-14T14:00:40Z', metric: 'error rate' },
      },
    });
    const impact = buildPostmortem(measured, successfulTimeline(), {
      now: SUCCESS_NOW,
      people: PEOPLE,
    }).impact;
    expect(impact).toMatchObject({
      start: '2024-05-14 14:00:40 UTC',
      startedBy: 'the error rate leaving its pre-deploy baseline (metrics)',
      duration: '3m 10s',
    });
  });

  it('lists every event with its UTC time, its offset from the request and a sentence', () => {
    expect(model.timeline).toHaveLength(15);
    expect(model.timeline[0]).toEqual({
      date: '2024-05-14',
      time: '14:00:00',
      offset: '-2m 10s',
      sentence: 'Deployed `2.4.0` (replacing `2.3.9`)',
    });
    expect(model.timeline[2]).toMatchObject({
      offset: '+0s',
      sentence: 'Alice requested the rollback via Slack: 5xx spike after 2.4.0',
    });
    expect(model.timeline[4]).toMatchObject({
      time: '14:03:15',
      offset: '+1m 5s',
      sentence: 'Carol approved (2 of 2 required)',
    });
    expect(model.timeline[11]).toMatchObject({
      offset: '+1m 23s',
      sentence: 'Step Restart workers succeeded in 12s',
    });
    expect(model.timeline[14]).toMatchObject({
      offset: '+1m 40s',
      sentence: 'ROLLBACK_COMPLETE: rolled back in 33s',
    });
  });

  it('names the people involved with their roles, and the approver group to invite', () => {
    expect(model.people).toEqual([
      { id: 'U0ALICE', name: 'Alice', role: 'Requested the rollback' },
      { id: 'U0BOB', name: 'Bob', role: 'Approved' },
      { id: 'U0CAROL', name: 'Carol', role: 'Approved' },
      { id: 'S0SRE', name: 'S0SRE', role: 'Approver group (invite)' },
    ]);
  });

  it('shows what ran and the verification results', () => {
    expect(model.steps).toEqual([
      {
        name: 'Undo deployment',
        command: 'kubectl rollout undo deployment/checkout --to-revision=41 -n prod',
        outcome: 'Succeeded',
        duration: '4s',
        attempts: 1,
        errors: [],
      },
      {
        name: 'Restart workers',
        command: 'kubectl rollout restart deployment/checkout-worker -n prod',
        outcome: 'Succeeded',
        duration: '12s',
        attempts: 1,
        errors: [],
      },
    ]);
    expect(model.failures).toEqual([]);
    expect(model.verification).toEqual([
      { check: 'Health', result: 'Passed', detail: 'after 2 tries' },
      { check: 'Smoke', result: 'Passed', detail: 'after 1 try' },
    ]);
  });

  it('prefills fix-forward and deploy-lock action items, leaving only owner and due to fill', () => {
    expect(model.actionItems.slice(0, 2)).toEqual([
      {
        action: 'Fix forward the change in `2.4.0` and release a corrected version',
        owner: '',
        due: '',
        status: 'open',
      },
      {
        action:
          'Lift the deploy lock on checkout/production once the fix is released (`/rollback unlock checkout production`)',
        owner: '',
        due: '',
        status: 'open',
      },
    ]);
    expect(
      model.actionItems.some((item) => item.action.startsWith('Confirm checkout/production is healthy')),
    ).toBe(false);
  });

  it('asks about the deploy-to-alert gap and data the rollback cannot undo, not about retries', () => {
    expect(model.prompts[0]).toBe(
      '`2.4.0` was deployed at 2024-05-14 14:00:00 UTC and the first alert came 1m 30s later. What would have stopped the release sooner (canary analysis, a smaller rollout, a pre-deploy check)?',
    );
    expect(model.prompts.some((p) => p.startsWith('Rolling back code does not roll back data'))).toBe(true);
    expect(model.prompts.some((p) => p.includes('retrying'))).toBe(false);
    expect(model.prompts.some((p) => p.includes('Manual intervention'))).toBe(false);
  });

  it('lays out the meeting agenda with the domain minutes and the follow-up lists', () => {
    expect(model.agenda.map((s) => [s.title, s.minutes])).toEqual([
      ['Introduction', 5],
      ['Timeline review', 10],
      ['What happened', 15],
      ['What went well', 10],
      ['What can be improved', 15],
      ['Action items', 15],
      ['Follow-up', 5],
    ]);
    expect(model.totalMinutes).toBe(75);
    expect(model.meetingDeadline).toBe('2024-05-16 14:30:00 UTC');
    expect(model.agenda[1]?.points[0]).toBe(
      'Walk through the 15 events from 2024-05-14 14:00:00 to 2024-05-14 14:03:50 UTC',
    );
    expect(model.agenda[3]?.points).toContain('Every step succeeded on its first attempt');
    expect(model.within24h).toContain(
      'Schedule the blameless postmortem meeting before 2024-05-16 14:30:00 UTC',
    );
    expect(model.within24h).toContain(
      'Keep checkout/production locked against deploying `2.4.0` again until the fix is reviewed',
    );
    expect(model.within2Weeks.length).toBeGreaterThan(2);
  });

  it('marks the deploy lock item done once the lock was lifted', () => {
    const events = [
      ...successfulTimeline(),
      { at: '2024-05-14T16:00:00Z', type: 'unlocked' as const, by: 'U0BOB' },
    ];
    const later = buildPostmortem(incident(), events, {
      now: new Date('2024-05-14T16:05:00Z'),
      people: PEOPLE,
    });
    expect(later.actionItems[1]?.status).toBe('done');
    expect(later.people.find((p) => p.id === 'U0BOB')?.role).toBe('Approved; Lifted the deploy lock');
  });
});

describe('postmortem of a failed rollback with retries and escalation', () => {
  const model = buildPostmortem(failedIncident(), failedTimeline(), { now: FAILED_NOW, people: PEOPLE });

  it('says the rollback failed and nothing recovered, with the window still open at the time of writing', () => {
    expect(model.outcome).toBe('failed');
    expect(model.summary).toContain(
      'The rollback failed after 3 attempts (last error: timed out after 6s) and was escalated for manual intervention; checkout was not confirmed recovered at 2024-05-15 00:20:00 UTC.',
    );
    expect(model.impact).toEqual({
      start: '2024-05-14 23:59:30 UTC',
      startedBy: 'the rollback request',
      end: '2024-05-15 00:20:00 UTC',
      endedBy: 'not recovered: still open when this was written',
      duration: '20m 30s and counting',
      ongoing: true,
    });
    expect(model.timeToRecovery.fromRequest).toBe('not recovered by the rollback (rollback failed)');
    expect(model.decisionTime).toBe('50s from request to approval');
  });

  it('dates events across midnight and offsets them from the request', () => {
    expect(model.timeline[2]).toEqual({
      date: '2024-05-15',
      time: '00:00:20',
      offset: '+50s',
      sentence: 'Bob approved (1 of 1 required)',
    });
    expect(model.timeline.at(-1)).toMatchObject({
      offset: '+1m 20s',
      sentence: 'MANUAL_INTERVENTION_REQUIRED: the rollback failed after 3 attempts',
    });
  });

  it('reports each attempt of the failing step, its output summary, and the step never reached', () => {
    expect(model.steps[0]).toEqual({
      name: 'Undo deployment',
      command: 'kubectl rollout undo deployment/checkout --to-revision=41 -n prod',
      outcome: 'Failed',
      duration: '6s',
      attempts: 3,
      errors: ['attempt 1: exit code 1', 'attempt 2: exit code 1', 'attempt 3: timed out after 6s'],
      outputSummary:
        'line 1\nError from server (Timeout): the server was unable to return a response <in time>',
    });
    expect(model.steps[1]).toMatchObject({ name: 'Restart workers', outcome: 'Not run', attempts: 0 });
    expect(model.failures).toEqual([
      'Step "Undo deployment", attempt 1: exit code 1',
      'Step "Undo deployment", attempt 2: exit code 1',
      'Step "Undo deployment", attempt 3: timed out after 6s',
      'The rollback failed after 3 attempts',
      'Manual intervention was required: the rollback failed after 3 attempts',
    ]);
    expect(model.verification.map((c) => c.result)).toEqual(['Not run', 'Not run']);
  });

  it('tailors prompts and action items to the retries, the refused approval and the manual intervention', () => {
    expect(model.prompts).toContain(
      'Step "Undo deployment" failed 3 times (first: exit code 1). Why, and was retrying the right response, or should it have stopped at once?',
    );
    expect(model.prompts).toContain(
      "Alice's approval did not count (the requester cannot approve). Is the approver list for checkout/production right for who is on call?",
    );
    expect(
      model.prompts.some((p) =>
        p.startsWith('Manual intervention was required (the rollback failed after 3 attempts)'),
      ),
    ).toBe(true);
    expect(model.prompts[0]).toContain('No alert is on the timeline');
    const actions = model.actionItems.map((item) => item.action);
    expect(actions).toContain('Confirm checkout/production is healthy and record how it was restored');
    expect(actions).toContain(
      'Find out why step "Undo deployment" failed (exit code 1) and make it reliable',
    );
    expect(actions).toContain(
      'Write the manual steps taken into the checkout runbook, with a time estimate for each',
    );
    expect(actions.some((a) => a.startsWith('Lift the deploy lock'))).toBe(false);
    expect(model.people[0]).toEqual({
      id: 'U0ALICE',
      name: 'Alice',
      role: 'Requested the rollback; Approval did not count: the requester cannot approve',
    });
  });

  it('refuses a corrupt timestamp by name instead of rendering a wrong time', () => {
    const events = failedTimeline();
    events[3] = { ...events[3]!, at: 'yesterday' } as (typeof events)[number];
    expect(() => buildPostmortem(failedIncident(), events, { now: FAILED_NOW })).toThrow(
      'invalid timestamp "yesterday"',
    );
  });
});

describe('postmortem of rollbacks that ended otherwise', () => {
  it('covers an unverified rollback: steps done, checks failed, not counted as recovery', () => {
    const events = successfulTimeline().slice(0, 13);
    events.push(
      { at: '2024-05-14T14:04:10Z', type: 'verify_failed', check: 'Smoke', tries: 1, error: 'exit code 3' },
      { at: '2024-05-14T14:04:10Z', type: 'rollback_unverified', error: 'Smoke failed' },
    );
    const model = buildPostmortem(incident({ state: 'unverified' }), events, {
      now: SUCCESS_NOW,
      people: PEOPLE,
    });
    expect(model.outcomeLabel).toBe('Rolled back, verification failed');
    expect(model.impact.ongoing).toBe(true);
    expect(model.verification).toEqual([
      { check: 'Health', result: 'Passed', detail: 'after 2 tries' },
      { check: 'Smoke', result: 'Failed', detail: 'after 1 try: exit code 3' },
    ]);
    expect(model.prompts.some((p) => p.startsWith('The steps succeeded but "Smoke" failed afterwards'))).toBe(
      true,
    );
    expect(model.actionItems.map((a) => a.action)).toContain(
      'Find out why check "Smoke" failed after the rollback (exit code 3)',
    );
  });

  it('covers a rejected request: no steps ran and the summary says who rejected it', () => {
    const events = successfulTimeline().slice(0, 3);
    events.push({ at: '2024-05-14T14:04:00Z', type: 'rejected', by: 'U0CAROL' });
    const model = buildPostmortem(incident({ state: 'rejected', approvals: [] }), events, {
      now: SUCCESS_NOW,
      people: PEOPLE,
    });
    expect(model.summary).toContain('Carol rejected the rollback at 2024-05-14 14:04:00 UTC, so none ran.');
    expect(model.decisionTime).toBe('1m 50s from request to rejection');
    expect(model.steps.every((s) => s.outcome === 'Not run')).toBe(true);
  });
});
