/**
 * The verify watch's metrics reader for one incident: the baseline it opened with (or, when the
 * metrics were unavailable then, the same window read now), and instant readings of error rate
 * and p99 from the check's frozen queries.
 */
import { findEnvironment } from '../catalog/load.js';
import { BUILT_IN } from '../catalog/resolve.js';
import { baselineNumbers } from '../domain/evidence/assess-metrics.js';
import type { RedNumbers } from '../domain/evidence/evidence.js';
import type { Incident } from '../domain/incident.js';
import type { MetricsCheckTemplate } from '../domain/plan.js';
import type { FlowDeps } from './deps.js';
import { evidenceWindow, readSeries } from './evidence.js';
import { MetricsUnavailableError } from './ports/metrics-source.js';
import type { MetricsReader } from './verify-metrics.js';

export function metricsReader(deps: FlowDeps, incident: Incident): MetricsReader {
  const source = deps.evidence.source;
  return {
    async baseline(check: MetricsCheckTemplate, signal: AbortSignal): Promise<RedNumbers> {
      if (incident.evidence?.status === 'measured') return incident.evidence.baseline;
      const env = findEnvironment(deps.catalog, incident.service, incident.environment);
      const lookback = env?.deployLookbackMs ?? BUILT_IN.deployLookbackMs;
      const window = await evidenceWindow(
        deps,
        incident,
        lookback,
        check.metrics,
        new Date(incident.createdAt),
      );
      const readings = await readSeries(
        source,
        check.metrics,
        window.baselineFrom,
        window.baselineTo,
        signal,
      );
      const baseline = baselineNumbers(readings, window.baselineFrom, window.baselineTo);
      if (baseline.errorRatePercent === undefined && baseline.p99Ms === undefined)
        throw new MetricsUnavailableError(
          'no error-rate or latency data in the baseline window before the deploy',
        );
      return baseline;
    },
    async current(check: MetricsCheckTemplate, signal: AbortSignal): Promise<RedNumbers> {
      const at = deps.now();
      const [errors, latency, throughput] = await Promise.all([
        source.instant(check.metrics, check.metrics.queries.errorRate, at, signal),
        source.instant(check.metrics, check.metrics.queries.latencyP99, at, signal),
        source.instant(check.metrics, check.metrics.queries.throughput, at, signal),
      ]);
      // No 5xx series while requests flow is 0% (see errorsOrZero).
      const errorRatio = errors[0]?.value ?? ((throughput[0]?.value ?? 0) > 0 ? 0 : undefined);
      const p99Seconds = latency[0]?.value;
      if (errorRatio === undefined && p99Seconds === undefined)
        throw new MetricsUnavailableError('no error-rate or latency data right now');
      return {
        ...(errorRatio !== undefined ? { errorRatePercent: errorRatio * 100 } : {}),
        ...(p99Seconds !== undefined ? { p99Ms: p99Seconds * 1000 } : {}),
      };
    },
  };
}
