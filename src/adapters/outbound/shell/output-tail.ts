/**
 * Keeps only the end of a process's output: a chatty step must not grow the bot's memory, and the
 * end is where the error usually is.
 */

/** Limits of the kept tail. */
export interface TailLimits {
  maxBytes: number;
  maxLines: number;
}

export const DEFAULT_TAIL_LIMITS: TailLimits = { maxBytes: 4096, maxLines: 40 };

/** Accumulates chunks, holding at most about twice `maxBytes` at any time. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  constructor(private readonly limits: TailLimits = DEFAULT_TAIL_LIMITS) {}

  push(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(buffer);
    this.size += buffer.length;
    // Compact lazily: only when well past the limit, so small writes stay cheap.
    if (this.size > this.limits.maxBytes * 2) {
      const joined = Buffer.concat(this.chunks);
      const kept = joined.subarray(joined.length - this.limits.maxBytes);
      this.chunks = [kept];
      this.size = kept.length;
      this.dropped = true;
    }
  }

  /** The tail as text: at most `maxLines` lines and about `maxBytes` bytes, trailing newline trimmed. */
  text(): string {
    const joined = Buffer.concat(this.chunks);
    let text = joined.subarray(Math.max(0, joined.length - this.limits.maxBytes)).toString('utf8');
    let truncated = this.dropped || joined.length > this.limits.maxBytes;
    // A cut in the middle of a UTF-8 sequence decodes to U+FFFD; drop that partial first line.
    if (truncated) text = text.replace(/^[^\n]*\n/, '');
    const lines = text.replace(/\n+$/, '').split('\n');
    if (lines.length > this.limits.maxLines) {
      truncated = true;
      lines.splice(0, lines.length - this.limits.maxLines);
    }
    const body = lines.join('\n');
    return truncated ? `…\n${body}` : body;
  }
}
