/**
 * The rollback job: one attempt of one approved rollback. Marks the incident running, runs the
 * plan through the engine (journaled, fenced, verified), and turns the engine's outcome into
 * rollback-level events, a terminal state and a verdict for the queue (done, retry, stop, requeue).
 *
 * BullMQ delivers at least once: a re-delivered job finds the incident terminal (and only fills in
 * a missing write-up), or running (and the journal skips what already ran). Terminal changes go
 * through `advance` (the state machine), so only one delivery ever announces an ending.
 */
import { findEnvironment } from '../catalog/load.js';
import { isTerminal, advance, type Incident } from '../domain/incident.js';
import { decideRetry } from '../domain/retry.js';
import type { TimelineEvent } from '../domain/timeline.js';
import type { CommandRunner } from './ports/command-runner.js';
import type { StepJournal } from './ports/step-journal.js';
import { Coalescer } from './coalesce.js';
import { executePlan, type ExecutionOutcome } from './execute-rollback.js';
import { metricsReader } from './metrics-reader.js';
import { schemaGate } from './schema-gate.js';
import {
  announce,
  concludeRollback,
  writeUp,
  type Conclusion,
  type RollbackFlowDeps,
} from './finish-rollback.js';
import { refreshCard, refreshProgress, refreshTimeline, refreshViews } from './views.js';

/** What the job handler needs besides the flows' usual deps. */
export interface RollbackDeps extends RollbackFlowDeps {
  journal: StepJournal;
  runner: CommandRunner;
  /** Least time between two progress updates of one incident in Slack. Default 500 ms. */
  progressIntervalMs?: number;
  /** Lease of a started step (see ExecutionContext.stepLeaseMs). */
  stepLeaseMs?: number;
}

/** One delivery of a rollback job, as the queue adapter reports it. */
export interface RollbackJob {
  incidentId: string;
  /** The queue's own names for the job and its queue (recorded on the timeline). */
  jobId: string;
  queue: string;
  /** 1-based: BullMQ `attemptsMade + 1`. */
  attempt: number;
  /** The job's `attempts` option (the catalog's maxAttempts when it was queued). */
  maxAttempts: number;
  /**
   * Aborted when the running step must be killed: the shutdown grace ran out, or the worker could
   * not renew the job's lock (it stalled; another worker may own the job now).
   */
  signal: AbortSignal;
  /** Aborted when the process begins to shut down: start no new step. */
  stopping: AbortSignal;
  /** Extends the job's lock with this delivery's token; false when another worker holds it. */
  holdsJob(): Promise<boolean>;
}

/**
 * What the queue should do with the job: `done` (finished, whatever the outcome), `retry` (throw,
 * so BullMQ retries after the configured backoff), `stop` (UnrecoverableError: the incident is
 * already terminal), `requeue` (shutdown: run again soon, without counting an attempt),
 * `abandon` (the job's lock is another worker's now: touch neither the job nor the incident).
 */
export type JobVerdict =
  | { kind: 'done' }
  | { kind: 'retry'; error: string }
  | { kind: 'stop'; error: string }
  | { kind: 'requeue'; why: string }
  | { kind: 'abandon'; why: string };

const done: JobVerdict = { kind: 'done' };

export async function runRollback(deps: RollbackDeps, job: RollbackJob): Promise<JobVerdict> {
  const { incidentId, attempt } = job;
  const found = await deps.store.get(incidentId);
  if (!found) return { kind: 'stop', error: `there is no incident ${incidentId}` };
  if (isTerminal(found.state)) {
    // A re-delivery after the ending was recorded: only complete a write-up a crash cut short.
    await writeUp(deps, incidentId);
    return done;
  }

  const started = await markRunning(deps, job);
  if (!started.ok) return { kind: 'stop', error: started.why };
  if (started.announce) announce(deps, started.incident, started.announce);

  const log = deps.logger.child({ incidentId, attempt });
  const progress = new Coalescer(
    async () => {
      await refreshProgress(deps, incidentId);
      await refreshTimeline(deps, incidentId);
    },
    deps.progressIntervalMs ?? 500,
    (error) => log.warn({ err: error }, 'could not update the thread'),
  );
  // Slack is kept off the path to the first step: the card update runs alongside it.
  const cards = Promise.allSettled([
    refreshCard(deps, incidentId),
    refreshWaitingCards(deps, started.incident.environment),
  ]);
  progress.schedule();

  const plan = started.incident.plan;
  const snapshot = await deps.journal.read(incidentId);
  const firstStartedAt = snapshot.firstStartedAt ? Date.parse(snapshot.firstStartedAt) : Date.now();
  const deadline = firstStartedAt + plan.timeBudgetMs;

  const gate = schemaGate(deps, started.incident);
  let outcome: ExecutionOutcome;
  try {
    outcome = await executePlan({
      incidentId,
      plan,
      attempt,
      journal: deps.journal,
      runner: deps.runner,
      signal: job.signal,
      stopping: job.stopping,
      holdsJob: () => job.holdsJob(),
      ...(deps.stepLeaseMs !== undefined ? { stepLeaseMs: deps.stepLeaseMs } : {}),
      deadline,
      metrics: metricsReader(deps, started.incident),
      ...(gate ? { gate } : {}),
      stopRequested: async () => (await deps.store.get(incidentId))?.stopRequested,
      lookupEnv: (name) => deps.catalogEnv[name],
      flags: deps.flags,
      emit: async (event) => {
        await deps.store.append(incidentId, event);
        progress.schedule();
      },
    });
  } finally {
    await cards;
  }

  const verdict = await settle(deps, job, started.incident, outcome, { firstStartedAt, deadline });
  await progress.flush();
  return verdict;
}

type Started =
  { ok: true; incident: Incident; announce?: EventOf<'rollback_started'> } | { ok: false; why: string };

type EventOf<T extends TimelineEvent['type']> = Extract<TimelineEvent, { type: T }>;

/**
 * queued → running with `rollback_started`. A delivery of an attempt already started (a stalled
 * job picked up again) notes the resumption instead, so ROLLBACK_STARTED is not signalled twice.
 */
async function markRunning(deps: RollbackDeps, job: RollbackJob): Promise<Started> {
  const timeline = await deps.store.timeline(job.incidentId);
  const lastStart = timeline.findLast((e) => e.type === 'rollback_started');
  const at = deps.now().toISOString();
  const result = await deps.store.mutate<Started>(job.incidentId, (current) => {
    const events: TimelineEvent[] = [];
    let subject = current;
    if (current.state === 'approved') {
      // The job can start before enqueueApproved records `queued`; record it here, once.
      const queued = advance(current, {
        type: 'queued',
        at,
        jobId: job.jobId,
        queue: job.queue,
        position: 1,
      });
      if (queued.ok) {
        subject = queued.incident;
        events.push(queued.event);
      }
    }
    const started: EventOf<'rollback_started'> = { type: 'rollback_started', at, attempt: job.attempt };
    const next = advance(subject, started);
    if (!next.ok) return { unchanged: true, result: { ok: false, why: `${current.id}: ${next.why}` } };
    const resumed = current.state === 'running' && lastStart?.attempt === job.attempt;
    events.push(
      resumed
        ? {
            type: 'note',
            at,
            text: `Attempt ${job.attempt} resumed: the worker running it stopped before it finished`,
          }
        : next.event,
    );
    const { incident } = next;
    return { incident, events, result: { ok: true, incident, ...(resumed ? {} : { announce: started }) } };
  });
  return result ?? { ok: false, why: `there is no incident ${job.incidentId}` };
}

/** Turns the engine's outcome into events, a terminal state when it is one, and a verdict. */
async function settle(
  deps: RollbackDeps,
  job: RollbackJob,
  incident: Incident,
  outcome: ExecutionOutcome,
  times: { firstStartedAt: number; deadline: number },
): Promise<JobVerdict> {
  const at = () => deps.now().toISOString();
  const conclude = async (conclusion: Conclusion, verdict: JobVerdict): Promise<JobVerdict> => {
    await concludeRollback(deps, incident.id, conclusion);
    await refreshWaitingCards(deps, incident.environment);
    return verdict;
  };
  const failed = (error: string) =>
    conclude(
      { state: 'failed', event: { type: 'rollback_failed', at: at(), attempts: job.attempt, error } },
      { kind: 'stop', error },
    );

  switch (outcome.kind) {
    case 'completed':
      return conclude(
        {
          state: 'completed',
          event: { type: 'rollback_complete', at: at(), durationMs: Date.now() - times.firstStartedAt },
        },
        done,
      );
    case 'unverified':
      return conclude(
        { state: 'unverified', event: { type: 'rollback_unverified', at: at(), error: outcome.error } },
        { kind: 'stop', error: outcome.error },
      );
    case 'manual_intervention': {
      const why = `${outcome.why}. ${outcome.whatToCheck}`;
      return conclude(
        {
          state: 'manual_intervention',
          event: { type: 'manual_intervention_required', at: at(), why, stepId: outcome.stepId },
        },
        { kind: 'stop', error: why },
      );
    }
    case 'budget_exhausted':
      return failed(outcome.error);
    case 'fenced_out':
      // Another delivery of this job owns the rollback now; it reports the ending.
      deps.logger.warn(
        { incidentId: incident.id, token: outcome.token, current: outcome.current },
        'fenced out',
      );
      return done;
    case 'lost_job':
      deps.logger.warn({ incidentId: incident.id, stepId: outcome.stepId }, outcome.error);
      return { kind: 'abandon', why: outcome.error };
    case 'cancelled':
      // Killed because the lock could not be renewed: the job may be another worker's already.
      if (!job.stopping.aborted && !(await job.holdsJob())) return { kind: 'abandon', why: outcome.error };
      if (job.signal.aborted || job.stopping.aborted) return { kind: 'requeue', why: outcome.error };
      return { kind: 'retry', error: outcome.error };
    case 'step_failed': {
      const retryDelayMs =
        findEnvironment(deps.catalog, incident.service, incident.environment)?.retryDelayMs ?? 5000;
      const decision = decideRetry({
        attempt: job.attempt,
        kind: outcome.failure,
        policy: { maxAttempts: job.maxAttempts, retryDelayMs },
        remainingBudgetMs: times.deadline - Date.now(),
      });
      if (!decision.retry) return failed(`${outcome.error} (${decision.why})`);
      await deps.store.append(incident.id, {
        type: 'retry_scheduled',
        at: at(),
        attempt: decision.nextAttempt,
        delayMs: decision.delayMs,
        error: outcome.error,
      });
      await refreshViews(deps, incident.id);
      return { kind: 'retry', error: outcome.error };
    }
  }
}

/**
 * Re-renders the cards of rollbacks waiting in `environment`, so each shows its current place in
 * the line after the one ahead starts or ends.
 */
export async function refreshWaitingCards(deps: RollbackFlowDeps, environment: string): Promise<void> {
  const ids = await deps.store.activeIds();
  const incidents = await Promise.all(ids.map((id) => deps.store.get(id)));
  await Promise.allSettled(
    incidents
      .filter((i): i is Incident => i?.state === 'queued' && i.environment === environment)
      .map((i) =>
        refreshCard(deps, i.id).catch((error: unknown) =>
          deps.logger.warn({ err: error, incidentId: i.id }, 'could not refresh a waiting card'),
        ),
      ),
  );
}
