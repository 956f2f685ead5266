/**
 * Rollback safety on the assessment card: analyses the release when an incident opens (within a
 * time bound; past it the card says "analysis running" and is updated when done), freezes its
 * consequences on the incident (precondition steps, two-approver override) and shows the report.
 */
import { findEnvironment } from '../catalog/load.js';
import type { KnownBlock } from '@slack/types';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { FlowDeps } from '../flows/deps.js';
import { refreshViews } from '../flows/views.js';
import type { Incident } from '../domain/incident.js';
import { applySafety, pendingSafety } from '../domain/override.js';
import { fillPlaceholders } from '../domain/plan.js';
import { unanalyzedReport } from '../domain/safety/index.js';
import type { SafetyReport } from '../domain/safety/index.js';
import { ensureParserLoaded } from '../domain/safety/sql-parser.js';
import { analyzeIncidentRelease } from '../adapters/release-source/analyze-incident.js';
import { GitReleaseSource, type ReleaseReadLimits } from '../adapters/release-source/git-release-source.js';
import { SafetyReportCache } from '../adapters/release-source/report-cache.js';
import { safetyBlocks } from '../adapters/slack/blocks/safety-section.js';
import { context, escapeMrkdwn, section } from '../adapters/slack/blocks/mrkdwn.js';
import type { DeployStore } from '../adapters/store/deploys.js';

/** Tuning of {@link wireSafety}; the defaults suit production. */
export interface SafetyFeatureOptions {
  /** How long opening an incident waits for the analysis before posting "analysis running". */
  timeBoundMs?: number;
  limits?: ReleaseReadLimits;
}

/** The wired feature: the report cache, and `stop` to wait for analyses still running. */
export interface SafetyFeature {
  reports: SafetyReportCache;
  /** Restarts analyses another process left pending; run at start and by the periodic sweep. */
  resumePending(): Promise<number>;
  stop(): Promise<void>;
}

const DEFAULT_TIME_BOUND_MS = 5_000;

/** Resolves with the value, or undefined when `ms` pass first. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function wireSafety(
  deps: FlowDeps,
  config: Config,
  redis: Redis,
  deploys: DeployStore,
  options: SafetyFeatureOptions = {},
): SafetyFeature {
  const reports = new SafetyReportCache(redis, config.redisPrefix);
  const source = new GitReleaseSource(options.limits);
  const timeBoundMs = options.timeBoundMs ?? DEFAULT_TIME_BOUND_MS;
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  /** Never rejects: a failure is a report that says the analysis could not run. */
  async function analyze(incident: Incident): Promise<SafetyReport> {
    try {
      const service = deps.catalog.services[incident.service];
      const env = service?.environments[incident.environment];
      // The deploy event's commit range stands in when the versions alone do not bound the release.
      const needsRange = !incident.fromVersion || !incident.toVersion;
      const deploy = needsRange
        ? incident.fromVersion
          ? await deploys.get(incident.service, incident.environment, incident.fromVersion)
          : await deploys.latest(incident.service, incident.environment)
        : undefined;
      return await analyzeIncidentRelease(
        source,
        {
          service: incident.service,
          repo: service?.repo,
          fromVersion: incident.fromVersion,
          toVersion: incident.toVersion,
          commitRange: deploy?.commitRange,
          flagPatterns: env?.flagPatterns ?? [],
        },
        shutdown.signal,
      );
    } catch (error) {
      deps.logger.warn({ err: error, incidentId: incident.id }, 'rollback-safety analysis failed');
      const why = error instanceof Error ? error.message : String(error);
      return unanalyzedReport(`The analysis failed (${why}). Rollback safety is unknown.`);
    }
  }

  /** The environment's SQL runner with placeholders filled; none when it cannot be filled. */
  function sqlRunnerFor(incident: Incident): string[] | undefined {
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

  function apply(incident: Incident, report: SafetyReport): Incident {
    const env = findEnvironment(deps.catalog, incident.service, incident.environment);
    return applySafety(incident, report, {
      sqlRunner: sqlRunnerFor(incident),
      stepTimeoutMs: env?.stepTimeoutMs ?? 120_000,
    });
  }

  /** A report that arrived after the card: applied only while nobody could have approved yet. */
  async function finishLate(incidentId: string, work: Promise<SafetyReport>): Promise<void> {
    const report = await work;
    await reports.put(incidentId, report);
    await ensureParserLoaded();
    const changed = await deps.store.mutate(incidentId, (current) => {
      if (current.safety?.verdict !== 'pending') return { unchanged: true as const, result: false };
      const updated =
        current.state === 'awaiting_approval'
          ? apply(current, report)
          : { ...current, safety: { ...current.safety, verdict: report.verdict } };
      return { incident: updated, events: [], result: true };
    });
    if (changed) await refreshViews(deps, incidentId);
  }

  deps.prepareIncident = async (incident) => {
    const work = track(analyze(incident));
    const report = await within(work, timeBoundMs);
    if (report) {
      await reports.put(incident.id, report);
      await ensureParserLoaded();
      return { incident: apply(incident, report) };
    }
    return {
      incident: pendingSafety(incident),
      afterPosted: () => {
        finishing.add(incident.id);
        track(finishLate(incident.id, work))
          .catch((error: unknown) =>
            deps.logger.warn(
              { err: error, incidentId: incident.id },
              'could not record the late safety report',
            ),
          )
          .finally(() => finishing.delete(incident.id));
      },
    };
  };

  const previousExtras = deps.cardExtras;
  deps.cardExtras = async (incident) => {
    const [base, safety] = await Promise.all([previousExtras?.(incident), safetySection(incident)]);
    return safety.length > 0 ? { ...base, safety } : { ...base };
  };

  async function safetySection(incident: Incident): Promise<KnownBlock[]> {
    const record = incident.safety;
    if (!record) return [];
    if (record.verdict === 'pending')
      return [
        section(
          ':hourglass_flowing_sand: *Rollback safety: analysis running* — this card updates when it is done; approvals wait for it.',
        ),
      ];
    const report = await reports.get(incident.id);
    const blocks: KnownBlock[] = report
      ? safetyBlocks(report)
      : [section(`*Rollback safety: ${record.verdict}* (the full report is no longer kept).`)];
    if (record.override && record.why)
      blocks.unshift(section(`:rotating_light: ${escapeMrkdwn(record.why)}`));
    const added = incident.plan.steps.filter((step) => /^p\d+$/.test(step.id)).length;
    if (added > 0)
      blocks.push(
        context(
          `The plan below runs the ${added} precondition step(s) first, through the catalog's sqlRunner.`,
        ),
      );
    return blocks;
  }

  /** Incidents whose late analysis this process is still running. */
  const finishing = new Set<string>();

  /**
   * Picks up analyses left pending by a process that stopped (a restart, a crash): until the
   * report lands, nobody can approve, so an orphaned "analysis running" would block the rollback.
   */
  async function resumePending(): Promise<number> {
    let resumed = 0;
    const cutoff = Date.now() - 2 * timeBoundMs;
    for (const id of await deps.store.awaitingIds()) {
      if (finishing.has(id)) continue;
      const incident = await deps.store.get(id);
      if (incident?.safety?.verdict !== 'pending' || Date.parse(incident.createdAt) > cutoff) continue;
      finishing.add(id);
      resumed++;
      track(finishLate(id, track(analyze(incident))))
        .catch((error: unknown) =>
          deps.logger.warn({ err: error, incidentId: id }, 'could not finish the safety report'),
        )
        .finally(() => finishing.delete(id));
    }
    return resumed;
  }

  return {
    reports,
    resumePending,
    async stop() {
      shutdown.abort(new Error('the bot is stopping'));
      await Promise.allSettled([...inFlight]);
    },
  };
}
