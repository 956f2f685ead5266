/**
 * The step journal as the execution engine needs it: per incident, what each plan step did,
 * guarded by a fencing token so a worker that lost the job cannot write. Implemented over Redis
 * by adapters/outbound/store/step-journal.ts.
 */
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
