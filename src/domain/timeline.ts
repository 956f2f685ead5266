/**
 * The incident's append-only record. The thread, the card's outcome line, the postmortem agenda
 * and the metrics are all views of these events.
 */

interface Base {
  /** ISO 8601, UTC. */
  at: string;
}

import type { SignalSource } from './signal.js';
export type TimelineEvent =
  | (Base & { type: 'requested'; by: string; source: 'slack' | SignalSource; reason: string })
  | (Base & { type: 'approval_given'; by: string; count: number; required: number })
  | (Base & { type: 'approval_refused'; by: string; why: string })
  | (Base & { type: 'approved'; approvers: string[] })
  | (Base & { type: 'rejected'; by: string })
  | (Base & { type: 'expired'; afterMs: number })
  | (Base & { type: 'queued'; jobId: string; queue: string; position: number })
  | (Base & { type: 'rollback_started'; attempt: number })
  | (Base & { type: 'step_started'; stepId: string; name: string; attempt: number })
  | (Base & { type: 'step_succeeded'; stepId: string; name: string; attempt: number; durationMs: number })
  | (Base & {
      type: 'step_failed';
      stepId: string;
      name: string;
      attempt: number;
      durationMs: number;
      error: string;
      outputTail?: string;
    })
  | (Base & { type: 'step_skipped'; stepId: string; name: string; why: string })
  | (Base & { type: 'verify_passed'; check: string; tries: number })
  | (Base & { type: 'verify_failed'; check: string; tries: number; error: string })
  | (Base & {
      type: 'verify_watching';
      check: string;
      errorRatePercent?: number;
      p99Ms?: number;
      /** How long the readings have stayed within tolerance (0 when this one is not). */
      steadyMs: number;
      watchMs: number;
      within: boolean;
    })
  | (Base & { type: 'retry_scheduled'; attempt: number; delayMs: number; error: string })
  | (Base & { type: 'rollback_complete'; durationMs: number })
  | (Base & { type: 'rollback_failed'; attempts: number; error: string })
  | (Base & { type: 'rollback_unverified'; error: string })
  | (Base & { type: 'manual_intervention_required'; why: string; stepId?: string })
  | (Base & {
      type: 'alert';
      source: SignalSource;
      summary: string;
      status: string;
      count?: number;
    })
  | (Base & { type: 'deploy'; version: string; previousVersion?: string })
  | (Base & { type: 'unlocked'; by: string })
  | (Base & { type: 'stop_requested'; by: string })
  | (Base & { type: 'gate_waiver'; by: string; count: number; required: number })
  | (Base & { type: 'gate_waived'; approvers: string[]; requirements: string[] })
  | (Base & { type: 'schema_gate'; open: boolean; detail: string })
  | (Base & { type: 'note'; text: string })
  /** Someone's `/rollback` for this service while the incident was open: kept, not dropped. */
  | (Base & {
      type: 'request_joined';
      by: string;
      reason: string;
      toVersion?: string;
      plannedVersion?: string;
    });

export type TimelineEventType = TimelineEvent['type'];

/** Signals the contract names (DOMAIN.md "Signals and records"), as counted and sent outward. */
export const OUTBOUND_SIGNALS = {
  rollback_started: 'ROLLBACK_STARTED',
  rollback_complete: 'ROLLBACK_COMPLETE',
  rollback_failed: 'ROLLBACK_FAILED',
  rollback_unverified: 'ROLLBACK_UNVERIFIED',
  manual_intervention_required: 'MANUAL_INTERVENTION_REQUIRED',
} as const satisfies Partial<Record<TimelineEventType, string>>;
