/**
 * Deploy history per service and environment: a sorted set of versions by deploy time and a hash
 * of their records. `/rollback` and alerts read it to name the previous version and the changes.
 */
import type { Redis } from 'ioredis';
import type { DeployHistory } from '../../../flows/ports/stores.js';
import type { DeployEvent, DeployRecord } from '../../../domain/signal.js';

export interface DeployStoreOptions {
  /** Deploys kept per service and environment. Default 100. */
  historyLimit?: number;
  /** How long a delivery's identity is remembered, to ignore redeliveries. Default 1 day. */
  dedupeSeconds?: number;
}

/** What `record` did: stored a new deploy, or recognised a redelivery of one. */
export interface RecordResult {
  record: DeployRecord;
  duplicate: boolean;
}

export class DeployStore implements DeployHistory {
  private readonly historyLimit: number;
  private readonly dedupeSeconds: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: DeployStoreOptions = {},
  ) {
    this.historyLimit = options.historyLimit ?? 100;
    this.dedupeSeconds = options.dedupeSeconds ?? 86_400;
  }

  private versionsKey(service: string, environment: string): string {
    return `${this.prefix}:deploys:${service}:${environment}`;
  }

  private recordsKey(service: string, environment: string): string {
    return `${this.prefix}:deploys:${service}:${environment}:records`;
  }

  /**
   * Stores a deploy. `deliveryId` (e.g. a digest of the raw body) tells redeliveries apart when the
   * event has no `deployedAt`; with one, service, environment, version and time identify it.
   */
  async record(event: DeployEvent, receivedAt: Date, deliveryId?: string): Promise<RecordResult> {
    const deployedAt = event.deployedAt ? new Date(event.deployedAt).toISOString() : receivedAt.toISOString();
    const identity = event.deployedAt
      ? `${event.service}:${event.environment}:${event.version}:${deployedAt}`
      : `${event.service}:${event.environment}:${event.version}:${deliveryId ?? receivedAt.toISOString()}`;
    const seenKey = `${this.prefix}:deploy-seen:${identity}`;
    const claimed = await this.redis.set(seenKey, '1', 'EX', this.dedupeSeconds, 'NX');
    if (claimed !== 'OK') {
      const existing = await this.get(event.service, event.environment, event.version);
      if (existing) return { record: existing, duplicate: true };
    }
    try {
      const previousVersion = event.previousVersion ?? (await this.versionBefore(event, deployedAt));
      const record: DeployRecord = {
        service: event.service,
        environment: event.environment,
        version: event.version,
        ...(previousVersion ? { previousVersion } : {}),
        deployedAt,
        changes: event.changes ?? [],
        ...(event.commitRange ? { commitRange: event.commitRange } : {}),
        receivedAt: receivedAt.toISOString(),
        ...(event.kind === 'rollback' ? { kind: 'rollback' as const } : {}),
      };
      await this.write(record);
      return { record, duplicate: false };
    } catch (error) {
      // Let the sender's retry store it.
      await this.redis.del(seenKey).catch(() => undefined);
      throw error;
    }
  }

  private async versionBefore(event: DeployEvent, deployedAt: string): Promise<string | undefined> {
    const candidates = await this.redis.zrevrangebyscore(
      this.versionsKey(event.service, event.environment),
      Date.parse(deployedAt),
      '-inf',
      'LIMIT',
      0,
      2,
    );
    return candidates.find((version) => version !== event.version);
  }

  private async write(record: DeployRecord): Promise<void> {
    const versions = this.versionsKey(record.service, record.environment);
    const records = this.recordsKey(record.service, record.environment);
    await this.redis
      .multi()
      .zadd(versions, Date.parse(record.deployedAt), record.version)
      .hset(records, record.version, JSON.stringify(record))
      .exec();
    const dropped = await this.redis.zrange(versions, 0, -this.historyLimit - 1);
    if (dropped.length > 0) {
      await this.redis
        .multi()
        .zrem(versions, ...dropped)
        .hdel(records, ...dropped)
        .exec();
    }
  }

  async get(service: string, environment: string, version: string): Promise<DeployRecord | undefined> {
    const text = await this.redis.hget(this.recordsKey(service, environment), version);
    return text ? (JSON.parse(text) as DeployRecord) : undefined;
  }

  /** The deploy running now, as far as the bot was told. */
  async latest(service: string, environment: string): Promise<DeployRecord | undefined> {
    return (await this.history(service, environment, 1))[0];
  }

  /** The latest deploys, newest first. */
  async history(service: string, environment: string, limit = 20): Promise<DeployRecord[]> {
    const versions = await this.redis.zrevrange(this.versionsKey(service, environment), 0, limit - 1);
    if (versions.length === 0) return [];
    const texts = await this.redis.hmget(this.recordsKey(service, environment), ...versions);
    return texts
      .filter((text): text is string => text !== null)
      .map((text) => JSON.parse(text) as DeployRecord);
  }

  /** The version deployed before `version`: the target a rollback defaults to. */
  async previousOf(service: string, environment: string, version: string): Promise<string | undefined> {
    const record = await this.get(service, environment, version);
    if (record?.previousVersion) return record.previousVersion;
    const key = this.versionsKey(service, environment);
    const rank = await this.redis.zrevrank(key, version);
    if (rank === null) return undefined;
    const [before] = await this.redis.zrevrange(key, rank + 1, rank + 1);
    return before;
  }
}
