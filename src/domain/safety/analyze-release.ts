/**
 * One rollback-safety report for a release: migrations, dependencies, feature flags and
 * configuration, from the files the release changed. Without any source the report says the
 * analysis could not run; it never calls an unseen release safe.
 */
import { analyzeMigrations } from './analyze-migrations.js';
import type { MigrationSource } from './analyze-migrations.js';
import { readerFor } from './dependency-manifests.js';
import { diffManifest, findCallSites } from './dependencies.js';
import { diffEnvironmentReads } from './config.js';
import type { FlagPattern } from './flags.js';
import { findIntroducedFlags } from './flags.js';
import { flagReach } from './flag-reach.js';
import { RULES } from './rules.js';
import type {
  CallSite,
  DependencyChange,
  FileReport,
  Finding,
  ReleaseInput,
  SafetyReport,
  Verdict,
} from './types.js';
import { verdictOf, worseVerdict } from './verdict.js';

export interface AnalyzeReleaseOptions {
  /** The catalog's extra flag patterns, compiled with `compileFlagPatterns`. */
  flagPatterns?: readonly FlagPattern[];
  /** Old-version source files to search for call sites; defaults to the release files' old text. */
  oldSources?: readonly { path: string; content: string }[];
  /** Why no source was available, for the card (used when `input` is undefined or empty). */
  unavailableReason?: string;
}

const isMigration = (path: string): boolean => /\.sql$/i.test(path);

/** A report that says nothing was analysed, with the reason; never safe. */
export function unanalyzedReport(reason: string): SafetyReport {
  return {
    analyzed: false,
    reason,
    verdict: 'unknown',
    files: [],
    preconditions: [],
    alternatives: [],
    dependencies: [],
    flags: [],
    config: [],
  };
}

export async function analyzeRelease(
  input: ReleaseInput | undefined,
  options: AnalyzeReleaseOptions = {},
): Promise<SafetyReport> {
  if (!input || input.files.length === 0)
    return unanalyzedReport(
      options.unavailableReason ??
        'No release source was available (no repo in the catalog, no files in the deploy event): rollback safety is unknown.',
    );
  const files = input.files;
  const migrations: MigrationSource[] = files
    .filter((file) => isMigration(file.path) && file.status === 'added' && file.after !== undefined)
    .map((file) => ({ path: file.path, content: file.after ?? '' }));
  const migrationAnalysis = await analyzeMigrations(migrations);
  const reports: FileReport[] = [...migrationAnalysis.files];
  const addFindings = (path: string, findings: Finding[]): void => {
    if (findings.length === 0) return;
    const existing = reports.find((report) => report.path === path);
    if (existing) {
      existing.findings.push(...findings);
      existing.verdict = verdictOf(existing.findings);
    } else reports.push({ path, verdict: verdictOf(findings), findings });
  };

  for (const file of files.filter((f) => isMigration(f.path) && f.status === 'modified'))
    addFindings(file.path, [
      {
        rule: 'modified-migration',
        severity: RULES['modified-migration'].severity,
        message: `${file.path} was already applied and is edited by this release: tools do not re-run it.`,
        remediation:
          'Put the change in a new migration; check the database matches what both versions expect.',
      },
    ]);

  const oldSources =
    options.oldSources ??
    files.flatMap((file) => (file.before === undefined ? [] : [{ path: file.path, content: file.before }]));
  const releasePaths = new Set(files.map((file) => file.path));
  const dependencies: DependencyChange[] = [];
  for (const file of files.filter((f) => readerFor(f.path))) {
    const changes = diffManifest(file.path, file.before, file.after);
    for (const change of changes) {
      if (!change.major) continue;
      change.callSites = findCallSites(change.ecosystem, change.name, oldSources);
      const unmigrated = untouchedSites(change.callSites, releasePaths);
      if (unmigrated.length > 0) change.unmigrated = unmigrated;
    }
    dependencies.push(...changes);
    addFindings(file.path, changes.filter((change) => change.major).map(majorBumpFinding));
  }

  const flags = findIntroducedFlags(files, options.flagPatterns).map((flag) => {
    const reach = flagReach(flag.key, files);
    return reach.frontendOnly
      ? { ...flag, frontendOnly: { checkedIn: reach.checkedIn, unguardedBackend: reach.unguardedBackend } }
      : flag;
  });
  for (const flag of flags)
    addFindings(flag.path, [
      flag.frontendOnly
        ? {
            rule: 'flag-frontend-only',
            severity: 'warning',
            message: `Feature flag "${flag.key}" is checked only in frontend code (${listPaths(flag.frontendOnly.checkedIn)}), while the release changes backend code that runs whatever the flag says (${listPaths(flag.frontendOnly.unguardedBackend)}): turning it off will not stop server-side errors.`,
            remediation: `Do not count on "${flag.key}" to stop the errors: roll back or fix forward the backend change.`,
            line: flag.line,
          }
        : {
            rule: 'flag-introduced',
            severity: 'info',
            message: `New feature flag "${flag.key}" (${flag.sdk}).`,
            remediation: `If the failing code sits behind "${flag.key}", turn the flag off instead of rolling back.`,
            line: flag.line,
          },
    ]);

  const config = diffEnvironmentReads(files);
  for (const change of config)
    addFindings(change.path, [
      change.change === 'added'
        ? {
            rule: 'env-var-added',
            severity: 'info',
            message: `The new version reads ${change.name}, the old one does not: check production sets it (a missing variable is a common cause).`,
            remediation: `Set ${change.name} and restart, if that is the cause; rolling back ignores it.`,
            line: change.line,
          }
        : {
            rule: 'env-var-removed',
            severity: 'warning',
            message: `Only the old version reads ${change.name}: if it was removed from the environment with this release, the old version starts without it.`,
            remediation: `Make sure ${change.name} is still set before rolling back (configuration rolls back separately).`,
            line: change.line,
          },
    ]);

  const verdict = reports.reduce<Verdict>((worst, report) => worseVerdict(worst, report.verdict), 'safe');
  return {
    analyzed: true,
    verdict,
    files: reports,
    preconditions: migrationAnalysis.preconditions,
    // A flag that gates only the frontend is not offered as the way out.
    alternatives: alternativesFor(
      verdict,
      flags.filter((flag) => !flag.frontendOnly).map((flag) => flag.key),
    ),
    dependencies,
    flags,
    config,
  };
}

/** A source line cut at a word, so a quoted call never ends mid-identifier. */
function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const space = cut.lastIndexOf(' ');
  return `${space > limit / 2 ? cut.slice(0, space) : cut}…`;
}

function listPaths(paths: string[]): string {
  return `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`;
}

/** What shows the old API best: a call (0), then making the client (1), then the import (2). */
function siteRank(site: CallSite): number {
  if (/^\s*(?:import\b|from\b|const\s.*require\(|require\b)/.test(site.text)) return 2;
  return /=\s*(?:await\s+)?new\s/.test(site.text) ? 1 : 0;
}

/** One site per file the release left alone: a use of the package if the file has one, else its import. */
function untouchedSites(sites: readonly CallSite[], releasePaths: ReadonlySet<string>): CallSite[] {
  const byFile = new Map<string, CallSite>();
  for (const site of sites) {
    if (releasePaths.has(site.path)) continue;
    const kept = byFile.get(site.path);
    if (!kept || siteRank(site) < siteRank(kept)) byFile.set(site.path, site);
  }
  return [...byFile.values()];
}

function majorBumpFinding(change: DependencyChange): Finding {
  const sites = change.callSites ?? [];
  const unmigrated = change.unmigrated ?? [];
  const where = unmigrated.length
    ? ` The new version still uses it the old way in files this release did not touch: ${listPaths(
        unmigrated.map((site) => `${site.path}:${site.line} (${clip(site.text, 60)})`),
      )}.`
    : sites.length
      ? ` The old version uses it at ${listPaths(sites.map((site) => `${site.path}:${site.line}`))}.`
      : '';
  return {
    rule: 'major-dependency-bump',
    severity: 'warning',
    message: `${change.name} ${change.from ?? '?'} → ${change.to ?? '?'} is a major upgrade: partly migrated call sites fail on untested paths.${where}`,
    remediation:
      'Check data the new major version wrote (caches, queues, serialised formats) is readable by the old one before rolling back.',
  };
}

/** Less destructive options, least destructive first. */
function alternativesFor(verdict: Verdict, flagKeys: string[]): string[] {
  const alternatives = flagKeys.map((key) => `Turn off feature flag "${key}" instead of rolling back.`);
  if (verdict === 'unsafe')
    alternatives.push(
      'Fix forward: ship a fix on top of this release; rolling the code back breaks it or loses data.',
    );
  if (verdict === 'conditional')
    alternatives.push('Run the precondition steps first, then roll back; or fix forward.');
  return alternatives;
}
