/**
 * An incident: one rollback request and everything that happened to it. Its state changes only
 * through `transition`, a pure function that says why a change is refused.
 */
import type { Alternative } from './alternatives.js';
import type { Evidence } from './evidence/evidence.js';
import type { SchemaGate } from './safety/schema-gate.js';
import type { SignalSource } from './signal.js';
import type { RollbackPlan } from './plan.js';
import type { TimelineEvent } from './timeline.js';

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
  /** The live schema gate the rollback must pass before its first code step, when preconditions exist. */
  gate?: SchemaGate;
  /** What the live schema showed when the card was built ("orders.order_metadata has a default"). */
  liveSchema?: { inEffect: string[]; missing: string[]; error?: string };
  /** Flags the release checks only in frontend code while its backend changes run unguarded. */
  frontendOnlyFlags?: string[];
}

export interface Incident {
  /** Short and human: `RB-1042`. */
  id: string;
  service: string;
  environment: string;
  requester: string;
  reason: string;
  source: 'slack' | SignalSource;
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
  /** Less destructive plans offered beside the main one, each with its own Approve. */
  alternatives?: Alternative[];
  /** The alternative the approvals are for (set by the first approval); absent: the main plan. */
  choice?: Alternative['id'];
  /** An approver pressed Stop: no further step starts. */
  stopRequested?: { by: string; at: string };
  /** A rehearsal (`/rollback drill`): runs for real, is timed for the runbook, locks no deploys. */
  drill?: true;
  /** Measured RED evidence against the pre-deploy baseline, when the environment has metrics. */
  evidence?: Evidence;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

/** The timeline events that change an incident's state: incident and timeline share one vocabulary. */
export type StateEventType =
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'queued'
  | 'rollback_started'
  | 'rollback_complete'
  | 'rollback_failed'
  | 'rollback_unverified'
  | 'manual_intervention_required';
export type StateEvent = Extract<TimelineEvent, { type: StateEventType }>;

export type TransitionResult = { ok: true; state: IncidentState } | { ok: false; why: string };

const ALLOWED: Record<StateEventType, { from: IncidentState[]; to: IncidentState }> = {
  approved: { from: ['awaiting_approval'], to: 'approved' },
  rejected: { from: ['awaiting_approval'], to: 'rejected' },
  expired: { from: ['awaiting_approval'], to: 'expired' },
  queued: { from: ['approved'], to: 'queued' },
  rollback_started: { from: ['queued', 'running'], to: 'running' },
  rollback_complete: { from: ['running'], to: 'completed' },
  rollback_failed: { from: ['queued', 'running'], to: 'failed' },
  rollback_unverified: { from: ['running'], to: 'unverified' },
  manual_intervention_required: { from: ['approved', 'queued', 'running'], to: 'manual_intervention' },
};

export function transition(state: IncidentState, event: { type: StateEventType }): TransitionResult {
  const rule = ALLOWED[event.type];
  if (rule.from.includes(state)) return { ok: true, state: rule.to };
  return { ok: false, why: `cannot go from ${state} on ${event.type}` };
}

/**
 * The incident after `event` (with `changes`, such as the approvals it records) and the event for
 * its timeline, or why the change is refused: the one door every stored state change goes through.
 */
export function advance(
  incident: Incident,
  event: StateEvent,
  changes: Partial<Omit<Incident, 'state' | 'updatedAt'>> = {},
): { ok: true; incident: Incident; event: StateEvent } | { ok: false; why: string } {
  const next = transition(incident.state, event);
  if (!next.ok) return next;
  return { ok: true, incident: { ...incident, ...changes, state: next.state, updatedAt: event.at }, event };
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
