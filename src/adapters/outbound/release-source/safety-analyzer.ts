/**
 * The rollback-safety analysis of an incident's release, read from the service's git repository:
 * the versions bound the release, or the deploy event's commit range when they do not.
 */
import type { Logger } from 'pino';
import type { Catalog } from '../../../catalog/types.js';
import type { Incident } from '../../../domain/incident.js';
import { unanalyzedReport, type SafetyReport } from '../../../domain/safety/index.js';
import type { DeployStore } from '../store/deploys.js';
import { analyzeIncidentRelease } from './analyze-incident.js';
import { GitReleaseSource, type ReleaseReadLimits } from './git-release-source.js';

export class GitSafetyAnalyzer {
  private readonly source: GitReleaseSource;

  constructor(
    private readonly catalog: Catalog,
    private readonly deploys: Pick<DeployStore, 'get' | 'latest'>,
    private readonly logger: Logger,
    limits?: ReleaseReadLimits,
  ) {
    this.source = new GitReleaseSource(limits);
  }

  /** Never rejects: a failure is a report that says the analysis could not run. */
  async analyze(incident: Incident, signal: AbortSignal): Promise<SafetyReport> {
    try {
      const service = this.catalog.services[incident.service];
      const env = service?.environments[incident.environment];
      const needsRange = !incident.fromVersion || !incident.toVersion;
      const deploy = needsRange
        ? incident.fromVersion
          ? await this.deploys.get(incident.service, incident.environment, incident.fromVersion)
          : await this.deploys.latest(incident.service, incident.environment)
        : undefined;
      return await analyzeIncidentRelease(
        this.source,
        {
          service: incident.service,
          repo: service?.repo,
          fromVersion: incident.fromVersion,
          toVersion: incident.toVersion,
          commitRange: deploy?.commitRange,
          flagPatterns: env?.flagPatterns ?? [],
        },
        signal,
      );
    } catch (error) {
      this.logger.warn({ err: error, incidentId: incident.id }, 'rollback-safety analysis failed');
      const why = error instanceof Error ? error.message : String(error);
      return unanalyzedReport(`The analysis failed (${why}). Rollback safety is unknown.`);
    }
  }
}
