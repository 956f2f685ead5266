/**
 * How times read in the thread and the postmortem: always UTC (responders sit in many time zones,
 * and the timeline must read the same for all of them), plus offsets from the rollback request.
 *
 * date-fns `format` works in the machine's local zone and `formatInTimeZone` is not in date-fns core,
 * so the wall-clock fields come from the getUTC* accessors; date-fns parses, validates and measures.
 */
import { differenceInMilliseconds, isValid, parseISO } from 'date-fns';
import { formatDuration } from './values.js';

/** Parses an ISO 8601 timestamp, or throws naming the value, so a corrupt record is never shown as a wrong time. */
export function parseTimestamp(iso: string): Date {
  const date = parseISO(iso);
  if (!isValid(date))
    throw new RangeError(`invalid timestamp "${iso}": expected ISO 8601, e.g. 2024-05-14T14:02:10Z`);
  return date;
}

function toDate(value: Date | string): Date {
  if (typeof value === 'string') return parseTimestamp(value);
  if (!isValid(value)) throw new RangeError('invalid Date');
  return value;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `14:02:10` (UTC). */
export function formatUtcTime(value: Date | string): string {
  const date = toDate(value);
  return `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}

/** `2024-05-14` (UTC). */
export function formatUtcDate(value: Date | string): string {
  const date = toDate(value);
  return `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
}

/** `2024-05-14 14:02:10 UTC`. */
export function formatUtcDateTime(value: Date | string): string {
  return `${formatUtcDate(value)} ${formatUtcTime(value)} UTC`;
}

/** Milliseconds from `start` to `end` (negative when `end` is earlier). */
export function millisBetween(start: Date | string, end: Date | string): number {
  return differenceInMilliseconds(toDate(end), toDate(start));
}

/**
 * A duration in whole seconds, as the thread shows it (`2m 10s`, `0s`); sub-second precision
 * is noise next to times printed to the second.
 */
export function formatSeconds(ms: number): string {
  const rounded = Math.round(Math.abs(ms) / 1000) * 1000;
  return rounded === 0 ? '0s' : formatDuration(rounded);
}

/** The offset of `at` from `start`, signed: `+2m 10s`, `-45s` (before the request), `+0s`. */
export function formatOffset(start: Date | string, at: Date | string): string {
  const ms = millisBetween(start, at);
  const sign = ms < 0 && Math.round(Math.abs(ms) / 1000) > 0 ? '-' : '+';
  return `${sign}${formatSeconds(ms)}`;
}
