/**
 * The outbox of outbound signals. Entries are pushed by IncidentStore in the same transaction as
 * the change behind them; a drain takes one at a time, invisible to other drains for a while, and
 * removes it once delivered. A drain that dies mid-delivery leaves its entry to reappear later:
 * at-least-once, like the receivers of signed webhooks expect.
 */
import type { Redis } from 'ioredis';
import type { TimelineEvent } from '../../../domain/timeline.js';
import { incidentKeys } from './keys.js';

export interface OutboxEntry {
  incidentId: string;
  /** The incident's state right after the change that produced the signal. */
  state: string;
  event: TimelineEvent;
}

/** Moves entries whose invisibility ran out back to the queue, then takes the next one. */
const TAKE = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], 0, ARGV[1], 'LIMIT', 0, 100)
for _, entry in ipairs(expired) do
  redis.call('ZREM', KEYS[2], entry)
  redis.call('RPUSH', KEYS[1], entry)
end
local entry = redis.call('LPOP', KEYS[1])
if entry then redis.call('ZADD', KEYS[2], ARGV[2], entry) end
return entry`;

export class SignalOutbox {
  private readonly keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = incidentKeys(prefix);
  }

  /** The next entry, hidden from other drains for `invisibleMs`; undefined when none waits. */
  async take(now: Date, invisibleMs: number): Promise<{ raw: string; entry: OutboxEntry } | undefined> {
    const raw = (await this.redis.eval(
      TAKE,
      2,
      this.keys.outbox,
      this.keys.outboxInflight,
      String(now.getTime()),
      String(now.getTime() + invisibleMs),
    )) as string | null;
    return raw ? { raw, entry: JSON.parse(raw) as OutboxEntry } : undefined;
  }

  /** Delivered (or never deliverable): gone for good. */
  async done(raw: string): Promise<void> {
    await this.redis.zrem(this.keys.outboxInflight, raw);
  }

  async waiting(): Promise<number> {
    return (await this.redis.llen(this.keys.outbox)) + (await this.redis.zcard(this.keys.outboxInflight));
  }
}
