/**
 * A real Prometheus (the `prometheus` and `promtool` binaries on PATH) with deterministic history,
 * for the sandbox (its demo service's hour before the bad deploy) and for integration tests that ask "what were the error rate and p99 latency before and after the
 * deploy?" the way the bot does: over Prometheus's HTTP API.
 *
 * - {@link openMetricsHistory} turns a spec of per-route phases into an OpenMetrics file of
 *   `http_requests_total{service,env,route,status}` counters and an
 *   `http_request_duration_seconds{service,env,route}` histogram.
 * - {@link startPrometheus} backfills that file with `promtool tsdb create-blocks-from openmetrics`,
 *   starts Prometheus on a free port, waits until it is ready and checks the history is queryable.
 * - {@link startExporter} serves live counters with the same names and labels, which the test drives
 *   and Prometheus scrapes (every second by default).
 *
 * How accurate is p99? Each phase puts its observations into two adjacent buckets so that
 * `histogram_quantile(0.99, …)` interpolates to `latencyMs` exactly (see {@link latencyDistribution}).
 * Counts are integers, so what Prometheus answers is off by the rounding of the counts in the bucket
 * holding the 99th percentile: up to about (bucket width) / (observations in that bucket within the
 * rate window). Measured over `[1m]` windows with the default buckets, one route: ≤ 5 ms at 10 rps,
 * ≤ 10 ms at 5 rps, ≤ 20 ms (50 ms in the 250 ms wide bucket) at 1 rps; summing routes is closer.
 * Limits: a p99 below 99 % of the first bound reads 0.99 × that bound (49.5 ms with the default
 * buckets), one at or above the last finite bound reads that bound (5 s), and a rate window that
 * straddles a phase change mixes both phases. Low error ratios are noisy the same way: error counts
 * are exact to ±1 per series and window (0.001 of 88 rps over `[1m]` reads 0.0009–0.0013).
 *
 * Everything is derived from the spec, never from the clock or Math.random: counters are the exact
 * integral of the phases' rates from `spec.start`, rounded to integers, so the same spec (and the same
 * offsets from an aligned `now`) gives the same file and the same query answers every run.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { freePort } from './redis-server.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { stringify as toYaml } from 'yaml';

/** The buckets of `http_request_duration_seconds`, in seconds (`+Inf` is added). */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.75, 1, 2, 5,
];

export const REQUESTS_METRIC = 'http_requests_total';
/** The `job` label of scraped series (backfilled history has no job or instance label). */
export const SCRAPE_JOB = 'app';
export const DURATION_METRIC = 'http_request_duration_seconds';

// ---------------------------------------------------------------------------------------------
// History

/** What one route does from `from` until the next phase starts (the first phase also covers any time before it). */
export interface Phase {
  from: Date;
  /** Share of requests answered with status 500, 0..1. */
  errorRatio: number;
  /** Where `histogram_quantile(0.99, …)` should land, in milliseconds. */
  latencyMs: number;
  /** Requests per second in this phase; defaults to the route's `rps`. */
  rps?: number;
}

export interface RouteSpec {
  route: string;
  /** Requests per second (status 200 and 500 together). */
  rps: number;
  phases: Phase[];
}

export interface HistorySpec {
  service: string;
  env: string;
  /** First sample (counters are 0 there). */
  start: Date;
  /** Last sample is the last step at or before `end`. Keep it at or before Date.now(): see {@link startPrometheus}. */
  end: Date;
  /** Seconds between samples; 15 by default. */
  stepSeconds?: number;
  routes: RouteSpec[];
  /** Finite bucket bounds in seconds, ascending; {@link DEFAULT_BUCKETS} by default. */
  buckets?: readonly number[];
}

/** How a phase's observations fall into the buckets. */
export interface LatencyDistribution {
  /** Share of observations ≤ each finite bound, same order as the buckets (the `+Inf` share is 1). */
  cumulative: number[];
  /** Mean observation in seconds (each bucket's observations counted at its midpoint), for `_sum`. */
  meanSeconds: number;
}

/**
 * Puts the observations so that histogram_quantile(0.99) interpolates to `latencyMs`: with the
 * target L in bucket (a, b] at t = (L − a) / (b − a), a share 0.01 / (1 − t) of the observations
 * goes into (a, b] and the rest into the bucket just below a, so the 99th rank falls at t within
 * (a, b]. When L sits on a bound (t = 0) the rank falls exactly on it, and the bucket below holds
 * most observations, so a rounding error of one count moves the answer by a hair only.
 */
export function latencyDistribution(
  latencyMs: number,
  buckets: readonly number[] = DEFAULT_BUCKETS,
): LatencyDistribution {
  const n = buckets.length;
  if (n === 0) throw new Error('a histogram needs at least one finite bucket');
  const target = latencyMs / 1000;
  const lower = (i: number) => (i === 0 ? 0 : buckets[i - 1]!);
  const mass = new Array<number>(n + 1).fill(0); // mass[i]: share in bucket i; mass[n]: above the last bound
  const last = buckets[n - 1]!;
  let above = 0; // where the observations above the last bound are counted for `_sum`
  // j: the bucket (lower(j), buckets[j]] that will hold the 99th rank, t: where in it.
  let j = buckets.findIndex((bound) => bound > target);
  let t = j < 0 ? 1 : (target - lower(j)) / (buckets[j]! - lower(j));
  if (j > 0 && t > 0.99) {
    // Within 1 % of the bucket width below its upper bound: aim at the bound itself.
    j += 1;
    t = 0;
  }
  if (target <= 0.99 * buckets[0]!) {
    mass[0] = 1; // the lowest p99 a histogram can show: 0.99 × the first bound
  } else if (j === 0) {
    // In the first bucket (0, b0]: share s there and the rest in the next bucket put the rank
    // at b0 · 0.99 / s = target.
    mass[0] = Math.min(1, (0.99 * buckets[0]!) / target);
    if (n > 1) mass[1] = 1 - mass[0];
    else mass[0] = 1;
  } else if (j < 0 || j >= n) {
    // At or above the last finite bound: 2 % above it, and histogram_quantile answers that bound.
    mass[n - 1] = 0.98;
    mass[n] = 0.02;
    above = Math.max(target, last);
  } else {
    const share = 0.01 / (1 - t);
    mass[j] = share;
    mass[j - 1] = 1 - share;
  }
  const cumulative: number[] = [];
  let running = 0;
  let meanSeconds = 0;
  for (let i = 0; i < n; i += 1) {
    running += mass[i]!;
    cumulative.push(Math.min(1, running));
    meanSeconds += mass[i]! * ((lower(i) + buckets[i]!) / 2);
  }
  meanSeconds += mass[n]! * above;
  return { cumulative, meanSeconds };
}

/** A label value or bound as both files spell it (`0.05`, `1`, `+Inf`), so history and live series share `le` values. */
export function formatBound(bound: number): string {
  return bound === Infinity ? '+Inf' : String(bound);
}

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${escapeLabel(value)}"`)
    .join(',')}}`;
}

function formatTimestamp(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(3);
}

export function formatSum(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** The rates of one phase, per second. */
interface PhaseRates {
  from: number;
  ok: number;
  errors: number;
  total: number;
  buckets: number[];
  sum: number;
}

/** Exact cumulative amounts from `start` to each sample time, for one route. */
function integrate(
  phases: PhaseRates[],
  start: number,
  times: number[],
  pick: (p: PhaseRates) => number,
): number[] {
  // Segment k runs from phases[k].from (−∞ for the first) to phases[k + 1].from.
  return times.map((time) => {
    let total = 0;
    for (let k = 0; k < phases.length; k += 1) {
      const from = k === 0 ? start : Math.max(start, phases[k]!.from);
      const to = Math.min(time, k + 1 < phases.length ? phases[k + 1]!.from : Infinity);
      if (to > from) total += (pick(phases[k]!) * (to - from)) / 1000;
    }
    return total;
  });
}

/**
 * The history as an OpenMetrics file for `promtool tsdb create-blocks-from openmetrics`: one
 * `# TYPE` line per family, each series' samples in time order, timestamps in seconds, `# EOF`.
 * Several specs (services or environments) share the file, each family still listed once.
 */
export function openMetricsHistory(specs: HistorySpec | HistorySpec[]): string {
  const requestLines: string[] = [];
  const durationLines: string[] = [];
  for (const spec of Array.isArray(specs) ? specs : [specs]) {
    const lines = historyLines(spec);
    requestLines.push(...lines.requestLines);
    durationLines.push(...lines.durationLines);
  }
  return [
    '# HELP http_requests HTTP requests by route and status.',
    '# TYPE http_requests counter',
    ...requestLines,
    `# HELP ${DURATION_METRIC} HTTP request latency.`,
    `# TYPE ${DURATION_METRIC} histogram`,
    `# UNIT ${DURATION_METRIC} seconds`,
    ...durationLines,
    '# EOF',
    '',
  ].join('\n');
}

function historyLines(spec: HistorySpec): { requestLines: string[]; durationLines: string[] } {
  const step = (spec.stepSeconds ?? 15) * 1000;
  const buckets = spec.buckets ?? DEFAULT_BUCKETS;
  const start = spec.start.getTime();
  const end = spec.end.getTime();
  if (!(step > 0)) throw new Error('stepSeconds must be > 0');
  if (!(end >= start)) throw new Error('history end is before its start');
  if (buckets.some((bound, i) => i > 0 && bound <= buckets[i - 1]!)) throw new Error('buckets must ascend');
  const times: number[] = [];
  for (let time = start; time <= end; time += step) times.push(time);

  const requestLines: string[] = [];
  const durationLines: string[] = [];
  for (const route of spec.routes) {
    if (route.phases.length === 0) throw new Error(`route ${route.route} has no phases`);
    const phases: PhaseRates[] = [...route.phases]
      .sort((x, y) => x.from.getTime() - y.from.getTime())
      .map((phase) => {
        const total = phase.rps ?? route.rps;
        const ratio = Math.min(1, Math.max(0, phase.errorRatio));
        const distribution = latencyDistribution(phase.latencyMs, buckets);
        return {
          from: phase.from.getTime(),
          total,
          ok: total * (1 - ratio),
          errors: total * ratio,
          buckets: distribution.cumulative.map((share) => share * total),
          sum: distribution.meanSeconds * total,
        };
      });
    const counts = (pick: (p: PhaseRates) => number) =>
      integrate(phases, start, times, pick).map((value) => Math.round(value));
    const base = { service: spec.service, env: spec.env, route: route.route };

    for (const [status, pick] of [
      ['200', (p: PhaseRates) => p.ok],
      ['500', (p: PhaseRates) => p.errors],
    ] as const) {
      const labels = labelText({ ...base, status });
      counts(pick).forEach((value, i) =>
        requestLines.push(`${REQUESTS_METRIC}${labels} ${value} ${formatTimestamp(times[i]!)}`),
      );
    }

    const bucketCounts = buckets.map((_, j) => counts((p) => p.buckets[j]!));
    const total = counts((p) => p.total);
    const sums = integrate(phases, start, times, (p) => p.sum);
    const bucketLabels = [...buckets, Infinity].map((bound) =>
      labelText({ ...base, le: formatBound(bound) }),
    );
    const labels = labelText(base);
    times.forEach((time, i) => {
      const at = formatTimestamp(time);
      bucketLabels.forEach((bucketLabel, j) => {
        const value = j < buckets.length ? bucketCounts[j]![i]! : total[i]!;
        durationLines.push(`${DURATION_METRIC}_bucket${bucketLabel} ${value} ${at}`);
      });
      durationLines.push(`${DURATION_METRIC}_count${labels} ${total[i]} ${at}`);
      durationLines.push(`${DURATION_METRIC}_sum${labels} ${formatSum(sums[i]!)} ${at}`);
    });
  }
  return { requestLines, durationLines };
}

/** Where the series part (`name{labels}`) of a sample line ends; label values may hold `}` and spaces. */
function seriesEnd(line: string): number {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i += 1;
  if (line[i] !== '{') return i;
  let quoted = false;
  for (i += 1; i < line.length; i += 1) {
    const char = line[i];
    if (quoted && char === '\\') i += 1;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && char === '}') return i + 1;
  }
  return line.length;
}

/** Distinct series and time range of an OpenMetrics file (timestamps in seconds; exemplars ignored). */
function describeHistory(text: string): { series: number; minMs: number; maxMs: number } {
  const series = new Set<string>();
  let minMs = Infinity;
  let maxMs = -Infinity;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const end = seriesEnd(line);
    series.add(line.slice(0, end));
    const seconds = Number(line.slice(end).trim().split(/\s+/)[1]);
    if (!Number.isFinite(seconds)) throw new Error(`a history sample has no timestamp: ${line}`);
    minMs = Math.min(minMs, seconds * 1000);
    maxMs = Math.max(maxMs, seconds * 1000);
  }
  return { series: series.size, minMs, maxMs };
}

// ---------------------------------------------------------------------------------------------
// Waiting and querying

export interface WaitOptions {
  timeoutMs?: number;
  /** Pause between probes; 100 ms by default. */
  intervalMs?: number;
  /** What is awaited, for the timeout error. */
  description?: string;
}

/**
 * Probes until `probe` returns something other than undefined, null or false, and returns that.
 * A probe that throws counts as "not yet"; its last error is in the timeout error.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 20_000, intervalMs = 100, description = 'condition' }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} (last: ${detail})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** One element of an instant vector (a scalar answer comes back as one sample with no labels). */
export interface PromSample {
  metric: Record<string, string>;
  /** Unix seconds. */
  time: number;
  value: number;
}

export interface PromSeries {
  metric: Record<string, string>;
  /** [unix seconds, value] pairs. */
  values: [number, number][];
}

function parseValue(value: string): number {
  if (value === '+Inf') return Infinity;
  if (value === '-Inf') return -Infinity;
  return Number(value); // 'NaN' → NaN
}

type ApiValue = [number, string];

async function api<T>(url: string, path: string, params: Record<string, string>): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { status: string; data?: T; error?: string };
  if (body.status !== 'success' || body.data === undefined)
    throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${response.status} ${body.error ?? ''}`);
  return body.data;
}

function seconds(time: Date | number): string {
  return String((typeof time === 'number' ? time : time.getTime()) / 1000);
}

/** GET /api/v1/query (sent as a form POST): the answer at `time` (default: Prometheus's now). */
export async function promQuery(url: string, expr: string, time?: Date | number): Promise<PromSample[]> {
  const data = await api<{ resultType: string; result: unknown }>(url, '/api/v1/query', {
    query: expr,
    ...(time === undefined ? {} : { time: seconds(time) }),
  });
  if (data.resultType === 'scalar') {
    const [at, value] = data.result as ApiValue;
    return [{ metric: {}, time: at, value: parseValue(value) }];
  }
  if (data.resultType !== 'vector') throw new Error(`expected a vector from ${expr}, got ${data.resultType}`);
  return (data.result as { metric: Record<string, string>; value: ApiValue }[]).map(({ metric, value }) => ({
    metric,
    time: value[0],
    value: parseValue(value[1]),
  }));
}

/** The single value of a query that answers one sample, or undefined when it answers none. */
export async function promValue(
  url: string,
  expr: string,
  time?: Date | number,
): Promise<number | undefined> {
  const samples = await promQuery(url, expr, time);
  if (samples.length > 1) throw new Error(`${expr} answered ${samples.length} samples, expected one`);
  return samples[0]?.value;
}

/** /api/v1/query_range. */
export async function promQueryRange(
  url: string,
  expr: string,
  range: { start: Date | number; end: Date | number; stepSeconds: number },
): Promise<PromSeries[]> {
  const data = await api<{
    resultType: string;
    result: { metric: Record<string, string>; values: ApiValue[] }[];
  }>(url, '/api/v1/query_range', {
    query: expr,
    start: seconds(range.start),
    end: seconds(range.end),
    step: String(range.stepSeconds),
  });
  return data.result.map(({ metric, values }) => ({
    metric,
    values: values.map(([at, value]) => [at, parseValue(value)]),
  }));
}

// ---------------------------------------------------------------------------------------------
// Prometheus

export interface PrometheusOptions {
  /** OpenMetrics text (e.g. from {@link openMetricsHistory}) to backfill before starting. */
  history?: string;
  /** host:port targets scraped at `/metrics` as job {@link SCRAPE_JOB}, with `honor_labels: true`. */
  scrapeTargets?: string[];
  /** Global scrape and evaluation interval; 1 s by default. */
  scrapeIntervalSeconds?: number;
  /** How long to wait for `/-/ready`; 30 s by default. */
  readyTimeoutMs?: number;
}

export interface TestPrometheus {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The TSDB directory (inside a temp dir removed by stop()). */
  dataDir: string;
  /** The blocks promtool made from the history, as in their meta.json. */
  blocks: { ulid: string; minTime: number; maxTime: number; numSamples: number; numSeries: number }[];
  /** How long backfilling, starting and checking took, in ms. */
  startupMs: { backfill: number; ready: number; total: number };
  /** Prometheus's stderr so far (its log, at level warn). */
  logs(): string;
  /** SIGTERM, SIGKILL after 5 s, then removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const RETENTION = '30d';
const RETENTION_MS = 30 * 24 * 3600 * 1000;
const LOG_TAIL = 64 * 1024;

interface Running {
  child: ResultPromise;
  exited: Promise<void>;
  logs: () => string;
}

function spawnPrometheus(configFile: string, dataDir: string, port: number): Running {
  const child = execa(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.retention.time=${RETENTION}`,
      '--log.level=warn',
    ],
    {
      stdin: 'ignore',
      stdout: 'ignore',
      buffer: false,
      reject: false,
      // stop() escalates by itself; `cleanup` (the default) kills it if this process exits first.
      forceKillAfterDelay: false,
      cleanup: true,
      env: { GOMAXPROCS: '2' },
    },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-LOG_TAIL);
  });
  const exited = child.then(
    () => undefined,
    () => undefined,
  );
  return { child, exited, logs: () => log };
}

function tail(text: string, lines = 20): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

async function waitUntilReady(url: string, running: Running, timeoutMs: number): Promise<'ready' | 'exited'> {
  let gone = false;
  void running.exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) return 'exited';
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return 'ready';
    } catch {
      // not listening yet
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), running.exited]);
  }
  throw new Error(
    `Prometheus at ${url} was not ready within ${timeoutMs} ms; its log ends:\n${tail(running.logs())}`,
  );
}

async function stopProcess(running: Running): Promise<void> {
  const { child } = running;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await running.exited;
    clearTimeout(timer);
  }
  await running.exited;
}

async function readBlocks(dataDir: string): Promise<TestPrometheus['blocks']> {
  const blocks: TestPrometheus['blocks'] = [];
  for (const entry of await readdir(dataDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const meta = await readFile(join(dataDir, entry.name, 'meta.json'), 'utf8').catch(() => undefined);
    if (!meta) continue;
    const parsed = JSON.parse(meta) as {
      ulid: string;
      minTime: number;
      maxTime: number;
      stats?: { numSamples?: number; numSeries?: number };
    };
    blocks.push({
      ulid: parsed.ulid,
      minTime: parsed.minTime,
      maxTime: parsed.maxTime,
      numSamples: parsed.stats?.numSamples ?? 0,
      numSeries: parsed.stats?.numSeries ?? 0,
    });
  }
  return blocks.sort((x, y) => x.minTime - y.minTime);
}

/**
 * A throwaway Prometheus: backfills `history`, scrapes `scrapeTargets`, listens on 127.0.0.1.
 *
 * Pitfalls it handles or refuses:
 * - promtool makes blocks aligned to 2 h boundaries (its hidden --max-block-duration ignores less),
 *   so 75 minutes of history can be two blocks; each block's maxTime is its last sample + 1 ms.
 * - On start the TSDB head only accepts samples newer than the newest block's maxTime, so history
 *   that reaches past Date.now() would make the first scrapes "out of bounds" (dropped): refused.
 * - Time retention (30 d here; 15 d by default) is counted back from the newest block, and the
 *   head is later compacted into a block at "now": history spanning more than 30 d is refused.
 * - After /-/ready it checks that every series of the history can be queried, so a silently
 *   empty backfill fails here and not in some assertion.
 * - Ready is not scraped: Prometheus 2.42's discovery manager hands targets to the scrape loop every
 *   5 s, so the first scrape comes ~5 s after start. Wait for it with {@link waitForTarget}.
 * - Queries at the history's last sample (a range ending at it included) answer from the block,
 *   also once scraped samples are in the head.
 */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<TestPrometheus> {
  const began = Date.now();
  const interval = options.scrapeIntervalSeconds ?? 1;
  const targets = options.scrapeTargets ?? [];
  const root = await mkdtemp(join(tmpdir(), 'rollback-bot-prometheus-'));
  const dataDir = join(root, 'data');
  let running: Running | undefined;
  try {
    await mkdir(dataDir);
    let described: ReturnType<typeof describeHistory> | undefined;
    let blocks: TestPrometheus['blocks'] = [];
    if (options.history !== undefined) {
      described = describeHistory(options.history);
      if (described.series > 0) {
        if (targets.length > 0 && described.maxMs > Date.now())
          throw new Error(
            `history ends at ${new Date(described.maxMs).toISOString()}, after now: Prometheus would drop scraped samples older than that`,
          );
        if (described.maxMs - described.minMs > RETENTION_MS)
          throw new Error(
            `history spans more than ${RETENTION}, the retention: its old blocks would be deleted`,
          );
        const file = join(root, 'history.om.txt');
        await writeFile(file, options.history);
        const backfill = await execa(
          'promtool',
          ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, dataDir],
          { reject: false, all: true },
        );
        if (backfill.exitCode !== 0)
          throw new Error(`promtool could not backfill the history:\n${tail(backfill.all)}`);
        blocks = await readBlocks(dataDir);
        const samples = blocks.reduce((total, block) => total + block.numSamples, 0);
        if (blocks.length === 0 || samples === 0)
          throw new Error(`promtool made no blocks with samples from the history:\n${tail(backfill.all)}`);
      }
    }
    const backfilled = Date.now();

    const configFile = join(root, 'prometheus.yml');
    await writeFile(
      configFile,
      toYaml({
        global: {
          scrape_interval: `${interval}s`,
          scrape_timeout: `${interval}s`,
          evaluation_interval: `${interval}s`,
        },
        scrape_configs:
          targets.length === 0
            ? []
            : [
                {
                  job_name: SCRAPE_JOB,
                  honor_labels: true,
                  metrics_path: '/metrics',
                  static_configs: [{ targets }],
                },
              ],
      }),
    );

    // The free port can be taken between probing and binding by a parallel test: retry then.
    let url = '';
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      running = spawnPrometheus(configFile, dataDir, port);
      const outcome = await waitUntilReady(url, running, options.readyTimeoutMs ?? 30_000);
      if (outcome === 'ready') break;
      const log = running.logs();
      if (attempt < 3 && /address already in use/i.test(log)) continue;
      throw new Error(`Prometheus exited before it was ready; its log ends:\n${tail(log)}`);
    }
    const ready = Date.now();

    if (described && described.series > 0) {
      // Every history series has a sample within the history's span, seen from its last sample.
      const span = Math.ceil((described.maxMs - described.minMs) / 1000) + 1;
      const expr = `count(last_over_time({__name__=~".+", job=""}[${span}s]))`;
      const count = await promValue(url, expr, described.maxMs);
      if (count !== described.series)
        throw new Error(
          `Prometheus can query ${count ?? 0} of the ${described.series} backfilled series at ${new Date(described.maxMs).toISOString()}`,
        );
    }
    const finished = Date.now();

    const started = running;
    let stopping: Promise<void> | undefined;
    return {
      url,
      dataDir,
      blocks,
      startupMs: { backfill: backfilled - began, ready: ready - backfilled, total: finished - began },
      logs: started.logs,
      stop() {
        stopping ??= stopProcess(started).then(() => rm(root, { recursive: true, force: true }));
        return stopping;
      },
    };
  } catch (error) {
    if (running) await stopProcess(running);
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
