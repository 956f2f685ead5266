/**
 * Measured evidence when an incident opens: error rate, p99 and throughput from the team's
 * Prometheus, now against the window before the deploy, with the change point and blast radius.
 * The card never waits for Prometheus beyond `timeBoundMs`: it says "reading metrics" and is
 * updated when the numbers land. A source that fails is "metrics unavailable: why", never a number.
 */
import { findEnvironment } from '../catalog/load.js';
import { suspectDeploy } from '../domain/assessment.js';
import {
  assessMetrics,
  type EvidenceWindow,
  type MetricsReadings,
  type Point,
} from '../domain/evidence/assess-metrics.js';
import type { Evidence } from '../domain/evidence/evidence.js';
import type { MetricsConfig } from '../domain/evidence/metrics-config.js';
import type { Incident } from '../domain/incident.js';
import type { BackgroundTasks } from './background.js';
import type { FlowDeps } from './deps.js';
import type { ChartRenderer } from './ports/charts.js';
import { MetricsUnavailableError, type MetricSeries, type MetricsSource } from './ports/metrics-source.js';
import { postEvidenceChart } from './evidence-chart.js';
import { refreshViews } from './views.js';
import { within } from './within.js';

export interface EvidencePorts {
  source: MetricsSource;
  charts: ChartRenderer;
  /** How long opening an incident waits for the metrics before posting "reading metrics". */
  timeBoundMs: number;
  tasks: BackgroundTasks;
}

export const DEFAULT_EVIDENCE_TIME_BOUND_MS = 2_000;
/** One reading per minute: the default queries' rate() spans a minute. */
export const STEP_SECONDS = 60;
/** Without a deploy, the baseline ends this long before now (the alert usually fires minutes in). */
const NO_DEPLOY_BASELINE_GAP_MS = 30 * 60_000;

/** What was read, kept for the chart; `evidence` is what the incident stores. */
export interface EvidenceReading {
  evidence: Evidence;
  window?: EvidenceWindow;
  readings?: MetricsReadings;
}

const first = (series: MetricSeries[]): Point[] => series[0]?.points ?? [];

/**
 * A service that never answered 5xx has no 5xx series at all (clients create it at the first
 * 500), so the error-rate query is empty while requests flow: that is 0%, not "no data". Where
 * there is no traffic either, nothing is invented.
 */
export function errorsOrZero(errors: Point[], throughput: Point[]): Point[] {
  if (errors.length > 0) return errors;
  return throughput.filter((p) => p.value > 0).map((p) => ({ at: p.at, value: 0 }));
}

/**
 * The baseline window: the `baseline` before the suspect deploy, or (no deploy) before `anchor`,
 * the moment the incident opened: read later (the verify watch, the after-rollback chart), the
 * window stays where it was, never sliding into the incident itself.
 */
export async function evidenceWindow(
  deps: FlowDeps,
  incident: Pick<Incident, 'service' | 'environment' | 'fromVersion'>,
  lookbackMs: number,
  metrics: MetricsConfig,
  anchor: Date = deps.now(),
): Promise<EvidenceWindow> {
  const now = deps.now();
  const history = await deps.deploys.history(incident.service, incident.environment, 20);
  const deploy = suspectDeploy(history, anchor, lookbackMs, incident.fromVersion);
  const baselineTo = deploy ? Date.parse(deploy.deployedAt) : anchor.getTime() - NO_DEPLOY_BASELINE_GAP_MS;
  return {
    baselineFrom: baselineTo - metrics.baselineMs,
    baselineTo,
    now: now.getTime(),
    readingSpanMs: STEP_SECONDS * 1000,
    ...(deploy ? { deploy: { version: deploy.version, at: baselineTo } } : {}),
  };
}

/** The RED series over baseline and incident; throws MetricsUnavailableError. */
export async function readSeries(
  source: MetricsSource,
  metrics: MetricsConfig,
  from: number,
  to: number,
  signal?: AbortSignal,
): Promise<MetricsReadings> {
  const window = { start: new Date(from), end: new Date(to), stepSeconds: STEP_SECONDS };
  const { queries } = metrics;
  const read = (query: string) => source.range(metrics, query, window, signal);
  const [errors, latency, throughput, byEndpoint] = await Promise.all([
    read(queries.errorRate),
    read(queries.latencyP99),
    read(queries.throughput),
    queries.errorRateByEndpoint && metrics.endpointLabel ? read(queries.errorRateByEndpoint) : undefined,
  ]);
  const label = metrics.endpointLabel;
  return {
    errorRatio: errorsOrZero(first(errors), first(throughput)),
    p99Seconds: first(latency),
    throughputRps: first(throughput),
    ...(byEndpoint && label
      ? {
          byEndpoint: {
            label,
            series: byEndpoint
              .filter((series) => series.labels[label] !== undefined)
              .map((series) => ({ endpoint: series.labels[label] as string, errorRatio: series.points })),
          },
        }
      : {}),
  };
}

/** Reads and assesses; never rejects. Undefined when the environment has no metrics source. */
export async function readEvidence(
  deps: FlowDeps,
  incident: Pick<Incident, 'service' | 'environment' | 'fromVersion'>,
  signal?: AbortSignal,
): Promise<EvidenceReading | undefined> {
  const env = findEnvironment(deps.catalog, incident.service, incident.environment);
  if (!env?.metrics) return undefined;
  const readAt = deps.now().toISOString();
  try {
    const window = await evidenceWindow(deps, incident, env.deployLookbackMs, env.metrics);
    const readings = await readSeries(
      deps.evidence.source,
      env.metrics,
      window.baselineFrom,
      window.now,
      signal,
    );
    const assessed = assessMetrics(readings, window);
    if ('unavailable' in assessed)
      return { evidence: { status: 'unavailable', readAt, reason: assessed.unavailable }, window, readings };
    return { evidence: assessed, window, readings };
  } catch (error) {
    const reason =
      error instanceof MetricsUnavailableError
        ? error.message
        : `reading the metrics failed (${String(error)})`;
    if (!(error instanceof MetricsUnavailableError))
      deps.logger.warn({ err: error, service: incident.service }, 'reading the metrics failed');
    return { evidence: { status: 'unavailable', readAt, reason } };
  }
}

/** Evidence that arrived after the card: stored if the card still waits for it, then shown. */
async function finishLate(deps: FlowDeps, incidentId: string, work: Promise<EvidenceReading | undefined>) {
  const reading = await work;
  if (!reading) return;
  const changed = await deps.store.mutate(incidentId, (current) => {
    if (current.evidence?.status !== 'pending') return { unchanged: true as const, result: false };
    return { incident: { ...current, evidence: reading.evidence }, events: [], result: true };
  });
  if (!changed) return;
  await refreshViews(deps, incidentId);
  await postEvidenceChart(deps, incidentId, reading, 'assessment');
}

function finishInBackground(
  deps: FlowDeps,
  incidentId: string,
  work: () => Promise<EvidenceReading | undefined>,
) {
  return deps.evidence.tasks.runOnce(
    `evidence:${incidentId}`,
    () => finishLate(deps, incidentId, work()),
    (error) => deps.logger.warn({ err: error, incidentId }, 'could not record the late metrics'),
  );
}

/**
 * The evidence a new incident opens with, within the time bound; `afterPosted` posts the chart
 * (or finishes a late reading) once the card exists.
 */
export async function measureIncident(
  deps: FlowDeps,
  incident: Incident,
): Promise<{ evidence?: Evidence; afterPosted?: () => void }> {
  const { evidence: ports } = deps;
  const work = ports.tasks.track(readEvidence(deps, incident, ports.tasks.signal));
  const reading = await within(work, ports.timeBoundMs);
  if (reading) {
    const chart = () =>
      void ports.tasks.runOnce(
        `evidence-chart:${incident.id}`,
        () => postEvidenceChart(deps, incident.id, reading, 'assessment'),
        (error) => deps.logger.warn({ err: error, incidentId: incident.id }, 'could not post the chart'),
      );
    return { evidence: reading.evidence, afterPosted: chart };
  }
  const env = findEnvironment(deps.catalog, incident.service, incident.environment);
  if (!env?.metrics) return {};
  return {
    evidence: { status: 'pending', since: deps.now().toISOString() },
    afterPosted: () => void finishInBackground(deps, incident.id, () => work),
  };
}

/** Readings a stopped process left pending are read again by the periodic sweep. */
export async function resumePendingEvidence(deps: FlowDeps): Promise<number> {
  let resumed = 0;
  const cutoff = deps.now().getTime() - 2 * deps.evidence.timeBoundMs;
  for (const id of await deps.store.awaitingIds()) {
    if (deps.evidence.tasks.running(`evidence:${id}`)) continue;
    const incident = await deps.store.get(id);
    if (incident?.evidence?.status !== 'pending' || Date.parse(incident.evidence.since) > cutoff) continue;
    if (finishInBackground(deps, id, () => readEvidence(deps, incident, deps.evidence.tasks.signal)))
      resumed++;
  }
  return resumed;
}
