/**
 * The `metrics` verify check: after the steps, error rate and p99 must come back within
 * `tolerance` × the pre-deploy baseline and stay there for `watch`. Each reading is on the
 * timeline (the progress message shows the latest). Readings that fail are not "healthy": three
 * in a row fail the check, which leaves the rollback unverified and pages a human.
 */
import type { MetricsCheckTemplate } from '../domain/plan.js';
import type { RedNumbers } from '../domain/evidence/evidence.js';
import { millis, percent } from '../domain/evidence/grade.js';
import type { TimelineEvent } from '../domain/timeline.js';
import { formatDuration } from '../domain/values.js';
import { MetricsUnavailableError } from './ports/metrics-source.js';

/** What the watch reads; both throw `MetricsUnavailableError` when the source cannot answer. */
export interface MetricsReader {
  /** The numbers to come back to: the incident's measured baseline, or read now. */
  baseline(check: MetricsCheckTemplate, signal: AbortSignal): Promise<RedNumbers>;
  current(check: MetricsCheckTemplate, signal: AbortSignal): Promise<RedNumbers>;
}

export interface WatchContext {
  reader?: MetricsReader;
  emit(event: TimelineEvent): void | Promise<void>;
  signal: AbortSignal;
  now: () => number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Epoch ms when the rollback's time budget (verification included) ends. */
  deadline: number;
  /** Who pressed Stop, asked between readings. */
  stopRequested?: () => Promise<{ by: string } | undefined>;
}

export type WatchResult = { ok: true; tries: number } | { ok: false; error: string; tries: number };

/** Consecutive failed reads that end the watch (Argo Rollouts' consecutiveErrorLimit idea). */
export const CONSECUTIVE_READ_FAILURES = 3;
/** Error rates this close to the baseline count as back, whatever the factor (noise at 0.1%). */
const ERROR_RATE_SLACK_POINTS = 0.1;
/** The watch gives up when the readings have not been steady for `watch` within twice `watch`. */
const GIVE_UP_AFTER_WATCHES = 2;

interface Limits {
  errorRatePercent?: number;
  p99Ms?: number;
}

function limitsOf(baseline: RedNumbers, tolerance: number): Limits {
  return {
    ...(baseline.errorRatePercent !== undefined
      ? {
          errorRatePercent: Math.max(
            baseline.errorRatePercent * tolerance,
            baseline.errorRatePercent + ERROR_RATE_SLACK_POINTS,
          ),
        }
      : {}),
    ...(baseline.p99Ms !== undefined ? { p99Ms: baseline.p99Ms * tolerance } : {}),
  };
}

/** Which numbers are over their limits, in words; empty when back. */
function overLimits(reading: RedNumbers, limits: Limits): string[] {
  const over: string[] = [];
  if (
    limits.errorRatePercent !== undefined &&
    (reading.errorRatePercent ?? Infinity) > limits.errorRatePercent
  )
    over.push(
      `error rate ${reading.errorRatePercent === undefined ? 'unknown' : percent(reading.errorRatePercent)} (limit ${percent(limits.errorRatePercent)})`,
    );
  if (limits.p99Ms !== undefined && (reading.p99Ms ?? Infinity) > limits.p99Ms)
    over.push(
      `p99 ${reading.p99Ms === undefined ? 'unknown' : millis(reading.p99Ms)} (limit ${millis(limits.p99Ms)})`,
    );
  return over;
}

const unavailable = (error: unknown) =>
  error instanceof MetricsUnavailableError ? error.message : `reading failed (${String(error)})`;

export async function watchMetrics(ctx: WatchContext, check: MetricsCheckTemplate): Promise<WatchResult> {
  if (!ctx.reader) return { ok: false, tries: 0, error: 'no metrics source is wired in' };
  let baseline: RedNumbers;
  try {
    baseline = await ctx.reader.baseline(check, ctx.signal);
  } catch (error) {
    return {
      ok: false,
      tries: 0,
      error: `metrics unavailable: ${unavailable(error)}; cannot tell whether the service recovered`,
    };
  }
  const limits = limitsOf(baseline, check.tolerance);
  if (limits.errorRatePercent === undefined && limits.p99Ms === undefined)
    return { ok: false, tries: 0, error: 'the baseline has no error rate or p99 to come back to' };

  const started = ctx.now();
  // The time budget covers verification too (contract): the watch never outlives it.
  const giveUpAt = Math.min(started + GIVE_UP_AFTER_WATCHES * check.watchMs, ctx.deadline);
  const byBudget = giveUpAt === ctx.deadline;
  let steadySince: number | undefined;
  let failures = 0;
  let tries = 0;
  let lastOver: string[] = [];
  while (!ctx.signal.aborted) {
    const stop = await ctx.stopRequested?.();
    if (stop) return { ok: false, tries, error: `stopped by <@${stop.by}> while watching the metrics` };
    tries += 1;
    const at = ctx.now();
    let reading: RedNumbers | undefined;
    try {
      reading = await ctx.reader.current(check, ctx.signal);
      failures = 0;
    } catch (error) {
      failures += 1;
      if (failures >= CONSECUTIVE_READ_FAILURES)
        return {
          ok: false,
          tries,
          error: `metrics unavailable: ${unavailable(error)} (${failures} reads in a row)`,
        };
    }
    if (reading) {
      lastOver = overLimits(reading, limits);
      const within = lastOver.length === 0;
      steadySince = within ? (steadySince ?? at) : undefined;
      const steadyMs = steadySince === undefined ? 0 : at - steadySince;
      await ctx.emit({
        type: 'verify_watching',
        at: new Date(at).toISOString(),
        check: check.name,
        ...(reading.errorRatePercent !== undefined ? { errorRatePercent: reading.errorRatePercent } : {}),
        ...(reading.p99Ms !== undefined ? { p99Ms: reading.p99Ms } : {}),
        steadyMs,
        watchMs: check.watchMs,
        within,
      });
      if (within && steadyMs >= check.watchMs) return { ok: true, tries };
    }
    // Stop once a steady stretch of `watch` can no longer end before the give-up time.
    const needed = steadySince === undefined ? check.watchMs : check.watchMs - (at - steadySince);
    if (ctx.now() + needed > giveUpAt) break;
    await ctx.sleep(check.intervalMs, ctx.signal);
  }
  if (ctx.signal.aborted) return { ok: false, tries, error: 'cancelled' };
  const still = lastOver.length > 0 ? lastOver.join(' and ') : 'the readings did not stay steady';
  const why = byBudget
    ? `the rollback's time budget ran out after ${formatDuration(ctx.now() - started)} of watching (raise timeBudget above the watch)`
    : `after ${formatDuration(ctx.now() - started)}`;
  return {
    ok: false,
    tries,
    error: `${still}: not back within ${check.tolerance}× the baseline for ${formatDuration(check.watchMs)}; ${why}`,
  };
}
