/**
 * The deploy lock: after a successful rollback, CD must not redeploy the rolled-back version until
 * someone unlocks (`/rollback unlock`). `GET /locks/<service>/<environment>` reads it.
 */
import type { Redis } from 'ioredis';
import type { DeployLocks } from '../../../flows/ports/stores.js';
import type { DeployLock, LockRequest } from '../../../domain/deploy-lock.js';

export class LockStore implements DeployLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(service: string, environment: string): string {
    return `${this.prefix}:lock:${service}:${environment}`;
  }

  /** Locks (or re-locks, replacing the reason) the service and environment. */
  async lock(service: string, environment: string, request: LockRequest): Promise<DeployLock> {
    const lock: DeployLock = {
      service,
      environment,
      version: request.version,
      reason: request.reason,
      incidentId: request.incidentId,
      since: request.at.toISOString(),
    };
    await this.redis.set(this.key(service, environment), JSON.stringify(lock));
    return lock;
  }

  /**
   * Removes the lock. Returns the lock that was removed (for the timeline: who unlocked what), or
   * undefined when there was none. `by` is recorded by the caller's timeline event.
   */
  async unlock(
    service: string,
    environment: string,
    by: string,
  ): Promise<(DeployLock & { unlockedBy: string }) | undefined> {
    const key = this.key(service, environment);
    const [[, text] = [], [, deleted] = []] = ((await this.redis.multi().get(key).del(key).exec()) ?? []) as [
      [Error | null, string | null]?,
      [Error | null, number]?,
    ];
    if (!text || !deleted) return undefined;
    return { ...(JSON.parse(text) as DeployLock), unlockedBy: by };
  }

  async get(service: string, environment: string): Promise<DeployLock | undefined> {
    const text = await this.redis.get(this.key(service, environment));
    return text ? (JSON.parse(text) as DeployLock) : undefined;
  }
}
