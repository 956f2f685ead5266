/**
 * The BullMQ workers: one per environment name, each taking one job at a time (the queues also
 * have global concurrency 1, so several worker processes still run one rollback per environment).
 * The handler answers with a verdict; this adapter turns it into what BullMQ understands: a
 * return, a thrown error (retry with the configured backoff), an UnrecoverableError, or a move
 * back to delayed that does not count as an attempt (shutdown).
 *
 * Ownership: before each step the handler proves the job is still this worker's (`holdsJob`
 * extends the lock with the job's token); a lock renewal BullMQ reports failed kills the running
 * step (the job's signal), since a worker that stalled past its lock may have been replaced.
 *
 * Shutdown: `close()` stops taking jobs and starting steps at once (`stopping`), gives the running
 * step `shutdownGraceMs` to finish, then aborts it through the job's signal (the runner kills its
 * process group).
 */
import { DelayedError, UnrecoverableError, Worker, type BackoffStrategy, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DEFAULT_STEP_LEASE_MS } from '../../../flows/execution-types.js';
import type { JobVerdict, RollbackJob } from '../../../flows/run-rollback.js';
import { backoffDelayMs } from '../../../domain/retry.js';
import {
  queueNameFor,
  ROLLBACK_BACKOFF,
  type RollbackJobData,
} from '../../outbound/queue/rollback-queues.js';

/** Timings of the workers; tests shorten them. */
export interface RollbackWorkerSettings {
  /**
   * How long a job's lock lasts without renewal (renewed every half of it while the job runs).
   * A worker killed mid-job is noticed after about this long.
   */
  lockDurationMs: number;
  /** How often stalled jobs (lock expired) are looked for. */
  stalledIntervalMs: number;
  /**
   * How often a job may stall and be picked up again before BullMQ fails it (the reconciler then
   * marks the incident for manual intervention).
   */
  maxStalledCount: number;
  /** On shutdown, how long the running step may go on before it is aborted. */
  shutdownGraceMs: number;
  /**
   * Lease of a started step in the journal, renewed every third of it while the step runs. A
   * worker taking over a stalled job waits for it to lapse before it re-runs an idempotent step.
   */
  stepLeaseMs: number;
}

export const DEFAULT_WORKER_SETTINGS: RollbackWorkerSettings = {
  lockDurationMs: 30_000,
  stalledIntervalMs: 15_000,
  maxStalledCount: 1,
  shutdownGraceMs: 20_000,
  stepLeaseMs: DEFAULT_STEP_LEASE_MS,
};

/** A re-queued job (shutdown) becomes available again after this long. */
const REQUEUE_DELAY_MS = 100;

/** Settings of {@link RollbackWorkers}. */
export interface RollbackWorkersOptions {
  /** Environment names (one queue each). */
  environments: string[];
  /** The BullMQ prefix RollbackQueues uses. */
  prefix: string;
  /** A connection the workers may use (maxRetriesPerRequest: null); duplicated, never closed here. */
  connection: Redis;
  settings?: Partial<RollbackWorkerSettings>;
  logger: Logger;
  handle(job: RollbackJob): Promise<JobVerdict>;
  /** Called after a job of `environment` left the active list (completed or failed). */
  onSettled?(environment: string): void;
}

/** BullMQ's delay before a retry: the domain's formula, from the job's `backoff.delay`. */
const rollbackBackoff: BackoffStrategy = (attemptsMade, type, _error, job) => {
  const backoff = job?.opts.backoff;
  const retryDelayMs = typeof backoff === 'number' ? backoff : (backoff?.delay ?? 0);
  if (type !== ROLLBACK_BACKOFF) throw new Error(`unknown backoff type ${String(type)}`);
  return backoffDelayMs(Math.max(1, attemptsMade), { retryDelayMs });
};

export class RollbackWorkers {
  private readonly workers: Worker<RollbackJobData>[] = [];
  /** Aborted when the grace period is over: running steps are killed. */
  private readonly shutdown = new AbortController();
  /** Aborted when close() is called: no new step starts. */
  private readonly stopping = new AbortController();
  /** Per active job: aborted when its lock could not be renewed. */
  private readonly lockLost = new Map<string, AbortController>();
  private readonly connection: Redis;
  private readonly settings: RollbackWorkerSettings;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: RollbackWorkersOptions) {
    this.settings = { ...DEFAULT_WORKER_SETTINGS, ...options.settings };
    this.connection = options.connection.duplicate();
    for (const environment of [...new Set(options.environments)]) this.workers.push(this.start(environment));
  }

  /** Resolves when every worker is connected and waiting for jobs. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
  }

  private start(environment: string): Worker<RollbackJobData> {
    const { logger } = this.options;
    const worker = new Worker<RollbackJobData>(
      queueNameFor(environment),
      (job, token) => this.process(job, token),
      {
        connection: this.connection,
        prefix: this.options.prefix,
        concurrency: 1,
        lockDuration: this.settings.lockDurationMs,
        stalledInterval: this.settings.stalledIntervalMs,
        maxStalledCount: this.settings.maxStalledCount,
        settings: { backoffStrategy: rollbackBackoff },
      },
    );
    worker.on('error', (error) => logger.error({ err: error, environment }, 'rollback worker error'));
    worker.on('failed', (job, error) => {
      logger.info({ jobId: job?.id, environment, error: error.message }, 'rollback job failed');
      this.options.onSettled?.(environment);
    });
    worker.on('completed', () => this.options.onSettled?.(environment));
    worker.on('stalled', (jobId) => logger.warn({ jobId, environment }, 'rollback job stalled'));
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const jobId of jobIds) {
        logger.warn({ jobId, environment }, 'lost the lock of a running rollback job: stopping its step');
        this.lockLost
          .get(jobId)
          ?.abort(new Error('the worker lost the job lock (another worker may own it)'));
      }
    });
    return worker;
  }

  private async process(job: Job<RollbackJobData>, token?: string): Promise<void> {
    const jobId = job.id ?? '';
    const lockLost = new AbortController();
    this.lockLost.set(jobId, lockLost);
    let verdict: JobVerdict;
    try {
      verdict = await this.options.handle({
        incidentId: job.data.incidentId,
        jobId,
        queue: job.queueName,
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
        signal: AbortSignal.any([this.shutdown.signal, lockLost.signal]),
        stopping: this.stopping.signal,
        holdsJob: () => this.holdsLock(job, token),
      });
    } finally {
      this.lockLost.delete(jobId);
    }
    switch (verdict.kind) {
      case 'done':
        return;
      case 'retry':
        throw new Error(verdict.error);
      case 'stop':
        throw new UnrecoverableError(verdict.error);
      case 'abandon':
        // BullMQ refuses to settle a job whose lock is another's; the throw is logged, nothing more.
        throw new Error(`abandoned: ${verdict.why}`);
      case 'requeue':
        // Not a failure of the rollback: back in line without using up an attempt.
        await job.moveToDelayed(Date.now() + REQUEUE_DELAY_MS, token);
        throw new DelayedError(verdict.why);
    }
  }

  /** Extends the job's lock with this delivery's token; false when it is not ours (or Redis is away). */
  private async holdsLock(job: Job<RollbackJobData>, token: string | undefined): Promise<boolean> {
    if (!token) return false;
    try {
      return (await job.extendLock(token, this.settings.lockDurationMs)) === 1;
    } catch {
      return false;
    }
  }

  /**
   * Stops taking jobs and starting steps; lets a running step finish within the grace period, then
   * aborts it.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.stopping.abort(new Error('the bot is shutting down'));
    const closed = Promise.all(this.workers.map((worker) => worker.close()));
    const abort = setTimeout(
      () => this.shutdown.abort(new Error('the bot is shutting down')),
      this.settings.shutdownGraceMs,
    );
    try {
      await closed;
    } finally {
      clearTimeout(abort);
      this.connection.disconnect();
    }
  }
}
