/**
 * One BullMQ queue per environment (production, staging…), with global concurrency 1: two
 * rollbacks in one environment never overlap, whichever worker process takes them. Job ids are
 * derived from the incident id, so adding the same rollback twice adds one job.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Incident } from '../../../domain/incident.js';

export interface RollbackJobData {
  incidentId: string;
}

export interface QueueOptions {
  /** BullMQ key prefix; every queue's keys live under it. */
  prefix: string;
  connection: ConnectionOptions;
}

/**
 * The backoff type of rollback jobs: the workers compute it with the domain's `backoffDelayMs`,
 * so the delay the card announces ("attempt 2 in 10s") is the delay BullMQ waits.
 */
export const ROLLBACK_BACKOFF = 'rollback';

export function jobIdFor(incidentId: string): string {
  return `rollback-${incidentId}`;
}

export function queueNameFor(environment: string): string {
  // BullMQ queue names must not contain ':' (its key separator); environment names cannot either.
  return `rollback-${environment}`;
}

export class RollbackQueues {
  private readonly queues = new Map<string, Promise<Queue<RollbackJobData>>>();

  constructor(private readonly options: QueueOptions) {}

  queueFor(environment: string): Promise<Queue<RollbackJobData>> {
    let queue = this.queues.get(environment);
    if (!queue) {
      const opening = this.open(environment);
      queue = opening;
      this.queues.set(environment, opening);
      // A failed open (one Redis error) is forgotten, so the next call tries again instead of
      // failing for this environment until the process restarts.
      opening.catch(() => {
        if (this.queues.get(environment) === opening) this.queues.delete(environment);
      });
    }
    return queue;
  }

  private async open(environment: string): Promise<Queue<RollbackJobData>> {
    const queue = new Queue<RollbackJobData>(queueNameFor(environment), {
      connection: this.options.connection,
      prefix: this.options.prefix,
    });
    try {
      await queue.setGlobalConcurrency(1);
    } catch (error) {
      await queue.close().catch(() => undefined);
      throw error;
    }
    return queue;
  }

  async enqueue(
    incident: Incident,
    retry: { maxAttempts: number; retryDelayMs: number },
  ): Promise<{ jobId: string; queue: string; position: number }> {
    const queue = await this.queueFor(incident.environment);
    const jobId = jobIdFor(incident.id);
    await queue.add(
      'rollback',
      { incidentId: incident.id },
      {
        jobId,
        attempts: Math.max(1, retry.maxAttempts),
        // Computed by the workers' backoffStrategy from the domain's own formula (see ROLLBACK_BACKOFF).
        backoff: { type: ROLLBACK_BACKOFF, delay: retry.retryDelayMs },
        // Kept for the record and so a late duplicate add stays a no-op.
        removeOnComplete: false,
        removeOnFail: false,
      },
    );
    return { jobId, queue: queue.name, position: (await this.position(incident)) ?? 1 };
  }

  /** The BullMQ state of an incident's job (`waiting`, `active`, `failed`…), undefined when missing. */
  async jobState(incident: Incident): Promise<{ state: string; failedReason?: string } | undefined> {
    const queue = await this.queueFor(incident.environment);
    const job = await queue.getJob(jobIdFor(incident.id));
    if (!job) return undefined;
    const state = await job.getState();
    return { state, ...(job.failedReason ? { failedReason: job.failedReason } : {}) };
  }

  /** 1 when next (or running), n when n-1 rollbacks are ahead; undefined when not waiting. */
  async position(incident: Incident): Promise<number | undefined> {
    const queue = await this.queueFor(incident.environment);
    const jobId = jobIdFor(incident.id);
    const [active, waiting] = await Promise.all([queue.getActive(0, 50), queue.getWaiting(0, 200)]);
    if (active.some((job) => job.id === jobId)) return 1;
    // getWaiting lists the next job first (checked against BullMQ 6 in the worker tests).
    const ahead = waiting.findIndex((job) => job.id === jobId);
    if (ahead === -1) return undefined;
    return ahead + 1 + active.length;
  }

  async depths(): Promise<Record<string, number>> {
    const depths: Record<string, number> = {};
    for (const [environment, pending] of [...this.queues]) {
      const queue = await pending.catch(() => undefined);
      if (!queue) continue;
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      depths[environment] = Object.values(counts).reduce((sum, n) => sum + n, 0);
    }
    return depths;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.queues.values()].map(async (pending) => {
        const queue = await pending.catch(() => undefined);
        await queue?.close();
      }),
    );
  }
}
