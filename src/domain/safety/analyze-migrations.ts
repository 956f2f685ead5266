/**
 * The migration analysis of a release: every file parsed with the real PostgreSQL grammar, the
 * "up" parts replayed in migration order into one schema state, the "down" parts checked for
 * data loss, and per-file verdicts plus the preconditions a `conditional` rollback needs.
 */
import { asArray, asObject, nodeKind, stringList, stringValue } from './ast.js';
import { evaluateEndState } from './end-state.js';
import type { MigrationFileLayout } from './migration-layouts.js';
import { compareMigrationOrder, detectLayout } from './migration-layouts.js';
import { SchemaState } from './schema-state.js';
import type { LocatedFinding } from './schema-state.js';
import { replayStatement } from './schema-replay.js';
import { ensureParserLoaded, parseSql } from './sql-parser.js';
import type { ParsedStatement } from './sql-parser.js';
import type { FileReport, Finding, Precondition } from './types.js';
import { verdictOf } from './verdict.js';

/** A migration file's path and text. */
export interface MigrationSource {
  path: string;
  content: string;
}

export interface MigrationAnalysis {
  /** In migration order. */
  files: FileReport[];
  preconditions: Precondition[];
}

interface PreparedFile {
  source: MigrationSource;
  layout: MigrationFileLayout;
  up: ParsedStatement[];
  down: ParsedStatement[] | undefined;
}

export interface AnalyzeMigrationsOptions {
  /**
   * The migrations before the release, replayed first (in migration order) for the schema the
   * release starts from: which columns exist, which are NOT NULL, their defaults. Never reported.
   */
  history?: readonly MigrationSource[];
}

/** Analyses a release's migrations as a whole; the order of `sources` does not matter. */
export async function analyzeMigrations(
  sources: readonly MigrationSource[],
  options: AnalyzeMigrationsOptions = {},
): Promise<MigrationAnalysis> {
  await ensureParserLoaded();
  const state = new SchemaState();
  replayHistory(state, options.history ?? []);
  const ordered = [...sources].sort((a, b) => compareMigrationOrder(a.path, b.path));
  const prepared = ordered.map((source) => prepareFile(source, state));
  for (const file of prepared)
    for (const statement of file.up)
      replayStatement(state, statement.node, { file: file.source.path, line: statement.line });
  evaluateEndState(state);
  for (const file of prepared) checkDownMigration(file, prepared, state);
  return buildReports(prepared, state.findings);
}

function replayHistory(state: SchemaState, history: readonly MigrationSource[]): void {
  if (history.length === 0) return;
  const ordered = [...history].sort((a, b) => compareMigrationOrder(a.path, b.path));
  for (const file of ordered.map((source) => prepareFile(source, state)))
    for (const statement of file.up)
      replayStatement(state, statement.node, { file: file.source.path, line: statement.line });
  state.settleAsHistory();
}

function prepareFile(source: MigrationSource, state: SchemaState): PreparedFile {
  const layout = detectLayout(source.path, source.content);
  const file: PreparedFile = { source, layout, up: [], down: undefined };
  for (const section of layout.sections) {
    // An empty file or section (e.g. a goose file's empty Down) has no statements; the parser
    // would call it an error ("Query cannot be empty").
    if (section.sql.trim() === '') continue;
    const outcome = parseSql(section.sql);
    if (!outcome.ok) {
      state.emit(
        'parse-error',
        { file: source.path, line: outcome.line },
        `Does not parse as PostgreSQL: ${outcome.message}.`,
        'Fix the syntax and check again; until then treat rolling this release back as unsafe.',
      );
      continue;
    }
    if (section.direction === 'up') file.up.push(...outcome.statements);
    else file.down = [...(file.down ?? []), ...outcome.statements];
  }
  return file;
}

/** Down migrations are never replayed; they only matter if someone reverses the migration. */
function checkDownMigration(file: PreparedFile, all: PreparedFile[], state: SchemaState): void {
  const { layout, source } = file;
  const isUpFile = layout.sections.some((section) => section.direction === 'up');
  if (isUpFile && layout.supportsDown && file.up.length > 0) {
    const partner = all.some(
      (other) => other !== file && other.layout.pairKey === layout.pairKey && other.down,
    );
    const ownDown = file.down !== undefined && file.down.length > 0;
    if (!partner && !ownDown && !hasParseError(state, source.path))
      state.emit(
        'missing-down-migration',
        { file: source.path, line: 1 },
        `${source.path} has no down migration: reversing the schema change means writing SQL during the incident.`,
        'Write and review the down migration now, while nobody is paged.',
      );
  }
  for (const statement of file.down ?? []) {
    const dropped = droppedData(statement.node);
    if (dropped)
      state.emit(
        'down-migration-drops-data',
        { file: source.path, line: statement.line },
        `Reversing this migration drops ${dropped}: everything written there since the release is lost.`,
        'Roll back only the code (the schema change is additive), or back the data up first (pg_dump --table).',
      );
  }
}

function hasParseError(state: SchemaState, path: string): boolean {
  return state.findings.some((located) => located.file === path && located.finding.rule === 'parse-error');
}

/** What a down statement destroys, if anything: `table orders` or `column orders.note`. */
function droppedData(node: unknown): string | undefined {
  const kind = nodeKind(node);
  if (!kind) return undefined;
  const [type, stmt] = kind;
  if (type === 'DropStmt' && (stmt.removeType === 'OBJECT_TABLE' || stmt.removeType === 'OBJECT_SCHEMA')) {
    const names = asArray(stmt.objects).map((object) => {
      const parts = stringList(asObject(asObject(object)?.List)?.items);
      return parts.length > 0 ? parts.join('.') : (stringValue(object) ?? '?');
    });
    return `${stmt.removeType === 'OBJECT_TABLE' ? 'table' : 'schema'} ${names.join(', ')}`;
  }
  if (type !== 'AlterTableStmt') return undefined;
  const table = asObject(stmt.relation)?.relname;
  for (const item of asArray(stmt.cmds)) {
    const cmd = asObject(asObject(item)?.AlterTableCmd);
    if (cmd?.subtype === 'AT_DropColumn') return `column ${String(table)}.${String(cmd.name)}`;
  }
  return undefined;
}

function buildReports(prepared: PreparedFile[], findings: LocatedFinding[]): MigrationAnalysis {
  const files: FileReport[] = prepared.map(({ source, layout }) => {
    const own = findings
      .filter((located) => located.file === source.path)
      .map((located) => located.finding)
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const direction = layout.sections.some((section) => section.direction === 'up') ? 'up' : 'down';
    return { path: source.path, verdict: verdictOf(own), findings: own, layout: layout.layout, direction };
  });
  return { files, preconditions: preconditionsOf(files.flatMap((file) => file.findings)) };
}

/** The SQL of `conditional` findings, in release order, each once. */
export function preconditionsOf(findings: readonly Finding[]): Precondition[] {
  const seen = new Set<string>();
  const preconditions: Precondition[] = [];
  for (const finding of findings) {
    if (finding.severity !== 'conditional' || finding.sql === undefined || seen.has(finding.sql)) continue;
    seen.add(finding.sql);
    preconditions.push({ sql: finding.sql, why: finding.message });
  }
  return preconditions;
}
