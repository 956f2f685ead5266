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

export type StepStatus = 'pending' | 'started' | 'succeeded' | 'failed';

/** What the journal knows of one step. */
export interface StepRecord {
  stepId: string;
  status: StepStatus;
  /** The rollback attempt that last wrote this record. */
  attempt: number;
  /** The fencing token of the writer. */
  token: number;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  exitCode?: number;
  /** How the run ended (`succeeded`, `failed`, `timed_out`, `cancelled`, `not_found`). */
  result?: string;
  error?: string;
  /** Redacted tail of the step's output. */
  outputTail?: string;
  /**
   * While `started`: epoch ms until which the worker running the step is known to be alive (it
   * renews this while the process runs). A worker taking over waits for it to lapse before it
   * decides what to do with the step, so one step never runs twice at the same time.
   */
  leaseUntil?: number;
}

/** A worker's right to write one incident's journal, until a newer token is taken. */
export interface FenceToken {
  incidentId: string;
  value: number;
}

/** Everything the journal holds for an incident. */
export interface JournalSnapshot {
  /** The latest token taken, 0 when none was. */
  fence: number;
  /** When the first attempt took its token. */
  firstStartedAt?: string;
  steps: Record<string, StepRecord>;
}

/** A write refused because a newer token was taken: this worker no longer owns the rollback. */
export class FencedOutError extends Error {
  constructor(
    readonly incidentId: string,
    readonly token: number,
    readonly current: number,
  ) {
    super(
      `incident ${incidentId}: fencing token ${token} is stale (current ${current}); another worker owns this rollback`,
    );
    this.name = 'FencedOutError';
  }
}

/** Fields a write sets on a step, besides its id, token and status. */
export type StepUpdate = Omit<StepRecord, 'stepId' | 'token' | 'status'>;

/** The journal as the engine uses it; {@link RedisStepJournal} is the implementation. */
export interface StepJournal {
  /** Takes a new fencing token; every older token stops being able to write. */
  acquireFence(incidentId: string): Promise<FenceToken>;
  read(incidentId: string): Promise<JournalSnapshot>;
  /** Records a step as started. Throws {@link FencedOutError} when `token` is stale: do not run it. */
  markStarted(token: FenceToken, stepId: string, update: StepUpdate): Promise<void>;
  markSucceeded(token: FenceToken, stepId: string, update: StepUpdate): Promise<void>;
  markFailed(token: FenceToken, stepId: string, update: StepUpdate): Promise<void>;
  /**
   * Extends a started step's lease. Throws {@link FencedOutError} when `token` is stale: another
   * worker owns the rollback, so the caller must stop the step's process.
   */
  renewLease(token: FenceToken, stepId: string, leaseUntil: number): Promise<void>;
}

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
