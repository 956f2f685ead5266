/** The execution engine's inputs and outcomes, as the rollback worker sees them. */
import type { CommandRunner } from './ports/command-runner.js';
import type { StepJournal } from './ports/step-journal.js';
import type { RollbackPlan } from '../domain/plan.js';
import type { FailureKind } from '../domain/retry.js';
import type { TimelineEvent } from '../domain/timeline.js';
import type { VerificationReport } from './verify.js';
import type { MetricsReader } from './verify-metrics.js';
import type { FlagProviders } from './ports/flags.js';

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
  /**
   * Aborted when the running step must be killed (the shutdown grace ran out, or the worker lost
   * the job's lock): the outcome is `cancelled`.
   */
  signal: AbortSignal;
  /** Aborted when the process begins to shut down: the running step finishes, no new one starts. */
  stopping?: AbortSignal;
  /**
   * Proves, right before each step, that this worker still holds the job (it extends the queue's
   * lock with the job's token). False: the attempt stops without starting the step, since another
   * worker may own the rollback now. Absent: ownership rests on the journal's fence alone.
   */
  holdsJob?: () => Promise<boolean>;
  /**
   * How long a started step's lease lasts without renewal; the running worker renews it every
   * third of this. A worker taking over waits for a lease to lapse before deciding on the step.
   * Default {@link DEFAULT_STEP_LEASE_MS}.
   */
  stepLeaseMs?: number;
  /**
   * Epoch ms when the whole rollback's time budget ends, verification included. Keep it stable
   * across attempts: e.g. `Date.parse(snapshot.firstStartedAt) + plan.timeBudgetMs`.
   */
  deadline: number;
  /** Clock in epoch ms; defaults to `Date.now`. */
  now?: () => number;
  /** Working directory of steps (e.g. a checkout); defaults to the runner's. */
  cwd?: string;
  /** Reads error rate and p99 for `metrics` verify checks. */
  metrics?: MetricsReader;
  /**
   * The live schema gate, asked once per attempt right before the first code step (after the
   * precondition steps): closed stops the rollback for a human before anything is touched.
   */
  gate?: () => Promise<{ open: true } | { open: false; why: string; whatToCheck: string }>;
  /** Feature-flag providers, for `flag` strategy steps. */
  flags?: FlagProviders;
  /** The bot's own environment, for variables a strategy names (its database URL). */
  lookupEnv?: (name: string) => string | undefined;
  /**
   * Asked before each step, and while an interruptible step runs: who pressed Stop, if anyone (the
   * rollback then ends for a human).
   */
  stopRequested?: () => Promise<{ by: string } | undefined>;
}

export const DEFAULT_STEP_LEASE_MS = 30_000;

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
 * - `step_failed`: ask `decideRetry` (domain/retry.ts) with `failure`.
 * - `manual_intervention`: MANUAL_INTERVENTION_REQUIRED with `why` and `whatToCheck`; no retry.
 * - `fenced_out`: another worker owns the rollback; end this job quietly, record nothing.
 * - `budget_exhausted`: ROLLBACK_FAILED (time budget) and escalate; no retry.
 * - `cancelled`: shutdown; let the job be retried by BullMQ (not counted as a failure by the user).
 * - `lost_job`: this worker no longer holds the job's lock; leave the job alone (its new owner, or
 *   the stalled-job check, carries it on) and record nothing.
 */
export type ExecutionOutcome =
  | (WithSteps & { kind: 'completed'; durationMs: number; verification: VerificationReport })
  | (WithSteps & { kind: 'unverified'; durationMs: number; verification: VerificationReport; error: string })
  | (WithSteps & {
      kind: 'step_failed';
      stepId: string;
      stepName: string;
      failure: FailureKind;
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
  | (WithSteps & { kind: 'cancelled'; stepId?: string; error: string })
  | (WithSteps & { kind: 'lost_job'; stepId: string; error: string });

export type ExecutionOutcomeKind = ExecutionOutcome['kind'];
