/**
 * The stable rule ids of the migration analysis and what each one weighs. Ids are part of the
 * CLI's JSON output: add new ones, never rename.
 */
import type { Severity } from './types.js';

export interface RuleInfo {
  severity: Severity;
  /** One line: what breaks for the previous version, or what reversing would lose. */
  summary: string;
}

const FIX_FORWARD =
  'Do not roll the code back: fix forward, or turn off the feature flag that uses the change.';

export const RULES = {
  'add-column-not-null-no-default': {
    severity: 'conditional',
    summary:
      'a column ends the release NOT NULL without a default: the old version inserts without it and fails',
  },
  'set-not-null': {
    severity: 'conditional',
    summary: 'an existing column became NOT NULL: old writes of NULL fail',
  },
  'add-check-constraint': {
    severity: 'conditional',
    summary: 'a new CHECK constraint may reject old writes',
  },
  'add-unique': {
    severity: 'conditional',
    summary: 'a new UNIQUE constraint or index may reject old writes',
  },
  'add-foreign-key': { severity: 'conditional', summary: 'a new FOREIGN KEY may reject old writes' },
  'add-primary-key': { severity: 'conditional', summary: 'a new PRIMARY KEY may reject old writes' },
  'add-exclusion-constraint': {
    severity: 'conditional',
    summary: 'a new EXCLUDE constraint may reject old writes',
  },
  'drop-table': { severity: 'unsafe', summary: 'a table the old version uses is gone, with its data' },
  'drop-column': { severity: 'unsafe', summary: 'a column the old version may use is gone, with its data' },
  'rename-table': { severity: 'unsafe', summary: 'a table or view was renamed: old reads and writes fail' },
  'rename-column': { severity: 'unsafe', summary: 'a column was renamed: old reads and writes fail' },
  'rename-schema': { severity: 'unsafe', summary: 'a schema was renamed: old reads and writes fail' },
  'set-schema': { severity: 'unsafe', summary: 'a table moved to another schema: old reads and writes fail' },
  'narrowing-type-change': {
    severity: 'unsafe',
    summary: 'a column type changed in a way not proven widening: old writes may fail or data was converted',
  },
  'comparison-semantics-change': {
    severity: 'unsafe',
    summary:
      'a column type change keeps the values but changes how they compare: old lookups or uniqueness break',
  },
  'drop-view': { severity: 'unsafe', summary: 'a view the old version may read is gone' },
  'drop-schema': { severity: 'unsafe', summary: 'a schema and everything in it is gone' },
  'drop-type': { severity: 'unsafe', summary: 'a type the old version may use is gone' },
  'rename-enum-value': {
    severity: 'unsafe',
    summary: 'an enum label was renamed: old writes of the old label fail',
  },
  'drop-default': {
    severity: 'warning',
    summary: 'an existing column lost its default: old inserts that relied on it fail if it is NOT NULL',
  },
  'rename-shim': {
    severity: 'warning',
    summary:
      'a rename is followed by a view or column under the old name: the old version keeps working through it',
  },
  'generated-not-null': {
    severity: 'conditional',
    summary:
      'a new generated column is NOT NULL but its expression can be NULL: old inserts that leave its inputs NULL fail',
  },
  'drop-default-not-null': {
    severity: 'conditional',
    summary: 'a NOT NULL column lost its default: old inserts that omit it fail until the default is back',
  },
  // Not knowing is not safe: the block may drop or rename anything, so a human must look at it.
  'unanalyzed-do-block': {
    severity: 'conditional',
    summary: 'a DO block runs code this analysis cannot see into: review it by hand before rolling back',
  },
  'unanalyzed-statement': {
    severity: 'conditional',
    summary: 'a statement this analysis does not model touches an existing object: a human must judge it',
  },
  truncate: {
    severity: 'unsafe',
    summary:
      'a table the old version uses was emptied: its rows are gone, a rollback does not bring them back',
  },
  'detach-partition': {
    severity: 'unsafe',
    summary: 'a partition was detached: the old version no longer sees its rows through the parent table',
  },
  'domain-constraint': {
    severity: 'conditional',
    summary: 'a domain gained a NOT NULL or CHECK: old writes through columns of that domain may fail',
  },
  'missing-down-migration': { severity: 'warning', summary: 'this migration has no down migration' },
  'down-migration-drops-data': {
    severity: 'warning',
    summary: 'the down migration drops data: everything written there since the release is lost',
  },
  'modified-migration': {
    severity: 'warning',
    summary: 'an already-applied migration was edited: tools do not re-run it, so the database may differ',
  },
  'major-dependency-bump': {
    severity: 'warning',
    summary: 'a dependency moved to a new major version: check what it wrote is readable by the old one',
  },
  'flag-introduced': {
    severity: 'info',
    summary: 'the release added a feature flag: turning it off may beat a rollback',
  },
  'flag-frontend-only': {
    severity: 'warning',
    summary:
      'the new flag is checked only in frontend code while backend code changed unguarded: turning it off will not stop server errors',
  },
  'env-var-added': {
    severity: 'info',
    summary: 'the new version reads an environment variable the old one did not',
  },
  'env-var-removed': { severity: 'warning', summary: 'only the old version reads this environment variable' },
  'parse-error': {
    severity: 'unsafe',
    summary: 'the file does not parse as PostgreSQL, so nothing about it can be proven safe',
  },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

/** Remediation text shared by the rules that only fixing forward resolves. */
export const FIX_FORWARD_ADVICE = FIX_FORWARD;
