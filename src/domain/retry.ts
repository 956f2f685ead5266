/**
 * When a failed rollback attempt is tried again, and after how long. Pure: the worker asks, then
 * acts (schedules the retry or escalates).
 */

/**
 * Why an attempt did not complete.
 * - `step_failed`: a step exited non-zero or was killed by a signal it was not sent by us.
 * - `step_timed_out`: a step ran past its own timeout and was killed.
 * - `cancelled`: the bot cancelled the attempt (shutdown); another attempt should finish the job.
 * - `not_found`: a step's executable is missing: the host or the catalog must change first.
 * - `bad_plan`: the plan cannot run as written (invalid argv, env, timeout).
 * - `budget_exhausted`: the rollback's time budget is spent; more attempts would exceed it.
 * - `interrupted_unsafe`: a non-idempotent step was interrupted; only a human knows its effect.
 * - `fenced_out`: another worker owns the rollback now; this one must stop quietly.
 */
export type FailureKind =
  | 'step_failed'
  | 'step_timed_out'
  | 'cancelled'
  | 'not_found'
  | 'bad_plan'
  | 'budget_exhausted'
  | 'interrupted_unsafe'
  | 'fenced_out';

const RETRYABLE: Record<FailureKind, boolean> = {
  step_failed: true,
  step_timed_out: true,
  cancelled: true,
  not_found: false,
  bad_plan: false,
  budget_exhausted: false,
  interrupted_unsafe: false,
  fenced_out: false,
};

/** Whether another attempt could succeed where this one failed. */
export function isRetryable(kind: FailureKind): boolean {
  return RETRYABLE[kind];
}

/** Retry settings from the catalog (`maxAttempts`, `retryDelay`). */
export interface RetryPolicy {
  maxAttempts: number;
  retryDelayMs: number;
  /** Upper bound of one delay; defaults to no bound. */
  maxDelayMs?: number;
}

/**
 * The delay before the attempt after `failedAttempt` (1-based): `retryDelayMs` after the first
 * failure, doubling after each further one.
 */
export function backoffDelayMs(
  failedAttempt: number,
  policy: Pick<RetryPolicy, 'retryDelayMs' | 'maxDelayMs'>,
): number {
  if (!Number.isInteger(failedAttempt) || failedAttempt < 1) {
    throw new RangeError(`attempt must be an integer of at least 1, got ${String(failedAttempt)}`);
  }
  const delay = policy.retryDelayMs * 2 ** (failedAttempt - 1);
  return policy.maxDelayMs === undefined ? delay : Math.min(delay, policy.maxDelayMs);
}

export type RetryDecision =
  { retry: true; nextAttempt: number; delayMs: number } | { retry: false; why: string };

/**
 * Decides what follows a failed attempt. `remainingBudgetMs`, when given, refuses a retry whose
 * delay alone would use up the time budget.
 */
export function decideRetry(input: {
  attempt: number;
  kind: FailureKind;
  policy: RetryPolicy;
  remainingBudgetMs?: number;
}): RetryDecision {
  const { attempt, kind, policy } = input;
  if (!isRetryable(kind)) return { retry: false, why: `${kind.replace(/_/g, ' ')} is not retryable` };
  if (attempt >= policy.maxAttempts) {
    return { retry: false, why: `attempt ${attempt} of ${policy.maxAttempts} failed; no attempts left` };
  }
  const delayMs = backoffDelayMs(attempt, policy);
  if (input.remainingBudgetMs !== undefined && delayMs >= input.remainingBudgetMs) {
    return {
      retry: false,
      why: `the next attempt would start after ${delayMs}ms but only ${Math.max(0, Math.round(input.remainingBudgetMs))}ms of the time budget remain`,
    };
  }
  return { retry: true, nextAttempt: attempt + 1, delayMs };
}
