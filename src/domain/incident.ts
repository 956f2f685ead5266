/**
 * An incident: one rollback request and everything that happened to it. Its state changes only
 * through `transition`, a pure function that says why a change is refused.
 */
import type { RollbackPlan } from './plan.js';

export const INCIDENT_STATES = [
  'awaiting_approval',
  'approved',
  'queued',
  'running',
  'completed',
  'failed',
  'unverified',
  'manual_intervention',
  'rejected',
  'expired',
] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<IncidentState> = new Set([
  'completed',
  'failed',
  'unverified',
  'manual_intervention',
  'rejected',
  'expired',
]);

export interface ApprovalPolicy {
  /** User ids (U…/W…) and user-group ids (S…). Empty: nobody can approve. */
  approvers: string[];
  requiredApprovals: number;
  allowSelfApproval: boolean;
}

export interface Approval {
  userId: string;
  at: string;
}

/**
 * The rollback-safety verdict as recorded on the incident (the full report is cached apart), and
 * whether approving it means overriding the analysis, which takes two approvers.
 */
export interface IncidentSafety {
  /** `pending` while the analysis still runs; approvals wait for it. */
  verdict: 'safe' | 'conditional' | 'unsafe' | 'unknown' | 'pending';
  /** True when approving overrides the analysis (unsafe, or preconditions nobody can run). */
  override: boolean;
  /** Why the override is needed, in a responder's words. */
  why?: string;
  /** The catalog's own required approvals, before an override raised them. */
  configuredApprovals: number;
}

export interface Incident {
  /** Short and human: `RB-1042`. */
  id: string;
  service: string;
  environment: string;
  requester: string;
  reason: string;
  source: 'slack' | 'pagerduty' | 'alertmanager';
  /** What is running now (the bad release), when known. */
  fromVersion?: string;
  /** What we roll back to; undefined means "the previous revision". */
  toVersion?: string;
  plan: RollbackPlan;
  policy: ApprovalPolicy;
  state: IncidentState;
  approvals: Approval[];
  rejectedBy?: string;
  channel: string;
  /** The card's message ts; the thread hangs under it. */
  messageTs?: string;
  /** The thread's two living messages, updated in place. */
  timelineTs?: string;
  progressTs?: string;
  /** Links shown on the card (e.g. the PagerDuty incident). */
  links?: { label: string; url: string }[];
  /** Rollback safety, when the analysis is wired in. */
  safety?: IncidentSafety;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

export type IncidentEvent =
  | { type: 'approved' }
  | { type: 'rejected' }
  | { type: 'expired' }
  | { type: 'queued' }
  | { type: 'started' }
  | { type: 'completed' }
  | { type: 'failed' }
  | { type: 'unverified' }
  | { type: 'manual_intervention' };

export type TransitionResult = { ok: true; state: IncidentState } | { ok: false; why: string };

const ALLOWED: Record<IncidentEvent['type'], { from: IncidentState[]; to: IncidentState }> = {
  approved: { from: ['awaiting_approval'], to: 'approved' },
  rejected: { from: ['awaiting_approval'], to: 'rejected' },
  expired: { from: ['awaiting_approval'], to: 'expired' },
  queued: { from: ['approved'], to: 'queued' },
  started: { from: ['queued', 'running'], to: 'running' },
  completed: { from: ['running'], to: 'completed' },
  failed: { from: ['queued', 'running'], to: 'failed' },
  unverified: { from: ['running'], to: 'unverified' },
  manual_intervention: { from: ['approved', 'queued', 'running'], to: 'manual_intervention' },
};

export function transition(state: IncidentState, event: IncidentEvent): TransitionResult {
  const rule = ALLOWED[event.type];
  if (rule.from.includes(state)) return { ok: true, state: rule.to };
  return { ok: false, why: `cannot go from ${state} on ${event.type}` };
}

/**
 * The incident after `event` at `at` (with `changes`, such as the approvals it records), or why
 * the change is refused: the one door every state change of a stored incident goes through.
 */
export function advance(
  incident: Incident,
  event: IncidentEvent,
  at: string,
  changes: Partial<Omit<Incident, 'state' | 'updatedAt'>> = {},
): { ok: true; incident: Incident } | { ok: false; why: string } {
  const next = transition(incident.state, event);
  if (!next.ok) return next;
  return { ok: true, incident: { ...incident, ...changes, state: next.state, updatedAt: at } };
}

export function isTerminal(state: IncidentState): boolean {
  return TERMINAL_STATES.has(state);
}

/** How a state reads on a card and in `/rollback status`. */
export const STATE_LABELS: Record<IncidentState, string> = {
  awaiting_approval: 'Awaiting approval',
  approved: 'Approved',
  queued: 'Queued',
  running: 'Running',
  completed: 'Rolled back',
  failed: 'Rollback failed',
  unverified: 'Rolled back, verification failed',
  manual_intervention: 'Manual intervention required',
  rejected: 'Rejected',
  expired: 'Expired',
};
