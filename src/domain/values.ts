/**
 * The contract's pattern for every value that may stand in an argv element: no leading dash (no
 * option injection), no shell metacharacters, no spaces, at most 128 characters.
 */
export const SAFE_VALUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,127}$/;

export function isSafeValue(value: string): boolean {
  return SAFE_VALUE_PATTERN.test(value);
}

/** Parses durations such as `500ms`, `5s`, `2m`, `1h` (or a bare number of milliseconds). */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] ?? 'ms';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] ?? 1;
  return Math.round(amount * factor);
}

/** `90000` → `1m 30s`: how durations read on cards and in the thread. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: string[] = [];
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (seconds || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join(' ');
}
