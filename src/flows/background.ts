/**
 * Work a flow starts and does not wait for (a safety analysis that outlasted its time bound):
 * tracked so shutdown can cancel it and wait, and keyed so one process never runs the same
 * incident's work twice at once.
 */
export class BackgroundTasks {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly keys = new Set<string>();
  private readonly shutdown = new AbortController();

  /** Aborted when the bot stops: long work (git, analysis) should give up. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  /** True while keyed work for `key` runs in this process. */
  running(key: string): boolean {
    return this.keys.has(key);
  }

  /** Runs `work` under `key` unless it already runs; failures go to `onError`, never reject. */
  runOnce(key: string, work: () => Promise<unknown>, onError: (error: unknown) => void): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    void this.track(work())
      .catch(onError)
      .finally(() => this.keys.delete(key));
    return true;
  }

  async stop(): Promise<void> {
    this.shutdown.abort(new Error('the bot is stopping'));
    await Promise.allSettled([...this.inFlight]);
  }
}
