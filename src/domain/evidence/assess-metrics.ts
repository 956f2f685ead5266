/**
 * From series to evidence. The baseline is robust to a spike that began inside its window (median
 * and median absolute deviation rather than mean and standard deviation), so a spike that started
 * before the deploy still shows up as a change point before it.
 */
import type { BlastRadius, EndpointReading, MeasuredEvidence, RedNumbers } from './evidence.js';

export interface Point {
  at: number;
  value: number;
}

/** What was read from the metrics source: ratios and seconds, as PromQL gives them. */
export interface MetricsReadings {
  errorRatio: Point[];
  p99Seconds: Point[];
  throughputRps: Point[];
  byEndpoint?: { label: string; series: { endpoint: string; errorRatio: Point[] }[] };
}

export interface EvidenceWindow {
  baselineFrom: number;
  baselineTo: number;
  now: number;
  deploy?: { version: string; at: number };
  /**
   * How much time one reading covers before its timestamp (rate over [1m] read at T describes the
   * minute before T): a change first seen at T began at T minus this. 0 by default.
   */
  readingSpanMs?: number;
}

/** "Now" is the mean of this last stretch. */
export const CURRENT_WINDOW_MS = 5 * 60_000;
/** A change point must stay out of the band this many readings in a row (minutes at 1m steps). */
const SUSTAINED_READINGS = 3;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

interface Band {
  centre: number;
  upper: number;
}

/**
 * The band of normal: median + 4 robust deviations, and never tighter than `relative` × the
 * median or `absolute` above it, so a flat baseline does not flag noise.
 */
function bandOf(values: number[], relative: number, absolute: number): Band | undefined {
  if (values.length === 0) return undefined;
  const centre = median(values);
  const spread = 1.4826 * median(values.map((v) => Math.abs(v - centre)));
  return { centre, upper: Math.max(centre + 4 * spread, centre * relative, centre + absolute) };
}

/** Error-rate band floor: half a percentage point; p99 band floor: 50% slower. */
const ERROR_BAND = { relative: 2, absolute: 0.005 };
const LATENCY_BAND = { relative: 1.5, absolute: 0.01 };

const inWindow = (points: Point[], from: number, to: number) =>
  points.filter((p) => p.at >= from && p.at <= to);

function firstSustainedExit(points: Point[], band: Band | undefined, from: number): number | undefined {
  if (!band) return undefined;
  const scan = points.filter((p) => p.at >= from);
  for (let i = 0; i < scan.length; i++) {
    const run = scan.slice(i, i + SUSTAINED_READINGS);
    // At the very end fewer readings exist; all of them must be out.
    if (run.length > 0 && run.every((p) => p.value > band.upper)) return (scan[i] as Point).at;
  }
  return undefined;
}

function blastRadius(readings: MetricsReadings, w: EvidenceWindow): BlastRadius | undefined {
  if (!readings.byEndpoint) return undefined;
  const affected: EndpointReading[] = [];
  const fine: string[] = [];
  for (const { endpoint, errorRatio } of readings.byEndpoint.series) {
    const base = inWindow(errorRatio, w.baselineFrom, w.baselineTo).map((p) => p.value);
    const recent = inWindow(errorRatio, w.now - CURRENT_WINDOW_MS, w.now).map((p) => p.value);
    if (recent.length === 0) continue;
    const band = bandOf(base.length > 0 ? base : [0], ERROR_BAND.relative, ERROR_BAND.absolute) as Band;
    const now = mean(recent);
    if (now > band.upper)
      affected.push({ endpoint, nowPercent: now * 100, baselinePercent: band.centre * 100 });
    else fine.push(endpoint);
  }
  affected.sort((a, b) => b.nowPercent - a.nowPercent);
  return { label: readings.byEndpoint.label, affected, fine: fine.sort() };
}

/** Ratios and seconds as percent and ms: the median for a baseline, the mean for "now". */
function numbers(errors: number[], latency: number[], throughput: number[], centre: boolean): RedNumbers {
  const pick = (values: number[]) => (centre ? median(values) : mean(values));
  return {
    ...(errors.length > 0 ? { errorRatePercent: pick(errors) * 100 } : {}),
    ...(latency.length > 0 ? { p99Ms: pick(latency) * 1000 } : {}),
    ...(throughput.length > 0 ? { throughputRps: pick(throughput) } : {}),
  };
}

/** The baseline's numbers alone (the verify watch, when the incident opened without them). */
export function baselineNumbers(readings: MetricsReadings, from: number, to: number): RedNumbers {
  const values = (points: Point[]) => inWindow(points, from, to).map((p) => p.value);
  return numbers(
    values(readings.errorRatio),
    values(readings.p99Seconds),
    values(readings.throughputRps),
    true,
  );
}

/** The evidence, or why there is none (no data in the baseline or in the last minutes). */
export function assessMetrics(
  readings: MetricsReadings,
  w: EvidenceWindow,
): MeasuredEvidence | { unavailable: string } {
  const baseErrors = inWindow(readings.errorRatio, w.baselineFrom, w.baselineTo).map((p) => p.value);
  const baseLatency = inWindow(readings.p99Seconds, w.baselineFrom, w.baselineTo).map((p) => p.value);
  const recentFrom = w.now - CURRENT_WINDOW_MS;
  const nowErrors = inWindow(readings.errorRatio, recentFrom, w.now).map((p) => p.value);
  const nowLatency = inWindow(readings.p99Seconds, recentFrom, w.now).map((p) => p.value);
  const nowThroughput = inWindow(readings.throughputRps, recentFrom, w.now).map((p) => p.value);
  const baseThroughput = inWindow(readings.throughputRps, w.baselineFrom, w.baselineTo).map((p) => p.value);
  if (nowErrors.length === 0 && nowLatency.length === 0)
    return { unavailable: 'no error-rate or latency data for the last 5 minutes' };
  if (baseErrors.length === 0 && baseLatency.length === 0)
    return { unavailable: 'no error-rate or latency data in the baseline window before the deploy' };

  const errorBand = bandOf(baseErrors, ERROR_BAND.relative, ERROR_BAND.absolute);
  const latencyBand = bandOf(baseLatency, LATENCY_BAND.relative, LATENCY_BAND.absolute);
  const errorExit = firstSustainedExit(readings.errorRatio, errorBand, w.baselineFrom);
  const latencyExit = firstSustainedExit(readings.p99Seconds, latencyBand, w.baselineFrom);
  const exits = [
    ...(errorExit !== undefined ? [{ at: errorExit, metric: 'error rate' as const }] : []),
    ...(latencyExit !== undefined ? [{ at: latencyExit, metric: 'p99' as const }] : []),
  ].sort((a, b) => a.at - b.at);
  // A change that is over by now is not what the responder is looking at.
  const stillOut =
    (errorBand && nowErrors.length > 0 && mean(nowErrors) > errorBand.upper) ||
    (latencyBand && nowLatency.length > 0 && mean(nowLatency) > latencyBand.upper);
  const first = stillOut ? exits[0] : undefined;
  const change = first ? { ...first, at: first.at - (w.readingSpanMs ?? 0) } : undefined;

  const radius = blastRadius(readings, w);
  return {
    status: 'measured',
    readAt: new Date(w.now).toISOString(),
    ...(w.deploy ? { deploy: { version: w.deploy.version, at: new Date(w.deploy.at).toISOString() } } : {}),
    baselineWindow: {
      from: new Date(w.baselineFrom).toISOString(),
      to: new Date(w.baselineTo).toISOString(),
    },
    baseline: numbers(baseErrors, baseLatency, baseThroughput, true),
    current: numbers(nowErrors, nowLatency, nowThroughput, false),
    ...(change ? { changePoint: { at: new Date(change.at).toISOString(), metric: change.metric } } : {}),
    ...(radius ? { blastRadius: radius } : {}),
  };
}
