/**
 * The rollback-safety report for one incident: find the release (catalog repo and versions, or
 * the deploy event's commit range), read it from git, analyse it. Every way of not knowing ends
 * in an "could not be analysed" report with the reason in words — never in "safe".
 */
import { analyzeRelease, compileFlagPatterns, unanalyzedReport } from '../../../domain/safety/index.js';
import type { FlagPattern, SafetyReport } from '../../../domain/safety/index.js';
import type { GitReleaseSource, ReleaseRead } from './git-release-source.js';
import { ReleaseSourceError } from './git.js';
import { releaseRange } from './release-range.js';

/** What is known about the release of one incident. */
export interface ReleaseContext {
  service: string;
  /** Absolute path of the service's git checkout (catalog `repo`). */
  repo?: string;
  /** The running (bad) version. */
  fromVersion?: string;
  /** The version rolled back to. */
  toVersion?: string;
  /** From the deploy event of the running version, when CI sent one. */
  commitRange?: string;
  /** The catalog's extra flag patterns (regular expression source text). */
  flagPatterns: readonly string[];
}

const UNKNOWN = 'Rollback safety is unknown.';

/** Valid patterns only: one bad pattern in the catalog must not cost the whole analysis. */
function flagPatternsOf(sources: readonly string[]): FlagPattern[] {
  return sources.flatMap((source) => {
    try {
      return compileFlagPatterns([source]);
    } catch {
      return [];
    }
  });
}

function skippedNote(read: ReleaseRead): SafetyReport['files'] {
  if (read.skipped.length === 0) return [];
  const listed = read.skipped
    .slice(0, 5)
    .map((skip) => `${skip.path} (${skip.why})`)
    .join(', ');
  const more = read.skipped.length > 5 ? ` and ${read.skipped.length - 5} more` : '';
  return [
    {
      path: '(release)',
      verdict: 'safe',
      findings: [
        {
          rule: 'release-partly-read',
          severity: 'info',
          message: `${read.skipped.length} changed file(s) were not analysed: ${listed}${more}.`,
          remediation: 'Review them by hand before rolling back.',
        },
      ],
    },
  ];
}

export async function analyzeIncidentRelease(
  source: GitReleaseSource,
  context: ReleaseContext,
  signal?: AbortSignal,
): Promise<SafetyReport> {
  if (!context.repo)
    return unanalyzedReport(
      `No repo is configured for ${context.service} in the catalog, so the release could not be read. ${UNKNOWN}`,
    );
  const range = releaseRange(context);
  if ('reason' in range) return unanalyzedReport(`${range.reason} ${UNKNOWN}`);

  let read: ReleaseRead;
  try {
    read = await source.read(context.repo, range, signal);
  } catch (error) {
    if (error instanceof ReleaseSourceError) return unanalyzedReport(`${error.message}. ${UNKNOWN}`);
    throw error;
  }
  const unreadMigrations = read.skipped.filter((skip) => /\.sql$/i.test(skip.path));
  if (unreadMigrations.length > 0)
    return unanalyzedReport(
      `Migration(s) ${unreadMigrations.map((skip) => `${skip.path} (${skip.why})`).join(', ')} could not be read. ${UNKNOWN}`,
    );

  const flagPatterns = flagPatternsOf(context.flagPatterns);
  const unavailableReason = `${range.from} and ${range.to} have no readable changes between them: nothing to analyse. ${UNKNOWN}`;
  let report = await analyzeRelease(read.input, { flagPatterns, unavailableReason });
  const majorBumps = report.dependencies.filter((change) => change.major).map((change) => change.name);
  if (majorBumps.length > 0) {
    // Call sites live anywhere in the old version, not only in the files the release touched.
    const mentioning = await source
      .filesMentioning(context.repo, read.fromCommit, majorBumps, signal)
      .catch(() => []);
    const releaseOld = read.input.files.flatMap((file) =>
      file.before === undefined ? [] : [{ path: file.path, content: file.before }],
    );
    const seen = new Set(releaseOld.map((file) => file.path));
    const oldSources = [...releaseOld, ...mentioning.filter((file) => !seen.has(file.path))];
    report = await analyzeRelease(read.input, { flagPatterns, oldSources, unavailableReason });
  }
  return report.analyzed ? { ...report, files: [...report.files, ...skippedNote(read)] } : report;
}
