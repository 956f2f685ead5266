/**
 * Rollback safety when an incident opens: the release is analysed within a time bound; past it
 * the card says "analysis running" and the report is applied when it lands, while nobody could
 * have approved yet. Its consequences (precondition steps, a two-approver override) are frozen on
 * the incident. Analyses a stopped process left pending are resumed by the periodic sweep.
 */
import type { KnownBlock } from '@slack/types';
import { findEnvironment } from '../catalog/load.js';
import type { Incident } from '../domain/incident.js';
import { applySafety, pendingSafety } from '../domain/override.js';
import { fillPlaceholders } from '../domain/plan.js';
import type { SafetyReport } from '../domain/safety/index.js';
import { ensureParserLoaded } from '../domain/safety/sql-parser.js';
import { withAlternatives } from '../domain/alternatives.js';
import { gateRequirements, withLiveSchema } from '../domain/safety/schema-gate.js';
import { LiveSchemaUnavailableError, type LiveSchema } from './ports/live-schema.js';
import { incidentSafetyBlocks } from '../adapters/outbound/slack/blocks/safety-section.js';
import type { BackgroundTasks } from './background.js';
import type { FlowDeps } from './deps.js';
import { refreshViews } from './views.js';
import { within } from './within.js';

/** What the safety flows need; `analyzer` never rejects (a failure is an `unknown` report). */
export interface SafetyPorts {
  analyzer: { analyze(incident: Incident, signal: AbortSignal): Promise<SafetyReport> };
  reports: {
    put(incidentId: string, report: SafetyReport): Promise<void>;
    get(incidentId: string): Promise<SafetyReport | undefined>;
  };
  /** How long opening an incident waits for the analysis before posting "analysis running". */
  timeBoundMs: number;
  tasks: BackgroundTasks;
  /** The live database, read-only: which preconditions are already in effect. */
  liveSchema: LiveSchema;
}

export const DEFAULT_SAFETY_TIME_BOUND_MS = 5_000;

/** The environment's SQL runner with placeholders filled; none when it cannot be filled. */
function sqlRunnerFor(deps: FlowDeps, incident: Incident): string[] | undefined {
  const env = findEnvironment(deps.catalog, incident.service, incident.environment);
  if (!env?.sqlRunner) return undefined;
  try {
    return env.sqlRunner.map((element) =>
      fillPlaceholders(element, { ...incident, incidentId: incident.id }),
    );
  } catch (error) {
    deps.logger.warn({ err: error, incidentId: incident.id }, 'sqlRunner placeholders cannot be filled');
    return undefined;
  }
}

function apply(deps: FlowDeps, incident: Incident, report: SafetyReport): Incident {
  const env = findEnvironment(deps.catalog, incident.service, incident.environment);
  return applySafety(incident, report, {
    sqlRunner: sqlRunnerFor(deps, incident),
    stepTimeoutMs: env?.stepTimeoutMs ?? 120_000,
    databaseConfigured: Boolean(env?.database),
  });
}

/** The release's report, with the live schema read when it has preconditions and a database is named. */
async function analyze(deps: FlowDeps, incident: Incident): Promise<SafetyReport> {
  const { safety } = deps;
  const report = await safety.analyzer.analyze(incident, safety.tasks.signal);
  const database = findEnvironment(deps.catalog, incident.service, incident.environment)?.database;
  if (!database || report.preconditions.length === 0) return report;
  await ensureParserLoaded();
  const { requirements } = gateRequirements(report.preconditions);
  if (requirements.length === 0) return report;
  try {
    return withLiveSchema(report, { states: await safety.liveSchema.columns(database.urlEnv, requirements) });
  } catch (error) {
    const why = error instanceof LiveSchemaUnavailableError ? error.message : String(error);
    deps.logger.warn({ err: error, incidentId: incident.id }, 'could not read the live schema');
    return withLiveSchema(report, { error: why });
  }
}

/** A report that arrived after the card: applied only while nobody could have approved yet. */
async function finishLate(deps: FlowDeps, incidentId: string, work: Promise<SafetyReport>): Promise<void> {
  const report = await work;
  await deps.safety.reports.put(incidentId, report);
  await ensureParserLoaded();
  const changed = await deps.store.mutate(incidentId, (current) => {
    if (current.safety?.verdict !== 'pending') return { unchanged: true as const, result: false };
    // The plan may gain precondition steps: its alternatives are computed again from it.
    const updated =
      current.state === 'awaiting_approval'
        ? withAlternatives(apply(deps, current, report))
        : { ...current, safety: { ...current.safety, verdict: report.verdict } };
    return { incident: updated, events: [], result: true };
  });
  if (changed) await refreshViews(deps, incidentId);
}

function finishInBackground(deps: FlowDeps, incidentId: string, work: () => Promise<SafetyReport>): boolean {
  return deps.safety.tasks.runOnce(
    `safety:${incidentId}`,
    () => finishLate(deps, incidentId, work()),
    (error) => deps.logger.warn({ err: error, incidentId }, 'could not record the late safety report'),
  );
}

/**
 * Adjusts a new incident before it is stored and its card posted; `afterPosted` finishes an
 * analysis that ran past its time bound (it must not update a card that is not posted yet).
 */
export async function prepareIncident(
  deps: FlowDeps,
  incident: Incident,
): Promise<{ incident: Incident; afterPosted?: () => void }> {
  const { safety } = deps;
  const work = safety.tasks.track(analyze(deps, incident));
  const report = await within(work, safety.timeBoundMs);
  if (report) {
    await safety.reports.put(incident.id, report);
    await ensureParserLoaded();
    return { incident: apply(deps, incident, report) };
  }
  return {
    incident: pendingSafety(incident),
    afterPosted: () => void finishInBackground(deps, incident.id, () => work),
  };
}

/**
 * Picks up analyses left pending by a process that stopped (a restart, a crash): until the
 * report lands nobody can approve, so an orphaned "analysis running" would block the rollback.
 */
export async function resumePendingAnalyses(deps: FlowDeps): Promise<number> {
  const { safety } = deps;
  let resumed = 0;
  const cutoff = deps.now().getTime() - 2 * safety.timeBoundMs;
  for (const id of await deps.store.awaitingIds()) {
    if (safety.tasks.running(`safety:${id}`)) continue;
    const incident = await deps.store.get(id);
    if (incident?.safety?.verdict !== 'pending' || Date.parse(incident.createdAt) > cutoff) continue;
    if (finishInBackground(deps, id, () => analyze(deps, incident))) resumed++;
  }
  return resumed;
}

/** The card's safety section, from the cached report. */
export async function safetyCardBlocks(deps: FlowDeps, incident: Incident): Promise<KnownBlock[]> {
  if (!incident.safety) return [];
  const report =
    incident.safety.verdict === 'pending' ? undefined : await deps.safety.reports.get(incident.id);
  return incidentSafetyBlocks(incident, report);
}
