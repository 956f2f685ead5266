/**
 * Coalesces bursts of "please refresh" into at most one run per interval, never two at once, and
 * a final run on `flush`. Used for the thread's progress message: a rollback with fast steps
 * would otherwise hit Slack's rate limit (about one update per second per message).
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
  }

  /** Stops scheduling, waits for a run in progress, then runs once more (the final state). */
  async flush(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.once();
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
