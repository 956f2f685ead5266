/** The execution engine's inputs and outcomes, as the rollback worker sees them. */
import type { CommandRunner } from '../adapters/shell/types.js';
import type { StepJournal } from '../adapters/store/step-journal.js';
import type { RollbackPlan } from '../domain/plan.js';
import type { FailureKind } from '../domain/retry.js';
import type { TimelineEvent } from '../domain/timeline.js';
import type { VerificationReport } from './verify.js';

/** Everything one attempt of a rollback needs. */
export interface ExecutionContext {
  incidentId: string;
  /** The plan frozen on the incident at approval. */
  plan: RollbackPlan;
  /** 1-based attempt number (BullMQ `attemptsMade + 1`). */
  attempt: number;
  journal: StepJournal;
  runner: CommandRunner;
  /**
   * Receives step and verification events as they happen (step_started, step_succeeded,
   * step_failed, step_skipped, verify_passed, verify_failed). Awaited: an error here stops the
   * attempt (the journal already holds what ran, so a retry resumes safely).
   */
  emit(event: TimelineEvent): void | Promise<void>;
  /** Aborted on shutdown: the running step is killed and the outcome is `cancelled`. */
  signal: AbortSignal;
  /**
   * Epoch ms when the whole rollback's time budget ends, verification included. Keep it stable
   * across attempts: e.g. `Date.parse(snapshot.firstStartedAt) + plan.timeBudgetMs`.
   */
  deadline: number;
  /** Clock in epoch ms; defaults to `Date.now`. */
  now?: () => number;
  /** Working directory of steps (e.g. a checkout); defaults to the runner's. */
  cwd?: string;
}

/** One step's part in this attempt, for the progress message. */
export interface StepReport {
  stepId: string;
  name: string;
  status: 'succeeded' | 'skipped' | 'failed' | 'not_run';
  durationMs?: number;
  outputTail?: string;
  error?: string;
}

interface WithSteps {
  steps: StepReport[];
}

/**
 * How an attempt ended. What the worker does next:
 * - `completed`: ROLLBACK_COMPLETE.
 * - `unverified`: steps done, verification failed → ROLLBACK_UNVERIFIED and escalate; never re-run steps.
 * - `step_failed`: ask `decideRetry` (domain/retry.ts) with `failure`; `retryable` is its short answer.
 * - `manual_intervention`: MANUAL_INTERVENTION_REQUIRED with `why` and `whatToCheck`; no retry.
 * - `fenced_out`: another worker owns the rollback; end this job quietly, record nothing.
 * - `budget_exhausted`: ROLLBACK_FAILED (time budget) and escalate; no retry.
 * - `cancelled`: shutdown; let the job be retried by BullMQ (not counted as a failure by the user).
 */
export type ExecutionOutcome =
  | (WithSteps & { kind: 'completed'; durationMs: number; verification: VerificationReport })
  | (WithSteps & { kind: 'unverified'; durationMs: number; verification: VerificationReport; error: string })
  | (WithSteps & {
      kind: 'step_failed';
      stepId: string;
      stepName: string;
      failure: FailureKind;
      retryable: boolean;
      error: string;
      exitCode?: number;
      outputTail?: string;
    })
  | (WithSteps & {
      kind: 'manual_intervention';
      stepId: string;
      stepName: string;
      why: string;
      whatToCheck: string;
    })
  | (WithSteps & { kind: 'fenced_out'; token: number; current: number })
  | (WithSteps & { kind: 'budget_exhausted'; stepId?: string; error: string })
  | (WithSteps & { kind: 'cancelled'; stepId?: string; error: string });

export type ExecutionOutcomeKind = ExecutionOutcome['kind'];
