/**
 * Coalesces bursts of "please refresh" into at most one run per interval, never two at once, and
 * a final run on `flush` when one is still owed. Slack allows about one update per second per
 * message: a rollback with fast steps, or an alert storm, would otherwise hit its rate limit.
 */
export class Coalescer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastRunAt = 0;
  private dirty = false;
  private closed = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Asks for a run; it happens once the interval since the last run has passed. */
  schedule(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer || this.running) return;
    const wait = Math.max(0, this.lastRunAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref();
  }

  /** Stops scheduling, waits for a run in progress, then runs once more if one is owed. */
  async flush(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.dirty) await this.once();
  }

  private fire(): void {
    this.timer = undefined;
    this.running = this.once().finally(() => {
      this.running = undefined;
      if (this.dirty && !this.closed) this.schedule();
    });
  }

  private async once(): Promise<void> {
    this.dirty = false;
    this.lastRunAt = Date.now();
    await this.run().catch(this.onError);
  }
}

/** One Coalescer per key (an incident id): each key's refreshes are limited on their own. */
export class KeyedCoalescer {
  private readonly byKey = new Map<string, Coalescer>();

  constructor(
    private readonly run: (key: string) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown, key: string) => void,
  ) {}

  schedule(key: string): void {
    let coalescer = this.byKey.get(key);
    if (!coalescer) {
      coalescer = new Coalescer(
        () => this.run(key),
        this.intervalMs,
        (error) => this.onError(error, key),
      );
      this.byKey.set(key, coalescer);
    }
    coalescer.schedule();
  }

  async flush(): Promise<void> {
    const all = [...this.byKey.values()];
    this.byKey.clear();
    await Promise.all(all.map((coalescer) => coalescer.flush()));
  }
}
