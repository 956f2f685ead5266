/**
 * After a rollback: the same chart as the assessment's, read again up to now, with the rollback
 * and the recovery (the first reading of the metrics watch back within tolerance) marked.
 */
import { findEnvironment } from '../catalog/load.js';
import type { Incident } from '../domain/incident.js';
import type { TimelineEvent } from '../domain/timeline.js';
import type { FlowDeps } from './deps.js';
import { evidenceWindow, readSeries } from './evidence.js';
import { postEvidenceChart } from './evidence-chart.js';
import type { ChartMarker } from './ports/charts.js';

function rollbackMarkers(events: TimelineEvent[]): ChartMarker[] {
  const markers: ChartMarker[] = [];
  const started = events.find((e) => e.type === 'rollback_started');
  if (started) markers.push({ at: Date.parse(started.at), label: 'rollback' });
  const recovered = events.find((e) => e.type === 'verify_watching' && e.within);
  if (recovered) markers.push({ at: Date.parse(recovered.at), label: 'recovered' });
  return markers;
}

/** Posts the after-rollback chart once; nothing when the environment has no metrics or no rollback ran. */
export async function postRecoveryChart(
  deps: FlowDeps,
  incident: Incident,
  events: TimelineEvent[],
): Promise<void> {
  const env = findEnvironment(deps.catalog, incident.service, incident.environment);
  if (!env?.metrics || !incident.evidence || !events.some((e) => e.type === 'rollback_started')) return;
  const window = await evidenceWindow(
    deps,
    incident,
    env.deployLookbackMs,
    env.metrics,
    new Date(incident.createdAt),
  );
  const readings = await readSeries(deps.evidence.source, env.metrics, window.baselineFrom, window.now);
  await postEvidenceChart(
    deps,
    incident.id,
    { evidence: incident.evidence, window, readings },
    'after-rollback',
    rollbackMarkers(events),
  );
}
