/** The rollback-safety analysis: what flows, the CLI and the card builders import. */
export { analyzeRelease, unanalyzedReport } from './analyze-release.js';
export type { AnalyzeReleaseOptions } from './analyze-release.js';
export { analyzeMigrations } from './analyze-migrations.js';
export type { MigrationAnalysis, MigrationSource } from './analyze-migrations.js';
export { compareMigrationOrder, detectLayout } from './migration-layouts.js';
export { diffManifest, findCallSites, isMajorBump } from './dependencies.js';
export {
  compileFlagPatterns,
  DEFAULT_FLAG_PATTERNS,
  FlagPatternError,
  findIntroducedFlags,
} from './flags.js';
export type { FlagPattern } from './flags.js';
export { diffEnvironmentReads } from './config.js';
export { RULES } from './rules.js';
export type { RuleId } from './rules.js';
export { atOrAbove, verdictOf } from './verdict.js';
export type * from './types.js';
