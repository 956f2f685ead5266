/**
 * The shapes of a rollback-safety analysis: what the card, the CLI and the plan builder read.
 * A verdict answers one question: can the PREVIOUS application version run against the database,
 * dependencies and configuration this release left behind?
 */

/** `conditional`: safe once the named precondition steps ran; `unsafe`: do something else. */
export type Verdict = 'safe' | 'conditional' | 'unsafe';

/** The report's verdict; `unknown` only when nothing could be analysed (never read as safe). */
export type ReportVerdict = Verdict | 'unknown';

/**
 * How much a finding weighs. `unsafe` and `conditional` decide the verdict; `warning` and `info`
 * are shown to the responder but never block (e.g. a missing down migration does not stop a
 * code rollback).
 */
export type Severity = 'unsafe' | 'conditional' | 'warning' | 'info';

/** One thing the analysis noticed, tied to a file and (when known) a 1-based line. */
export interface Finding {
  /** Stable id such as `add-column-not-null-no-default`; see `RULES`. */
  rule: string;
  severity: Severity;
  /** Why it matters, in a responder's words. */
  message: string;
  /** What to do instead or first; contains runnable SQL when there is some. */
  remediation: string;
  /** 1-based line of the statement that caused it. */
  line?: number;
  /** Runnable SQL of the remediation, one statement, without a trailing semicolon. */
  sql?: string;
}

/** A step that makes a `conditional` release safe to roll back; run it before the rollback. */
export interface Precondition {
  sql: string;
  why: string;
}

/** How a migration file is organised; decides which part is "up" and whether a "down" exists. */
export type MigrationLayout = 'plain' | 'up-down-pair' | 'dbmate' | 'goose' | 'flyway';

export interface FileReport {
  path: string;
  verdict: Verdict;
  findings: Finding[];
  /** Only for migrations. */
  layout?: MigrationLayout;
  /** `down` for reverse migrations (never replayed against the schema). */
  direction?: 'up' | 'down';
}

/** A package whose version changed between the two versions. */
export interface DependencyChange {
  ecosystem: 'npm' | 'go' | 'pypi' | 'rubygems' | 'maven';
  name: string;
  /** Absent when the package was added. */
  from?: string;
  /** Absent when the package was removed. */
  to?: string;
  /** True when the major version went up (for 0.x: the minor). */
  major: boolean;
  /** The manifest or lock file that shows it. */
  manifest: string;
  /** Where the old version uses the package (major bumps only). */
  callSites?: CallSite[];
  /**
   * Call sites in files the release did not touch: the NEW version still runs them, written for
   * the old major version (one per file, a use rather than the import when there is one).
   */
  unmigrated?: CallSite[];
}

/** Where the old version uses a package (an import or a use of what it imported). */
export interface CallSite {
  path: string;
  line: number;
  text: string;
}

/** A feature-flag key the release introduced: turning it off may beat a rollback. */
export interface IntroducedFlag {
  key: string;
  path: string;
  line: number;
  /** Which SDK pattern matched, e.g. `launchdarkly`, or `custom`. */
  sdk: string;
  /**
   * Checked only in frontend code while the release changed backend code that never checks it:
   * turning it off does not stop server-side errors. Lists those backend files.
   */
  frontendOnly?: { checkedIn: string[]; unguardedBackend: string[] };
}

/** An environment variable read by only one of the two versions. */
export interface ConfigChange {
  name: string;
  /** `added`: only the new version reads it; `removed`: only the old one does. */
  change: 'added' | 'removed';
  path: string;
  line: number;
}

/** Everything the card needs to say whether rolling back is safe, and what to do otherwise. */
export interface SafetyReport {
  /** False when no release source was available: the verdict is then `unknown`, never safe. */
  analyzed: boolean;
  /** Why the analysis could not run (only when `analyzed` is false). */
  reason?: string;
  verdict: ReportVerdict;
  files: FileReport[];
  /** Steps to run before rolling back a `conditional` release, in order. */
  preconditions: Precondition[];
  /** Less destructive options than a rollback (turn a flag off, fix forward…). */
  alternatives: string[];
  dependencies: DependencyChange[];
  flags: IntroducedFlag[];
  config: ConfigChange[];
  /** What the live database showed of the preconditions, when it was read. */
  liveSchema?: { inEffect: string[]; missing: string[]; error?: string };
}

/** One file of a release, as a diff between two versions shows it. */
export interface ReleaseFile {
  path: string;
  status: 'added' | 'modified' | 'deleted';
  before?: string;
  after?: string;
}

/** What the release changed; `undefined` or no files means no source was available. */
export interface ReleaseInput {
  files: ReleaseFile[];
}
