/**
 * Durable signal intake. One Lua script claims a signal's dedupe keys (SET NX), stores the signal,
 * queues it as pending and counts it, all in one step: a webhook answers 202 only once this
 * returned, and a redelivery that lands at any moment is either all new or a duplicate.
 */
import type { Redis } from 'ioredis';
import type { SignalLog } from '../../../flows/ports/stores.js';
import type { Signal, SignalCounters, SignalLogEntry } from '../../../domain/signal.js';

/** What intake did with a signal. */
export type IntakeResult =
  | { status: 'stored'; signal: Signal }
  /** Every dedupe key was claimed before: `duplicateOf` is the signal id that claimed one. */
  | { status: 'duplicate'; duplicateOf: string };

/**
 * How dedupe keys decide: `all` — the signal is new only if none was seen (PagerDuty: event id and
 * incident id); `any` — new if at least one was not seen, and only those count (Alertmanager: one
 * key per alert of a group).
 */
export type DedupeMode = 'all' | 'any';

export interface SignalStoreOptions {
  /** How long a dedupe key and a stored signal live. Default 7 days. */
  retentionSeconds?: number;
  /** Entries kept in each incident's log. Default 200. */
  incidentLogLimit?: number;
}

const INTAKE = `
local fresh = {}
for i = 4, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then table.insert(fresh, i) end
end
local wanted = #KEYS - 3
if #fresh == 0 or (ARGV[1] == 'all' and #fresh < wanted) then
  for i = 4, #KEYS do
    local holder = redis.call('GET', KEYS[i])
    if holder then
      redis.call('HINCRBY', KEYS[3], 'duplicates', 1)
      return {0, holder}
    end
  end
  return {0, ''}
end
local ttl = tonumber(ARGV[2])
-- 'all': the keys are several names of one notification; 'any': one key per alert.
local count = #fresh
if ARGV[1] == 'all' then count = tonumber(ARGV[7]) end
local indexes = {}
for _, i in ipairs(fresh) do
  redis.call('SET', KEYS[i], ARGV[3], 'EX', ttl)
  table.insert(indexes, tostring(i - 4))
end
redis.call('HSET', KEYS[1], 'json', ARGV[4], 'alertCount', count)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'received', 1)
redis.call('HINCRBY', KEYS[3], ARGV[5], count)
return {1, table.concat(indexes, ',')}
`;

const ZERO: SignalCounters = {
  received: 0,
  duplicates: 0,
  firing: 0,
  triggered: 0,
  acknowledged: 0,
  resolved: 0,
};

function toCounters(hash: Record<string, string>): SignalCounters {
  const counters = { ...ZERO };
  for (const key of Object.keys(counters) as (keyof SignalCounters)[]) counters[key] = Number(hash[key] ?? 0);
  return counters;
}

export class SignalStore implements SignalLog {
  private readonly retention: number;
  private readonly logLimit: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: SignalStoreOptions = {},
  ) {
    this.retention = options.retentionSeconds ?? 7 * 86_400;
    this.logLimit = options.incidentLogLimit ?? 200;
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  private countersKey(service: string, environment: string): string {
    return this.key('signal-counts', service, environment);
  }

  /**
   * Stores a signal unless its dedupe keys say it was seen. In `any` mode, `narrow` rebuilds the
   * signal from the alerts not seen before (their indexes in `dedupeKeys`). Throws when Redis fails: the webhook
   * then answers 5xx so the sender retries.
   */
  async intake(
    signal: Signal,
    mode: DedupeMode,
    narrow?: (freshIndexes: number[]) => Signal,
  ): Promise<IntakeResult> {
    if (signal.dedupeKeys.length === 0) throw new Error('a signal needs at least one dedupe key');
    const keys = [
      this.key('signal', signal.id),
      this.key('signals-pending'),
      this.countersKey(signal.service, signal.environment),
      ...signal.dedupeKeys.map((dedupe) => this.key('signal-seen', dedupe)),
    ];
    const [stored, detail] = (await this.redis.eval(
      INTAKE,
      keys.length,
      ...keys,
      mode,
      String(this.retention),
      signal.id,
      JSON.stringify(signal),
      signal.status,
      String(Date.parse(signal.receivedAt) || Date.now()),
      String(signal.alertCount),
    )) as [number, string];
    if (stored === 0) return { status: 'duplicate', duplicateOf: detail };
    if (mode === 'all') return { status: 'stored', signal };
    const fresh = detail.split(',').map(Number);
    if (fresh.length === signal.dedupeKeys.length) return { status: 'stored', signal };
    // Part of the group was seen before: the stored signal describes only the new alerts.
    const narrowed: Signal = narrow
      ? { ...narrow(fresh), id: signal.id }
      : {
          ...signal,
          alertCount: fresh.length,
          dedupeKeys: signal.dedupeKeys.filter((_key, index) => fresh.includes(index)),
        };
    await this.redis.hset(this.key('signal', signal.id), {
      json: JSON.stringify(narrowed),
      alertCount: narrowed.alertCount,
    });
    return { status: 'stored', signal: narrowed };
  }

  async get(id: string): Promise<Signal | undefined> {
    const hash = await this.redis.hgetall(this.key('signal', id));
    if (!hash.json) return undefined;
    const signal = JSON.parse(hash.json) as Signal;
    return { ...signal, alertCount: Number(hash.alertCount ?? signal.alertCount) };
  }

  /** Signals stored but not yet turned into incident work (for a restart to pick up). */
  async pending(limit = 100): Promise<string[]> {
    return this.redis.zrange(this.key('signals-pending'), 0, limit - 1);
  }

  /** Signals received before `before` and still not turned into (or attached to) an incident. */
  async pendingSince(before: Date, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.key('signals-pending'), 0, before.getTime(), 'LIMIT', 0, limit);
  }

  async markProcessed(id: string): Promise<void> {
    await this.redis.zrem(this.key('signals-pending'), id);
  }

  async counters(service: string, environment: string): Promise<SignalCounters> {
    return toCounters(await this.redis.hgetall(this.countersKey(service, environment)));
  }

  /** Puts a signal on an incident's bounded log and counts it; returns the incident's counters. */
  async attach(incidentId: string, signal: Signal): Promise<SignalCounters> {
    const entry: SignalLogEntry = {
      id: signal.id,
      source: signal.source,
      status: signal.status,
      summary: signal.summary,
      alertCount: signal.alertCount,
      receivedAt: signal.receivedAt,
    };
    const counts = this.key('incident-signal-counts', incidentId);
    const log = this.key('incident-signals', incidentId);
    const result = await this.redis
      .multi()
      .lpush(log, JSON.stringify(entry))
      .ltrim(log, 0, this.logLimit - 1)
      .hincrby(counts, 'received', 1)
      .hincrby(counts, signal.status, signal.alertCount)
      .hgetall(counts)
      .exec();
    const hash = result?.[4]?.[1] as Record<string, string> | undefined;
    return toCounters(hash ?? {});
  }

  /** Counts a redelivery or repeat against an incident (shown on the card, never a new entry). */
  async countDuplicate(incidentId: string): Promise<SignalCounters> {
    const counts = this.key('incident-signal-counts', incidentId);
    const [, hash] = (await this.redis.multi().hincrby(counts, 'duplicates', 1).hgetall(counts).exec()) ?? [];
    return toCounters((hash?.[1] as Record<string, string> | undefined) ?? {});
  }

  async incidentCounters(incidentId: string): Promise<SignalCounters> {
    return toCounters(await this.redis.hgetall(this.key('incident-signal-counts', incidentId)));
  }

  /** The incident's latest signals, newest first. */
  async incidentLog(incidentId: string, limit = 20): Promise<SignalLogEntry[]> {
    const items = await this.redis.lrange(this.key('incident-signals', incidentId), 0, limit - 1);
    return items.map((item) => JSON.parse(item) as SignalLogEntry);
  }
}
