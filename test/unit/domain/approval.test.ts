import { decideApproval, decideReject } from '../../../src/domain/approval.js';
import { advance, transition, type Incident } from '../../../src/domain/incident.js';
import { anIncident } from '../../support/builders.js';

const now = new Date('2026-11-22T14:10:00Z');
function incident(overrides: Partial<Incident> = {}, policy: Partial<Incident['policy']> = {}): Incident {
  return anIncident({
    policy: {
      approvers: ['U0LEAD', 'S0SRE', 'U0REQ'],
      requiredApprovals: 2,
      allowSelfApproval: false,
      ...policy,
    },
    ...overrides,
  });
}
const none = new Set<string>();

describe('approval policy', () => {
  it('counts a listed approver and completes at the required number of distinct people', () => {
    expect(decideApproval(incident(), 'U0LEAD', none, now)).toEqual({
      kind: 'counted',
      approvers: ['U0LEAD'],
      complete: false,
    });
    const once = incident({ approvals: [{ userId: 'U0LEAD', at: '' }] });
    expect(decideApproval(once, 'U0GROUPIE', new Set(['U0GROUPIE']), now)).toEqual({
      kind: 'counted',
      approvers: ['U0LEAD', 'U0GROUPIE'],
      complete: true,
    });
    expect(decideApproval(once, 'U0LEAD', none, now).kind).toBe('duplicate');
  });

  it.each([
    ['the requester without self-approval', incident(), 'U0REQ', /someone else has to approve/],
    ['an outsider', incident(), 'U0NOBODY', /not an approver for checkout\/production/],
    [
      'anyone when no approvers are configured',
      incident({}, { approvers: [] }),
      'U0LEAD',
      /No approvers are configured/,
    ],
    [
      'a click after the request expired',
      incident({ expiresAt: '2026-11-22T14:05:00Z' }),
      'U0LEAD',
      /expired/,
    ],
  ])('refuses %s', (_what, subject, user, why) => {
    const decision = decideApproval(subject, user, none, now);
    expect(decision.kind).toBe('refused');
    expect(decision.kind === 'refused' && decision.why).toMatch(why);
  });

  it('answers a click after the decision like a double click: told, not recorded', () => {
    expect(decideApproval(incident({ state: 'rejected' }), 'U0LEAD', none, now)).toEqual({
      kind: 'duplicate',
      why: expect.stringMatching(/no longer awaiting approval \(rejected\)/),
    });
  });

  it('lets the requester approve their own request only when the policy allows it', () => {
    expect(
      decideApproval(incident({}, { allowSelfApproval: true, requiredApprovals: 1 }), 'U0REQ', none, now),
    ).toEqual({
      kind: 'counted',
      approvers: ['U0REQ'],
      complete: true,
    });
  });

  it('lets approvers reject and the requester withdraw, nobody else', () => {
    expect(decideReject(incident(), 'U0LEAD', none).kind).toBe('rejected');
    expect(decideReject(incident(), 'U0REQ', none).kind).toBe('rejected');
    expect(decideReject(incident(), 'U0NOBODY', none).kind).toBe('refused');
  });
});

describe('incident state machine', () => {
  it.each([
    ['awaiting_approval', 'approved', 'approved'],
    ['awaiting_approval', 'rejected', 'rejected'],
    ['awaiting_approval', 'expired', 'expired'],
    ['approved', 'queued', 'queued'],
    ['queued', 'rollback_started', 'running'],
    ['running', 'rollback_complete', 'completed'],
    ['running', 'rollback_unverified', 'unverified'],
    ['running', 'manual_intervention_required', 'manual_intervention'],
  ] as const)('%s + %s → %s', (from, event, to) => {
    expect(transition(from, { type: event })).toEqual({ ok: true, state: to });
  });

  it.each([
    ['rejected', 'approved'],
    ['expired', 'approved'],
    ['completed', 'rollback_started'],
    ['awaiting_approval', 'queued'],
    ['queued', 'rollback_complete'],
  ] as const)('refuses %s + %s and says why', (from, event) => {
    expect(transition(from, { type: event })).toEqual({
      ok: false,
      why: `cannot go from ${from} on ${event}`,
    });
  });
});

describe('advance (the one door for stored state changes)', () => {
  it('moves the incident, stamps the time, records the changes and returns the timeline event', () => {
    const at = '2024-05-14T14:20:00.000Z';
    const approvals = [{ userId: 'U0LEAD', at }];
    const event = { type: 'approved' as const, at, approvers: ['U0LEAD'] };
    expect(advance(incident(), event, { approvals })).toEqual({
      ok: true,
      incident: { ...incident(), state: 'approved', approvals, updatedAt: at },
      event,
    });
  });

  it('refuses a change the state machine does not allow and leaves the incident as it was', () => {
    const rejected = incident({ state: 'rejected' });
    const queued = {
      type: 'queued' as const,
      at: '2024-05-14T14:20:00.000Z',
      jobId: 'j',
      queue: 'q',
      position: 1,
    };
    expect(advance(rejected, queued)).toEqual({ ok: false, why: 'cannot go from rejected on queued' });
    expect(rejected.state).toBe('rejected');
  });
});
