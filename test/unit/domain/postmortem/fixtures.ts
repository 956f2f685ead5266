/**
 * Two known incidents with their timelines: a complete, successful rollback, and a failed one
 * (three attempts, then escalation) that crosses midnight UTC.
 */
import type { Incident } from '../../../../src/domain/incident.js';
import type { RollbackPlan } from '../../../../src/domain/plan.js';
import type { TimelineEvent } from '../../../../src/domain/timeline.js';
import { anIncident } from '../../../support/builders.js';

export const PEOPLE = { U0ALICE: 'Alice', U0BOB: 'Bob', U0CAROL: 'Carol' };

export function plan(): RollbackPlan {
  return {
    steps: [
      {
        id: 's1',
        name: 'Undo deployment',
        argv: ['kubectl', 'rollout', 'undo', 'deployment/checkout', '--to-revision=41', '-n', 'prod'],
        idempotent: true,
        timeoutMs: 120_000,
        env: {},
      },
      {
        id: 's2',
        name: 'Restart workers',
        argv: ['kubectl', 'rollout', 'restart', 'deployment/checkout-worker', '-n', 'prod'],
        idempotent: false,
        timeoutMs: 120_000,
        env: {},
      },
    ],
    verify: [
      {
        name: 'Health',
        kind: 'http',
        url: 'http://checkout.prod.svc/healthz',
        expectStatus: 200,
        retries: 5,
        intervalMs: 5000,
        timeoutMs: 2000,
      },
      {
        name: 'Smoke',
        kind: 'run',
        run: ['./scripts/smoke.sh', 'production'],
        env: {},
        retries: 1,
        intervalMs: 1000,
        timeoutMs: 60_000,
      },
    ],
    timeBudgetMs: 300_000,
  };
}

export function incident(overrides: Partial<Incident> = {}): Incident {
  return anIncident({
    id: 'RB-1042',
    service: 'checkout',
    environment: 'production',
    requester: 'U0ALICE',
    reason: '5xx spike after 2.4.0',
    source: 'slack',
    fromVersion: '2.4.0',
    toVersion: '2.3.9',
    plan: plan(),
    policy: { approvers: ['U0BOB', 'U0CAROL', 'S0SRE'], requiredApprovals: 2, allowSelfApproval: false },
    state: 'completed',
    approvals: [
      { userId: 'U0BOB', at: '2024-05-14T14:02:40Z' },
      { userId: 'U0CAROL', at: '2024-05-14T14:03:15Z' },
    ],
    channel: 'C0INCIDENTS',
    messageTs: '1715695330.000100',
    createdAt: '2024-05-14T14:02:10Z',
    updatedAt: '2024-05-14T14:03:50Z',
    expiresAt: '2024-05-14T14:32:10Z',
    ...overrides,
  });
}

const day = (time: string): string => `2024-05-14T${time}Z`;

/** Deploy, alert, request, two approvals, two steps, two checks, complete. */
export function successfulTimeline(): TimelineEvent[] {
  return [
    { at: day('14:00:00'), type: 'deploy', version: '2.4.0', previousVersion: '2.3.9' },
    {
      at: day('14:01:30'),
      type: 'alert',
      source: 'pagerduty',
      summary: 'checkout 5xx above 20%',
      status: 'triggered',
    },
    {
      at: day('14:02:10'),
      type: 'requested',
      by: 'U0ALICE',
      source: 'slack',
      reason: '5xx spike after 2.4.0',
    },
    { at: day('14:02:40'), type: 'approval_given', by: 'U0BOB', count: 1, required: 2 },
    { at: day('14:03:15'), type: 'approval_given', by: 'U0CAROL', count: 2, required: 2 },
    { at: day('14:03:15'), type: 'approved', approvers: ['U0BOB', 'U0CAROL'] },
    {
      at: day('14:03:16'),
      type: 'queued',
      jobId: 'rollback-RB-1042',
      queue: 'rollback-production',
      position: 1,
    },
    { at: day('14:03:17'), type: 'rollback_started', attempt: 1 },
    { at: day('14:03:17'), type: 'step_started', stepId: 's1', name: 'Undo deployment', attempt: 1 },
    {
      at: day('14:03:21'),
      type: 'step_succeeded',
      stepId: 's1',
      name: 'Undo deployment',
      attempt: 1,
      durationMs: 4000,
    },
    { at: day('14:03:21'), type: 'step_started', stepId: 's2', name: 'Restart workers', attempt: 1 },
    {
      at: day('14:03:33'),
      type: 'step_succeeded',
      stepId: 's2',
      name: 'Restart workers',
      attempt: 1,
      durationMs: 12_000,
    },
    { at: day('14:03:45'), type: 'verify_passed', check: 'Health', tries: 2 },
    { at: day('14:03:50'), type: 'verify_passed', check: 'Smoke', tries: 1 },
    { at: day('14:03:50'), type: 'rollback_complete', durationMs: 33_000 },
  ];
}

export const SUCCESS_NOW = new Date('2024-05-14T14:30:00Z');

/** A self-approval refused, then three failing attempts at step s1 and escalation. */
export function failedTimeline(): TimelineEvent[] {
  const step = { stepId: 's1', name: 'Undo deployment' } as const;
  return [
    {
      at: '2024-05-14T23:59:30Z',
      type: 'requested',
      by: 'U0ALICE',
      source: 'slack',
      reason: 'checkout | cart 502s',
    },
    {
      at: '2024-05-14T23:59:40Z',
      type: 'approval_refused',
      by: 'U0ALICE',
      why: 'the requester cannot approve',
    },
    { at: '2024-05-15T00:00:20Z', type: 'approval_given', by: 'U0BOB', count: 1, required: 1 },
    { at: '2024-05-15T00:00:20Z', type: 'approved', approvers: ['U0BOB'] },
    {
      at: '2024-05-15T00:00:21Z',
      type: 'queued',
      jobId: 'rollback-RB-7',
      queue: 'rollback-production',
      position: 1,
    },
    { at: '2024-05-15T00:00:22Z', type: 'rollback_started', attempt: 1 },
    { at: '2024-05-15T00:00:22Z', type: 'step_started', ...step, attempt: 1 },
    {
      at: '2024-05-15T00:00:25Z',
      type: 'step_failed',
      ...step,
      attempt: 1,
      durationMs: 3000,
      error: 'exit code 1',
      outputTail: 'Error from server (NotFound): deployments.apps "checkout" not found\n',
    },
    { at: '2024-05-15T00:00:25Z', type: 'retry_scheduled', attempt: 2, delayMs: 5000, error: 'exit code 1' },
    { at: '2024-05-15T00:00:30Z', type: 'rollback_started', attempt: 2 },
    { at: '2024-05-15T00:00:30Z', type: 'step_started', ...step, attempt: 2 },
    {
      at: '2024-05-15T00:00:34Z',
      type: 'step_failed',
      ...step,
      attempt: 2,
      durationMs: 4000,
      error: 'exit code 1',
      outputTail: 'line 1\nError from server (Timeout): the server was unable to return a response <in time>',
    },
    {
      at: '2024-05-15T00:00:34Z',
      type: 'retry_scheduled',
      attempt: 3,
      delayMs: 10_000,
      error: 'exit code 1',
    },
    { at: '2024-05-15T00:00:44Z', type: 'rollback_started', attempt: 3 },
    { at: '2024-05-15T00:00:44Z', type: 'step_started', ...step, attempt: 3 },
    {
      at: '2024-05-15T00:00:50Z',
      type: 'step_failed',
      ...step,
      attempt: 3,
      durationMs: 6000,
      error: 'timed out after 6s',
    },
    { at: '2024-05-15T00:00:50Z', type: 'rollback_failed', attempts: 3, error: 'timed out after 6s' },
    {
      at: '2024-05-15T00:00:50Z',
      type: 'manual_intervention_required',
      why: 'the rollback failed after 3 attempts',
    },
  ];
}

export const FAILED_NOW = new Date('2024-05-15T00:20:00Z');

export function failedIncident(): Incident {
  return incident({
    id: 'RB-7',
    reason: 'checkout | cart 502s',
    state: 'failed',
    policy: { approvers: ['U0BOB', 'S0SRE'], requiredApprovals: 1, allowSelfApproval: false },
    approvals: [{ userId: 'U0BOB', at: '2024-05-15T00:00:20Z' }],
    createdAt: '2024-05-14T23:59:30Z',
  });
}
