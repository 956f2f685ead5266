/**
 * What the rollback did, folded from the timeline: each plan step with every attempt at it, and
 * each verification check. The progress message, the escalation message and the postmortem all
 * read this, so they never disagree about a step's state. The latest attempt wins.
 */
import { watchText } from './watch-text.js';
import type { PlanStep, RollbackPlan } from './plan.js';
import type { TimelineEvent } from './timeline.js';

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'unfinished';

/** One attempt at one step. `unfinished`: started, then the attempt or the rollback ended without a result. */
export interface StepTry {
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'unfinished';
  startedAt?: string;
  durationMs?: number;
  error?: string;
  outputTail?: string;
}

/** One step of the plan (or one the timeline names that the plan does not, e.g. a later addition). */
export interface StepSummary {
  id: string;
  name: string;
  /** Undefined only for steps the timeline names but the plan lacks. */
  argv?: string[];
  /** A strategy step's target (its argv is resolved when it runs). */
  strategy?: PlanStep['strategy'];
  idempotent?: boolean;
  status: StepStatus;
  /** Duration of the try that decided the status. */
  durationMs?: number;
  tries: StepTry[];
  skippedWhy?: string;
}

export interface CheckSummary {
  name: string;
  status: 'pending' | 'watching' | 'passed' | 'failed';
  tries?: number;
  error?: string;
  /** The latest reading of a metrics watch: "watching: 0.3% / p99 230 ms, 4 of 10 min". */
  watching?: string;
}

/** Everything the views need to tell the story of the execution. */
export interface ExecutionSummary {
  /** Highest attempt started (0: never started). */
  currentAttempt: number;
  steps: StepSummary[];
  /** Checks of the latest attempt only: an earlier attempt's verification is history. */
  checks: CheckSummary[];
  /** Every attempt's tries, in order, for "exactly what was tried". */
  attempts: { attempt: number; tries: { step: StepSummary; attemptTry: StepTry }[] }[];
}

type StepEvent = Extract<TimelineEvent, { stepId: string; name: string }>;

function isStepEvent(event: TimelineEvent): event is StepEvent {
  return (
    event.type === 'step_started' ||
    event.type === 'step_succeeded' ||
    event.type === 'step_failed' ||
    event.type === 'step_skipped'
  );
}

function recordTry(step: StepSummary, event: StepEvent): void {
  if (event.type === 'step_skipped') return;
  let attemptTry = step.tries.find((t) => t.attempt === event.attempt);
  if (!attemptTry) {
    attemptTry = { attempt: event.attempt, status: 'running' };
    step.tries.push(attemptTry);
  }
  if (event.type === 'step_started') {
    attemptTry.status = 'running';
    attemptTry.startedAt = event.at;
  } else if (event.type === 'step_succeeded') {
    attemptTry.status = 'succeeded';
    attemptTry.durationMs = event.durationMs;
  } else {
    attemptTry.status = 'failed';
    attemptTry.durationMs = event.durationMs;
    attemptTry.error = event.error;
    if (event.outputTail !== undefined) attemptTry.outputTail = event.outputTail;
  }
}

/**
 * Folds `events` (in the order they happened) over `plan`. `ended`: the incident is in a terminal
 * state, so nothing is running any more and a started step without a result is `unfinished`.
 */
export function summarizeExecution(
  plan: RollbackPlan,
  events: TimelineEvent[],
  ended: boolean,
): ExecutionSummary {
  const steps = new Map<string, StepSummary>();
  for (const planStep of plan.steps) {
    steps.set(planStep.id, {
      id: planStep.id,
      name: planStep.name,
      argv: planStep.argv,
      ...(planStep.strategy ? { strategy: planStep.strategy } : {}),
      idempotent: planStep.idempotent,
      status: 'pending',
      tries: [],
    });
  }
  const lastEventOf = new Map<string, StepEvent>();
  let currentAttempt = 0;
  let checkEvents: Extract<TimelineEvent, { check: string }>[] = [];

  for (const event of events) {
    if (event.type === 'rollback_started') {
      currentAttempt = Math.max(currentAttempt, event.attempt);
      checkEvents = [];
    } else if (
      event.type === 'verify_passed' ||
      event.type === 'verify_failed' ||
      event.type === 'verify_watching'
    ) {
      checkEvents.push(event);
    } else if (isStepEvent(event)) {
      let step = steps.get(event.stepId);
      if (!step) {
        step = { id: event.stepId, name: event.name, status: 'pending', tries: [] };
        steps.set(event.stepId, step);
      }
      if (event.type !== 'step_skipped') currentAttempt = Math.max(currentAttempt, event.attempt);
      recordTry(step, event);
      lastEventOf.set(event.stepId, event);
    }
  }

  for (const step of steps.values()) {
    for (const attemptTry of step.tries) {
      // A try still "running" when a later attempt began, or the rollback ended, never got a result.
      if (attemptTry.status === 'running' && (ended || attemptTry.attempt < currentAttempt)) {
        attemptTry.status = 'unfinished';
      }
    }
    const last = lastEventOf.get(step.id);
    if (!last) continue;
    if (last.type === 'step_skipped') {
      step.status = 'skipped';
      step.skippedWhy = last.why;
      continue;
    }
    const decidingTry = step.tries.find((t) => t.attempt === last.attempt);
    step.durationMs = decidingTry?.durationMs;
    const status = decidingTry?.status ?? 'pending';
    // A failure in an earlier attempt, while a newer one runs, is history: the step waits its turn again.
    const superseded = !ended && last.attempt < currentAttempt && status !== 'succeeded';
    step.status = superseded ? 'pending' : status;
  }

  const checks = new Map<string, CheckSummary>();
  for (const check of plan.verify) checks.set(check.name, { name: check.name, status: 'pending' });
  for (const event of checkEvents) {
    checks.set(
      event.check,
      event.type === 'verify_watching'
        ? { name: event.check, status: 'watching', watching: watchText(event) }
        : event.type === 'verify_passed'
          ? { name: event.check, status: 'passed', tries: event.tries }
          : { name: event.check, status: 'failed', tries: event.tries, error: event.error },
    );
  }

  const attemptNumbers = [...new Set([...steps.values()].flatMap((s) => s.tries.map((t) => t.attempt)))].sort(
    (a, b) => a - b,
  );
  const attempts = attemptNumbers.map((attempt) => ({
    attempt,
    tries: [...steps.values()].flatMap((step) => {
      const attemptTry = step.tries.find((t) => t.attempt === attempt);
      return attemptTry ? [{ step, attemptTry }] : [];
    }),
  }));

  return { currentAttempt, steps: [...steps.values()], checks: [...checks.values()], attempts };
}
