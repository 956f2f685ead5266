/**
 * Incidents and their timelines in Redis. Every change goes through `mutate`, an optimistic
 * WATCH/MULTI transaction: concurrent clicks and workers never lose each other's updates, and the
 * timeline events of a change are appended in the same transaction as the change itself.
 */
import type { Redis } from 'ioredis';
import { isTerminal, type Incident, type IncidentState } from '../../../domain/incident.js';
import { OUTBOUND_SIGNALS, type TimelineEvent } from '../../../domain/timeline.js';
import type { IncidentRepository, Mutation } from '../../../flows/ports/stores.js';
import { incidentKeys } from './keys.js';

const FIRST_ID = 1000;
const RELEASE_IF_HOLDER =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const MAX_CONFLICT_RETRIES = 200;
const RECENT_KEPT = 500;

export class IncidentStore implements IncidentRepository {
  private readonly keys;
  /**
   * WATCH belongs to a connection: transactions get a connection of their own, used by one
   * transaction at a time (other processes are kept out by WATCH itself).
   */
  private readonly tx: Redis;
  private txQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = incidentKeys(prefix);
    // After a reconnect ioredis would resend queued commands without the WATCH that guarded
    // them, turning a conditional EXEC into an unconditional one: never resend on this connection.
    this.tx = redis.duplicate({ autoResendUnfulfilledCommands: false });
  }

  async close(): Promise<void> {
    await this.txQueue.catch(() => undefined);
    this.tx.disconnect();
  }

  async nextId(): Promise<string> {
    const n = await this.redis.incr(this.keys.seq);
    return `RB-${FIRST_ID + n - 1}`;
  }

  /**
   * Claims a one-time key (a Slack trigger id, a webhook event id). Returns the incident id that
   * already claimed it, or undefined when this caller is first.
   */
  async claim(dedupeKey: string, incidentId: string, ttlSeconds = 86_400): Promise<string | undefined> {
    const key = this.keys.dedupe(dedupeKey);
    const set = await this.redis.set(key, incidentId, 'EX', ttlSeconds, 'NX');
    return set === 'OK' ? undefined : ((await this.redis.get(key)) ?? undefined);
  }

  async isClaimed(dedupeKey: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.dedupe(dedupeKey))) === 1;
  }

  /** Gives a claim back (the work it guarded did not happen), only if `incidentId` still holds it. */
  async releaseClaim(dedupeKey: string, incidentId: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_HOLDER, 1, this.keys.dedupe(dedupeKey), incidentId);
  }

  /** Removes an incident that lost the race for its service's slot before anyone saw it. */
  async discard(id: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.incident(id), this.keys.timeline(id))
      .zrem(this.keys.recent, id)
      .zrem(this.keys.awaiting, id)
      .exec();
  }

  /** Incidents awaiting approval (with their expiry as score). */
  async awaitingIds(): Promise<string[]> {
    return this.redis.zrange(this.keys.awaiting, 0, -1);
  }

  /** Reserves the one open incident of a service and environment; returns the holder if taken. */
  async reserveOpen(service: string, environment: string, incidentId: string): Promise<string | undefined> {
    const key = this.keys.open(service, environment);
    const set = await this.redis.set(key, incidentId, 'NX');
    return set === 'OK' ? undefined : ((await this.redis.get(key)) ?? undefined);
  }

  /** Frees the slot only if `incidentId` still holds it. */
  async releaseOpen(service: string, environment: string, incidentId: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_HOLDER, 1, this.keys.open(service, environment), incidentId);
  }

  async openIncidentId(service: string, environment: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.open(service, environment))) ?? undefined;
  }

  async create(incident: Incident, events: TimelineEvent[]): Promise<void> {
    const multi = this.redis
      .multi()
      .set(this.keys.incident(incident.id), JSON.stringify(incident))
      .zadd(this.keys.recent, Date.parse(incident.createdAt), incident.id)
      .zremrangebyrank(this.keys.recent, 0, -RECENT_KEPT - 1);
    if (incident.state === 'awaiting_approval') {
      multi.zadd(this.keys.awaiting, Date.parse(incident.expiresAt), incident.id);
    }
    for (const event of events) multi.rpush(this.keys.timeline(incident.id), JSON.stringify(event));
    await multi.exec();
  }

  async get(id: string): Promise<Incident | undefined> {
    const text = await this.redis.get(this.keys.incident(id));
    return text ? (JSON.parse(text) as Incident) : undefined;
  }

  async timeline(id: string): Promise<TimelineEvent[]> {
    const items = await this.redis.lrange(this.keys.timeline(id), 0, -1);
    return items.map((item) => JSON.parse(item) as TimelineEvent);
  }

  async append(id: string, ...events: TimelineEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.redis.rpush(this.keys.timeline(id), ...events.map((event) => JSON.stringify(event)));
  }

  /** Incidents awaiting approval whose time ran out. */
  async expiredCandidates(now: Date): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.awaiting, 0, now.getTime());
  }

  /** Incidents approved, queued or running: what the reconciler watches. */
  async activeIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.active);
  }

  /** States of the most recent incidents, for the metrics gauge. */
  async stateCounts(limit = RECENT_KEPT): Promise<Record<string, number>> {
    const ids = await this.recentIds(limit);
    if (ids.length === 0) return {};
    const texts = await this.redis.mget(ids.map((id) => this.keys.incident(id)));
    const counts: Record<string, number> = {};
    for (const text of texts) {
      if (!text) continue;
      const { state } = JSON.parse(text) as Incident;
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return counts;
  }

  /** Ended rollbacks whose write-up is not known to be complete. */
  async writeUpsOwed(): Promise<string[]> {
    return this.redis.smembers(this.keys.writeUps);
  }

  async writeUpDone(id: string): Promise<void> {
    await this.redis.srem(this.keys.writeUps, id);
  }

  async recentIds(limit = 10): Promise<string[]> {
    return this.redis.zrevrange(this.keys.recent, 0, limit - 1);
  }

  /**
   * Applies `change` atomically. `change` is called again if someone else changed the incident in
   * between, so it must be pure.
   */
  mutate<T>(id: string, change: (incident: Incident) => Mutation<T>): Promise<T | undefined> {
    const run = this.txQueue.then(() => this.mutateNow(id, change));
    this.txQueue = run.catch(() => undefined);
    return run;
  }

  private async mutateNow<T>(
    id: string,
    change: (incident: Incident) => Mutation<T>,
  ): Promise<T | undefined> {
    const key = this.keys.incident(id);
    const redis = this.tx;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      await redis.watch(key);
      const text = await redis.get(key);
      if (!text) {
        await redis.unwatch();
        return undefined;
      }
      let outcome: Mutation<T>;
      const before = JSON.parse(text) as Incident;
      try {
        outcome = change(JSON.parse(text) as Incident);
      } catch (error) {
        await redis.unwatch();
        throw error;
      }
      if ('unchanged' in outcome) {
        await redis.unwatch();
        return outcome.result;
      }
      const multi = redis.multi().set(key, JSON.stringify(outcome.incident));
      for (const event of outcome.events) {
        multi.rpush(this.keys.timeline(id), JSON.stringify(event));
        // Outbound signals leave through an outbox written with the change itself: a crash right
        // after the change cannot lose the signal (the outbox drain delivers it).
        if (event.type in OUTBOUND_SIGNALS)
          multi.rpush(
            this.keys.outbox,
            JSON.stringify({ incidentId: id, state: outcome.incident.state, event }),
          );
      }
      this.indexState(multi, outcome.incident, before.state);
      const done = await multi.exec();
      if (done) return outcome.result;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    }
    throw new Error(`incident ${id} is changing too fast to update`);
  }

  private indexState(multi: ReturnType<Redis['multi']>, incident: Incident, before: IncidentState): void {
    if (incident.state !== 'awaiting_approval') multi.zrem(this.keys.awaiting, incident.id);
    // A rollback that just ended owes its write-up (lock, escalation, postmortem) until it is done:
    // recorded in the same transaction, so a crash right after cannot lose it.
    if (isTerminal(incident.state) && !isTerminal(before) && before !== 'awaiting_approval') {
      multi.sadd(this.keys.writeUps, incident.id);
    }
    if (isTerminal(incident.state)) {
      multi.srem(this.keys.active, incident.id);
      // Release the one-open-incident slot only if this incident holds it.
      multi.eval(RELEASE_IF_HOLDER, 1, this.keys.open(incident.service, incident.environment), incident.id);
    } else if (incident.state !== 'awaiting_approval') {
      multi.sadd(this.keys.active, incident.id);
    }
  }
}
