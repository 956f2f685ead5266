/**
 * The step journal: per incident, what each plan step did (pending / started / succeeded / failed),
 * guarded by a fencing token. A worker takes a token (INCR) when it starts an attempt; every write
 * is a Lua script that refuses unless the incident's current token is still the writer's, so a
 * stalled worker that wakes up cannot start or record a step another worker now owns.
 *
 * Layout: one hash per incident, `<prefix>:journal:<incidentId>`, fields `fence` (the latest
 * token), `firstStartedAt` (ISO, set once: the time budget counts from it) and `step:<stepId>`
 * (JSON {@link StepRecord}). One key keeps every write a single-key atomic script.
 */
import type { Redis } from 'ioredis';
import {
  FencedOutError,
  type FenceToken,
  type JournalSnapshot,
  type StepJournal,
  type StepRecord,
  type StepStatus,
  type StepUpdate,
} from '../../../flows/ports/step-journal.js';

// Returns the current fence when the caller's token is stale, else writes and returns -1.
const FENCED_WRITE = `
local current = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if current ~= tonumber(ARGV[1]) then return current end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return -1
`;

// Like FENCED_WRITE, but only moves the lease of a record still \`started\`.
const RENEW_LEASE = `
local current = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if current ~= tonumber(ARGV[1]) then return current end
local raw = redis.call('HGET', KEYS[1], ARGV[2])
if not raw then return -1 end
local record = cjson.decode(raw)
if record.status ~= 'started' then return -1 end
record.leaseUntil = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(record))
return -1
`;

const ACQUIRE = `
local token = redis.call('HINCRBY', KEYS[1], 'fence', 1)
redis.call('HSETNX', KEYS[1], 'firstStartedAt', ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return token
`;

/** Settings of a {@link RedisStepJournal}. */
export interface RedisStepJournalOptions {
  /** Prefix of every key (tests use unique ones). */
  keyPrefix: string;
  /** How long a journal is kept after its last write (postmortems read it). Default 30 days; 0 = forever. */
  retentionMs?: number;
  now?: () => Date;
}

const INCIDENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class RedisStepJournal implements StepJournal {
  private readonly keyPrefix: string;
  private readonly retentionMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly redis: Redis,
    options: RedisStepJournalOptions,
  ) {
    if (!options.keyPrefix) throw new Error('RedisStepJournal: keyPrefix must not be empty');
    this.keyPrefix = options.keyPrefix;
    this.retentionMs = options.retentionMs ?? 30 * 24 * 3600 * 1000;
    this.now = options.now ?? (() => new Date());
  }

  private key(incidentId: string): string {
    if (!INCIDENT_ID.test(incidentId)) throw new Error(`step journal: invalid incident id "${incidentId}"`);
    return `${this.keyPrefix}:journal:${incidentId}`;
  }

  async acquireFence(incidentId: string): Promise<FenceToken> {
    const value = (await this.redis.eval(
      ACQUIRE,
      1,
      this.key(incidentId),
      this.now().toISOString(),
      String(this.retentionMs),
    )) as number;
    return { incidentId, value };
  }

  async read(incidentId: string): Promise<JournalSnapshot> {
    const hash = await this.redis.hgetall(this.key(incidentId));
    const steps: Record<string, StepRecord> = {};
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith('step:')) steps[field.slice('step:'.length)] = JSON.parse(value) as StepRecord;
    }
    const snapshot: JournalSnapshot = { fence: Number(hash.fence ?? 0), steps };
    if (hash.firstStartedAt) snapshot.firstStartedAt = hash.firstStartedAt;
    return snapshot;
  }

  markStarted(token: FenceToken, stepId: string, update: StepUpdate): Promise<void> {
    return this.write(token, stepId, 'started', update);
  }

  markSucceeded(token: FenceToken, stepId: string, update: StepUpdate): Promise<void> {
    return this.write(token, stepId, 'succeeded', update);
  }

  markFailed(token: FenceToken, stepId: string, update: StepUpdate): Promise<void> {
    return this.write(token, stepId, 'failed', update);
  }

  async renewLease(token: FenceToken, stepId: string, leaseUntil: number): Promise<void> {
    if (!STEP_ID.test(stepId)) throw new Error(`step journal: invalid step id "${stepId}"`);
    const current = (await this.redis.eval(
      RENEW_LEASE,
      1,
      this.key(token.incidentId),
      String(token.value),
      `step:${stepId}`,
      String(leaseUntil),
    )) as number;
    if (current !== -1) throw new FencedOutError(token.incidentId, token.value, current);
  }

  private async write(
    token: FenceToken,
    stepId: string,
    status: StepStatus,
    update: StepUpdate,
  ): Promise<void> {
    if (!STEP_ID.test(stepId)) throw new Error(`step journal: invalid step id "${stepId}"`);
    const record: StepRecord = { ...update, stepId, status, token: token.value };
    const current = (await this.redis.eval(
      FENCED_WRITE,
      1,
      this.key(token.incidentId),
      String(token.value),
      `step:${stepId}`,
      JSON.stringify(record),
      String(this.retentionMs),
    )) as number;
    if (current !== -1) throw new FencedOutError(token.incidentId, token.value, current);
  }
}
