/**
 * The incident's chart in its thread: error rate and p99 over baseline and incident, with the
 * deploy and the change point marked; after the rollback the same chart again, with the rollback
 * and the recovery marked. Each is uploaded once (files.uploadV2); a failed upload is retried by
 * the next caller, never posted twice.
 */
import type { EvidenceWindow, MetricsReadings } from '../domain/evidence/assess-metrics.js';
import type { Evidence } from '../domain/evidence/evidence.js';
import type { Incident } from '../domain/incident.js';
import type { FlowDeps } from './deps.js';
import { once } from './once.js';
import type { ChartMarker, ChartModel } from './ports/charts.js';

export type ChartPhase = 'assessment' | 'after-rollback';

/** The chart of what was read, with the deploy, change point and any `extra` moments marked. */
export function chartModel(
  incident: Pick<Incident, 'service' | 'environment'>,
  reading: { evidence: Evidence; window: EvidenceWindow; readings: MetricsReadings },
  extra: ChartMarker[] = [],
): ChartModel {
  const { evidence, window, readings } = reading;
  const markers: ChartMarker[] = [];
  if (window.deploy) markers.push({ at: window.deploy.at, label: `deploy ${window.deploy.version}` });
  if (evidence.status === 'measured' && evidence.changePoint)
    markers.push({ at: Date.parse(evidence.changePoint.at), label: `${evidence.changePoint.metric} rose` });
  markers.push(...extra);
  const baseline =
    evidence.status === 'measured' &&
    evidence.baseline.errorRatePercent !== undefined &&
    evidence.baseline.p99Ms !== undefined
      ? { errorRatePercent: evidence.baseline.errorRatePercent, p99Ms: evidence.baseline.p99Ms }
      : undefined;
  return {
    title: `${incident.service}/${incident.environment}: error rate and p99`,
    errorRatePercent: readings.errorRatio.map((p) => ({ at: p.at, value: p.value * 100 })),
    p99Ms: readings.p99Seconds.map((p) => ({ at: p.at, value: p.value * 1000 })),
    ...(baseline ? { baseline } : {}),
    markers,
  };
}

const COMMENTS: Record<ChartPhase, string> = {
  assessment: 'Error rate and p99 against the baseline before the deploy.',
  'after-rollback': 'After the rollback: error rate and p99 against the same baseline.',
};

/** Uploads the chart into the incident's thread, once per phase; skipped without data or a card. */
export async function postEvidenceChart(
  deps: FlowDeps,
  incidentId: string,
  reading: { evidence: Evidence; window?: EvidenceWindow; readings?: MetricsReadings },
  phase: ChartPhase,
  extra: ChartMarker[] = [],
): Promise<void> {
  const { window, readings } = reading;
  if (!window || !readings || (readings.errorRatio.length === 0 && readings.p99Seconds.length === 0)) return;
  const incident = await deps.store.get(incidentId);
  const threadTs = incident?.messageTs;
  if (!incident || !threadTs) return;
  const model = chartModel(incident, { evidence: reading.evidence, window, readings }, extra);
  await once(deps.store, deps.logger, `chart-${phase}:${incidentId}`, incidentId, async () => {
    const started = Date.now();
    const { png } = await deps.evidence.charts.render(model);
    deps.logger.debug({ incidentId, ms: Date.now() - started, bytes: png.length }, 'chart rendered');
    return deps.slack.files.uploadV2({
      channel_id: incident.channel,
      thread_ts: threadTs,
      file: png,
      filename: `${incidentId}-${phase}.png`,
      title: model.title,
      initial_comment: COMMENTS[phase],
    });
  });
}
