/**
 * The execution engine: runs a RollbackPlan step by step through the one CommandRunner, journaled
 * and fenced, then verifies. One call is one attempt; the worker decides on retries from the
 * typed outcome (see `ExecutionOutcome` and `decideRetry` in domain/retry.ts).
 *
 * Re-run safety (BullMQ is at-least-once): a step the journal shows succeeded is skipped; a step
 * found started but never finished — or killed mid-run, by us (timeout, shutdown) or by a signal
 * we did not send (OOM killer, an outside SIGKILL) — is re-run only when idempotent, otherwise the
 * rollback stops for a human, since only they can tell what it already did.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunResult } from './ports/command-runner.js';
import { FencedOutError, type FenceToken, type StepRecord } from './ports/step-journal.js';
import type { PlanStep } from '../domain/plan.js';
import { formatDuration } from '../domain/values.js';
import {
  DEFAULT_STEP_LEASE_MS,
  type ExecutionContext,
  type ExecutionOutcome,
  type StepReport,
} from './execution-types.js';
import { findPlanProblem } from './plan-check.js';
import { runVerification } from './verify.js';
import { probeStrategyStep, runStrategyStep } from './strategy-step.js';
import { runFlagStep } from './flag-step.js';
import { categoryOf } from '../domain/alternatives.js';
import { stepCommandText } from '../domain/strategies/registry.js';

export type { ExecutionContext, ExecutionOutcome, StepReport } from './execution-types.js';

/** Runs one attempt of the plan. Rejects only when the journal or `emit` fails (retry safely). */
export async function executePlan(ctx: ExecutionContext): Promise<ExecutionOutcome> {
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const steps: StepReport[] = ctx.plan.steps.map((s) => ({ stepId: s.id, name: s.name, status: 'not_run' }));

  const problem = findPlanProblem(ctx.plan);
  if (problem) {
    return {
      kind: 'step_failed',
      stepId: 'plan',
      stepName: 'plan',
      failure: 'bad_plan',
      error: problem,
      steps,
    };
  }

  const token = await ctx.journal.acquireFence(ctx.incidentId);
  const journal = await ctx.journal.read(ctx.incidentId);

  let gateChecked = false;
  for (const [index, step] of ctx.plan.steps.entries()) {
    const report = steps[index] as StepReport;
    let record = journal.steps[step.id];
    if (record?.status === 'started' && (record.leaseUntil ?? 0) > now()) {
      // Another worker started it and was alive a moment ago: its process may still be running.
      const waited = await waitForLease(ctx, step, record);
      if (!waited)
        return { kind: 'cancelled', stepId: step.id, error: `cancelled before step "${step.name}"`, steps };
      record = waited;
    }
    if (record?.status === 'succeeded') {
      report.status = 'skipped';
      await emitAt(ctx, {
        type: 'step_skipped',
        stepId: step.id,
        name: step.name,
        why: `succeeded in attempt ${record.attempt}`,
      });
      continue;
    }
    // A strategy step found started after a crash is probed before deciding: its target reached
    // is done; not reached follows the step's idempotency; a probe that cannot tell stops for a human.
    if (
      record &&
      wasInterrupted(record) &&
      step.strategy &&
      step.strategy.spec.kind !== 'flag' &&
      step.strategy.spec.kind !== 'sql'
    ) {
      const probe = await probeStrategyStep(
        ctx.runner,
        step,
        {
          env: step.env,
          timeoutMs: Math.min(step.timeoutMs, 60_000),
          signal: ctx.signal,
        },
        { ...(ctx.lookupEnv ? { lookupEnv: ctx.lookupEnv } : {}) },
      );
      // The spec already at the target does not mean the rollout finished: the step runs again,
      // and resolves to the wait alone (these strategies are idempotent), so nothing is undone twice.
      if (probe.verdict === 'done')
        await emitAt(ctx, {
          type: 'note',
          text: `Step "${step.name}" was found started after a crash; the probe shows it done (${probe.detail}): it runs again to wait for the rollout`,
        });
      if (probe.verdict === 'unknown')
        return manualIntervention(
          step,
          steps,
          `step "${step.name}" was found started after a crash and its probe cannot tell whether it took effect: ${probe.detail}`,
        );
    }
    if (record && wasInterrupted(record) && !step.idempotent) {
      return manualIntervention(step, steps, interruptedWhy(step, record));
    }
    if (ctx.signal.aborted || ctx.stopping?.aborted)
      return { kind: 'cancelled', stepId: step.id, error: `cancelled before step "${step.name}"`, steps };
    if (ctx.holdsJob && !(await ctx.holdsJob())) {
      return {
        kind: 'lost_job',
        stepId: step.id,
        error: `this worker no longer holds the job; step "${step.name}" was not started`,
        steps,
      };
    }
    const stop = await ctx.stopRequested?.();
    if (stop) return stopped(step, steps, `stopped by <@${stop.by}> before step "${step.name}"`);
    // The schema gate, right before the first code step: the preconditions must be in effect now.
    if (
      ctx.gate &&
      !gateChecked &&
      !isPreconditionStep(step) &&
      categoryOf(step) !== 'flag' &&
      !codeAlreadyRan(ctx.plan, journal)
    ) {
      gateChecked = true;
      const gate = await ctx.gate();
      if (!gate.open) {
        return {
          kind: 'manual_intervention',
          stepId: step.id,
          stepName: step.name,
          why: `The schema gate stopped the rollback before "${step.name}": ${gate.why}`,
          whatToCheck: gate.whatToCheck,
          steps,
        };
      }
    }
    const remaining = ctx.deadline - now();
    if (remaining <= 0) {
      return {
        kind: 'budget_exhausted',
        stepId: step.id,
        error: `time budget exhausted before step "${step.name}"`,
        steps,
      };
    }
    const outcome = await runStep(ctx, token, step, report, remaining, steps);
    if (outcome) return outcome;
  }

  const verification = await runVerification({
    checks: ctx.plan.verify,
    runner: ctx.runner,
    emit: ctx.emit,
    signal: ctx.signal,
    deadline: ctx.deadline,
    now,
    ...(ctx.cwd ? { cwd: ctx.cwd } : {}),
    ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
    ...(ctx.stopRequested ? { stopRequested: ctx.stopRequested } : {}),
  });
  const durationMs = now() - startedAt;
  // Checks cut short by shutdown say nothing about the service: the steps are journaled, so the
  // next delivery skips them and verifies again. Not `unverified`, which would page a human.
  if (!verification.passed && (verification.cancelled || ctx.signal.aborted)) {
    return { kind: 'cancelled', error: 'cancelled during verification', steps };
  }
  if (verification.passed) return { kind: 'completed', durationMs, verification, steps };
  return {
    kind: 'unverified',
    durationMs,
    verification,
    error: verification.error ?? 'verification failed',
    steps,
  };
}

/** Runs and journals one step; returns an outcome when the attempt must stop, else undefined. */
async function runStep(
  ctx: ExecutionContext,
  token: FenceToken,
  step: PlanStep,
  report: StepReport,
  remainingMs: number,
  steps: StepReport[],
): Promise<ExecutionOutcome | undefined> {
  const now = ctx.now ?? Date.now;
  const boundedByBudget = remainingMs < step.timeoutMs;
  const timeoutMs = Math.max(1, Math.min(step.timeoutMs, remainingMs));
  const startedAt = new Date(now()).toISOString();
  // Emitted before the journal says `started`: if the timeline write fails, the attempt stops with
  // the step still unstarted, so a retry runs it (a `started` record would stop a non-idempotent
  // step for a human though it never ran).
  await emitAt(ctx, { type: 'step_started', stepId: step.id, name: step.name, attempt: ctx.attempt });
  const leaseMs = ctx.stepLeaseMs ?? DEFAULT_STEP_LEASE_MS;
  try {
    // Fenced before the process starts: a stale worker never spawns the step.
    await ctx.journal.markStarted(token, step.id, {
      attempt: ctx.attempt,
      startedAt,
      leaseUntil: now() + leaseMs,
    });
  } catch (error) {
    if (error instanceof FencedOutError) return fencedOut(error, steps);
    throw error;
  }

  const lease = holdLease(ctx, token, step, leaseMs);
  const stopWatch = watchStop(ctx, step);
  let result: RunResult;
  try {
    const request = {
      env: step.env,
      timeoutMs,
      signal: AbortSignal.any([ctx.signal, lease.lost, stopWatch.signal]),
      ...(ctx.cwd ? { cwd: ctx.cwd } : {}),
    };
    // A strategy step reads the live system first; a state it refuses to act on throws (below).
    result =
      step.strategy?.spec.kind === 'flag'
        ? await runFlagStep(step, {
            ...(ctx.flags ? { providers: ctx.flags } : {}),
            ...(ctx.lookupEnv ? { lookupEnv: ctx.lookupEnv } : {}),
            signal: request.signal,
            incidentId: ctx.incidentId,
          })
        : step.strategy
          ? await runStrategyStep(ctx.runner, step, request, {
              ...(ctx.lookupEnv ? { lookupEnv: ctx.lookupEnv } : {}),
              runLabel: `${ctx.incidentId}-${step.id}-attempt${ctx.attempt}`,
            })
          : await ctx.runner.run({ argv: step.argv, ...request });
  } catch (error) {
    // The runner throws only for a request it cannot start (bad argv or env), a strategy for a
    // live state it will not act on: either way a plan error, not worth a retry.
    const message = error instanceof Error ? error.message : String(error);
    const fenced = await record(ctx, token, step, startedAt, {
      status: 'not_found',
      error: message,
      durationMs: 0,
    });
    if (fenced) return fencedOut(fenced, steps);
    await emitFailed(ctx, step, 0, message);
    Object.assign(report, { status: 'failed', error: message });
    return {
      kind: 'step_failed',
      stepId: step.id,
      stepName: step.name,
      failure: 'bad_plan',
      error: message,
      steps,
    };
  } finally {
    lease.release();
    stopWatch.release();
  }
  if (lease.fencedOut) return fencedOut(lease.fencedOut, steps);

  // Killed by a signal the bot did not send (the runner reports its own kills as `timed_out` or
  // `cancelled`): the step's effect is unknown, as after a timeout. Journaled as `killed`, so a
  // re-delivery treats it as interrupted too.
  const killed = result.status === 'failed' && result.signal !== undefined;
  const fenced = await record(ctx, token, step, startedAt, result, killed ? 'killed' : undefined);
  if (fenced) return fencedOut(fenced, steps);
  Object.assign(report, { durationMs: result.durationMs, outputTail: result.outputTail });

  if (result.status === 'succeeded') {
    report.status = 'succeeded';
    await emitAt(ctx, {
      type: 'step_succeeded',
      stepId: step.id,
      name: step.name,
      attempt: ctx.attempt,
      durationMs: Math.round(result.durationMs),
    });
    return undefined;
  }

  const stoppedBy = result.status === 'cancelled' ? stopWatch.stoppedBy : undefined;
  const error = stoppedBy
    ? `killed at once by Stop (<@${stoppedBy}>): the step is declared interruptible`
    : result.status === 'timed_out' && boundedByBudget
      ? `time budget exhausted during the step (killed after ${formatDuration(timeoutMs)})`
      : result.error;
  report.status = 'failed';
  report.error = error;
  await emitFailed(ctx, step, result.durationMs, error, result.outputTail);
  const failed = { stepId: step.id, stepName: step.name, error, steps, outputTail: result.outputTail };

  switch (result.status) {
    case 'not_found':
      return { kind: 'step_failed', ...failed, failure: 'not_found' };
    case 'failed':
      if (killed) {
        if (!step.idempotent) {
          return manualIntervention(
            step,
            steps,
            `step "${step.name}" (${step.id}) was ${result.error}, a signal the bot did not send (e.g. the OOM killer or a kill from outside); its effect is unknown and it is not idempotent, so running it again could do harm`,
          );
        }
        return { kind: 'step_failed', ...failed, failure: 'step_failed' };
      }
      return {
        kind: 'step_failed',
        ...failed,
        failure: 'step_failed',
        ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      };
    case 'cancelled':
      if (stoppedBy)
        return stopped(step, steps, `stopped by <@${stoppedBy}> during step "${step.name}", killed at once`);
      return { kind: 'cancelled', stepId: step.id, error: `step "${step.name}" ${result.error}`, steps };
    case 'timed_out':
      if (boundedByBudget)
        return { kind: 'budget_exhausted', stepId: step.id, error: `step "${step.name}": ${error}`, steps };
      if (!step.idempotent) {
        return manualIntervention(
          step,
          steps,
          `step "${step.name}" (${step.id}) ${result.error} and was killed; it is not idempotent, so running it again could do harm`,
        );
      }
      return { kind: 'step_failed', ...failed, failure: 'step_timed_out' };
  }
}

/**
 * Renews the started step's lease while its process runs. A renewal refused by the fence means
 * another worker took the rollback over: `lost` fires and the runner kills the process. Other
 * renewal errors are left to the next tick (the lease is three ticks long).
 */
function holdLease(ctx: ExecutionContext, token: FenceToken, step: PlanStep, leaseMs: number) {
  const now = ctx.now ?? Date.now;
  const lost = new AbortController();
  let fenced: FencedOutError | undefined;
  const timer = setInterval(() => {
    ctx.journal.renewLease(token, step.id, now() + leaseMs).catch((error: unknown) => {
      if (!(error instanceof FencedOutError) || fenced) return;
      fenced = error;
      lost.abort(new Error('another worker took this rollback over'));
    });
  }, leaseMs / 3);
  return {
    lost: lost.signal,
    get fencedOut() {
      return fenced;
    },
    release: () => clearInterval(timer),
  };
}

/**
 * Waits until the lease of a step another worker started has lapsed, then returns the step's
 * record as it is by then (it may have finished). Undefined when the attempt is cancelled first.
 */
async function waitForLease(
  ctx: ExecutionContext,
  step: PlanStep,
  record: StepRecord,
): Promise<StepRecord | undefined> {
  const now = ctx.now ?? Date.now;
  let current: StepRecord | undefined = record;
  while (current?.status === 'started' && (current.leaseUntil ?? 0) > now()) {
    const waitMs = Math.min((current.leaseUntil ?? 0) - now(), Math.max(0, ctx.deadline - now()));
    if (waitMs <= 0) break;
    try {
      await sleep(waitMs, undefined, { signal: AbortSignal.any(signals(ctx)) });
    } catch {
      return undefined;
    }
    current = (await ctx.journal.read(ctx.incidentId)).steps[step.id];
  }
  return current ?? record;
}

function signals(ctx: ExecutionContext): AbortSignal[] {
  return ctx.stopping ? [ctx.signal, ctx.stopping] : [ctx.signal];
}

/** Journals a finished run; returns the fencing error when another worker owns the rollback now. */
async function record(
  ctx: ExecutionContext,
  token: FenceToken,
  step: PlanStep,
  startedAt: string,
  result: Pick<RunResult, 'status' | 'durationMs'> & {
    error?: string;
    exitCode?: number;
    outputTail?: string;
  },
  /** What the journal records as the run's result, when not `result.status`. */
  as?: 'killed',
): Promise<FencedOutError | undefined> {
  const update = {
    attempt: ctx.attempt,
    startedAt,
    endedAt: new Date((ctx.now ?? Date.now)()).toISOString(),
    durationMs: Math.round(result.durationMs),
    result: as ?? result.status,
    ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.outputTail ? { outputTail: result.outputTail } : {}),
  };
  try {
    if (result.status === 'succeeded') await ctx.journal.markSucceeded(token, step.id, update);
    else await ctx.journal.markFailed(token, step.id, update);
    return undefined;
  } catch (error) {
    if (error instanceof FencedOutError) return error;
    throw error;
  }
}

/**
 * Started and never finished (a crash), killed by the bot (timeout, shutdown) or killed by a signal
 * it did not send (`killed`): effect unknown.
 */
function wasInterrupted(record: StepRecord): boolean {
  return (
    record.status === 'started' ||
    (record.status === 'failed' &&
      (record.result === 'timed_out' || record.result === 'cancelled' || record.result === 'killed'))
  );
}

function interruptedWhy(step: PlanStep, record: StepRecord): string {
  const since = record.startedAt ? ` at ${record.startedAt}` : '';
  if (record.status === 'started') {
    return `step "${step.name}" (${step.id}) was started in attempt ${record.attempt}${since} but never finished (the worker stopped mid-step); it is not idempotent, so the bot will not run it again`;
  }
  return `step "${step.name}" (${step.id}) was killed in attempt ${record.attempt}${since} (${record.error ?? record.result}); it is not idempotent, so the bot will not run it again`;
}

/** Precondition steps (`p1`…) come before the gate; the catalog's own steps are code steps. */
const isPreconditionStep = (step: PlanStep) => /^p\d+$/.test(step.id);

/**
 * A code step that already succeeded (an earlier attempt): the code is rolled back, the gate is
 * moot. A flag turned off or a database step done earlier is not the code: the gate still holds.
 */
function codeAlreadyRan(
  plan: ExecutionContext['plan'],
  journal: { steps: Record<string, StepRecord | undefined> },
) {
  return plan.steps.some(
    (step) =>
      categoryOf(step) === 'code' &&
      !isPreconditionStep(step) &&
      journal.steps[step.id]?.status === 'succeeded',
  );
}

/** How often a running interruptible step looks for Stop: a click takes effect within this. */
const STOP_POLL_MS = 250;

/** Stop took effect: what ran is on the timeline, the rest is for a human or a new request. */
function stopped(step: PlanStep, steps: StepReport[], why: string): ExecutionOutcome {
  const done = steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').map((s) => s.name);
  return {
    kind: 'manual_intervention',
    stepId: step.id,
    stepName: step.name,
    why,
    whatToCheck: `Steps done: ${done.length > 0 ? done.join(', ') : 'none'}. Finish the rollback by hand or open a new request.`,
    steps,
  };
}

/**
 * For a step declared interruptible: watches for Stop while it runs and aborts it when someone
 * presses it. Other steps finish first, since killing them mid-way leaves their effect unknown.
 */
function watchStop(ctx: ExecutionContext, step: PlanStep) {
  const stop = new AbortController();
  let by: string | undefined;
  const timer =
    step.interruptible && ctx.stopRequested
      ? setInterval(() => {
          ctx.stopRequested?.().then(
            (request) => {
              if (!request || by) return;
              by = request.by;
              stop.abort(new Error(`stopped by <@${request.by}>`));
            },
            () => undefined, // unreadable now: the next tick tries again
          );
        }, STOP_POLL_MS)
      : undefined;
  return {
    signal: stop.signal,
    get stoppedBy() {
      return by;
    },
    release: () => clearInterval(timer),
  };
}

function manualIntervention(step: PlanStep, steps: StepReport[], why: string): ExecutionOutcome {
  return {
    kind: 'manual_intervention',
    stepId: step.id,
    stepName: step.name,
    why,
    whatToCheck: `Check whether \`${stepCommandText(step)}\` took effect (e.g. the current revision or release), complete or undo it by hand, then resolve the incident.`,
    steps,
  };
}

function fencedOut(error: FencedOutError, steps: StepReport[]): ExecutionOutcome {
  return { kind: 'fenced_out', token: error.token, current: error.current, steps };
}

type Unstamped<E> = E extends unknown ? Omit<E, 'at'> : never;

async function emitAt(
  ctx: ExecutionContext,
  event: Unstamped<Parameters<ExecutionContext['emit']>[0]>,
): Promise<void> {
  await ctx.emit({ ...event, at: new Date((ctx.now ?? Date.now)()).toISOString() } as Parameters<
    ExecutionContext['emit']
  >[0]);
}

async function emitFailed(
  ctx: ExecutionContext,
  step: PlanStep,
  durationMs: number,
  error: string,
  outputTail?: string,
) {
  await emitAt(ctx, {
    type: 'step_failed',
    stepId: step.id,
    name: step.name,
    attempt: ctx.attempt,
    durationMs: Math.round(durationMs),
    error,
    ...(outputTail ? { outputTail } : {}),
  });
}
