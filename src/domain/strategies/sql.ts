/**
 * The `sql` strategy, pure: a down migration (or any SQL file) run by psql under an advisory lock,
 * after a pg_dump of every table it touches. Inside one transaction (`--single-transaction` with
 * `pg_advisory_xact_lock`) unless a statement cannot run in one (CREATE INDEX CONCURRENTLY,
 * VACUUM, explicit BEGIN/COMMIT…), then under a session lock. Tables are read from the SQL with
 * PostgreSQL's own parser, so a comment or a string never adds or hides one.
 */
import { parseSql } from '../safety/sql-parser.js';
import { StrategyRefusal, type Resolution, type SqlSpec } from './types.js';

/** One key for every rollback-bot migration: two never run at once against a database. */
export const ADVISORY_LOCK_KEY = 727_120_001;

/** Statements PostgreSQL refuses inside a transaction block. */
function outsideTransaction(node: Record<string, unknown>): boolean {
  const [kind, body] = Object.entries(node)[0] ?? [];
  const fields = (body ?? {}) as Record<string, unknown>;
  if (kind === 'IndexStmt' || kind === 'ReindexStmt')
    return (
      fields.concurrent === true ||
      (fields.params !== undefined && JSON.stringify(fields.params).includes('concurrently'))
    );
  return [
    'VacuumStmt',
    'TransactionStmt',
    'CreatedbStmt',
    'DropdbStmt',
    'AlterSystemStmt',
    'CreateTableSpaceStmt',
  ].includes(kind ?? '');
}

/** Every table a statement names (RangeVar nodes), schema-qualified when the SQL qualifies it. */
function tablesIn(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) tablesIn(item, into);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  // A RangeVar appears wrapped ({ RangeVar: {…} }) in lists and bare as a typed field (`relation`).
  const range = (record.RangeVar ?? record) as { relname?: unknown; schemaname?: unknown };
  if (typeof range.relname === 'string')
    into.add(typeof range.schemaname === 'string' ? `${range.schemaname}.${range.relname}` : range.relname);
  for (const child of Object.values(record)) tablesIn(child, into);
}

/**
 * Names the file itself brings into being (CTEs, tables it creates): not in the database before it
 * runs, so not in the backup. Unqualified CTE names shadow tables only without a schema.
 */
function namesMadeBy(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) namesMadeBy(item, into);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  const cte = record.CommonTableExpr as { ctename?: unknown } | undefined;
  if (typeof cte?.ctename === 'string') into.add(cte.ctename);
  const createAs = record.CreateTableAsStmt as { into?: { rel?: unknown } } | undefined;
  const created = (record.CreateStmt as { relation?: unknown } | undefined)?.relation ?? createAs?.into?.rel;
  if (created) tablesIn(created, into);
  for (const child of Object.values(record)) namesMadeBy(child, into);
}

/** A pg_dump `--table` pattern matching exactly this table: quoted, so case and `*` are literal. */
function exactTable(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

export function resolveSql(spec: SqlSpec, [sql]: string[], backupPath: string): Resolution {
  const parsed = parseSql(sql ?? '');
  if (!parsed.ok)
    throw new StrategyRefusal(`${spec.file} does not parse as SQL (line ${parsed.line}: ${parsed.message})`);
  if (parsed.statements.length === 0) throw new StrategyRefusal(`${spec.file} holds no SQL statement`);
  const named = new Set<string>();
  const made = new Set<string>();
  for (const statement of parsed.statements) {
    tablesIn(statement.node, named);
    namesMadeBy(statement.node, made);
  }
  const tables = new Set([...named].filter((table) => !made.has(table)));
  const transactional = !parsed.statements.some((statement) => outsideTransaction(statement.node));
  const lock = transactional
    ? `SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_KEY})`
    : `SELECT pg_advisory_lock(${ADVISORY_LOCK_KEY})`;
  const psql = [
    'psql',
    '--no-psqlrc',
    '--no-password',
    '-v',
    'ON_ERROR_STOP=1',
    ...(transactional ? ['--single-transaction'] : []),
    '-c',
    lock,
    '-f',
    spec.file,
  ];
  const dump = [
    'pg_dump',
    '--no-password',
    '--format=custom',
    // A table that is not there fails the dump (and so the step, before psql runs) instead of
    // being left out of the backup without a word.
    '--strict-names',
    '--file',
    backupPath,
    ...[...tables].flatMap((table) => ['--table', exactTable(table)]),
  ];
  return {
    commands: tables.size > 0 ? [dump, psql] : [psql],
    summary:
      `${parsed.statements.length} statement(s) from ${spec.file}${transactional ? ' in one transaction' : ' (not transactional: a statement cannot run in one)'} under advisory lock ${ADVISORY_LOCK_KEY}` +
      (tables.size > 0
        ? `; backup of ${[...tables].join(', ')} first, kept at ${backupPath}`
        : '; it touches no table, so no backup'),
    alreadyThere: false,
  };
}

/**
 * libpq's variables from a database URL, so the password never appears in argv (where the card,
 * the journal and `ps` would show it). psql and pg_dump read them; PGDATABASE is not expanded as
 * a URL by libpq, hence the split.
 */
export function pgEnvironment(name: string, url: string | undefined): Record<string, string> {
  if (!url) throw new StrategyRefusal(`${name} (the database URL) is not set`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StrategyRefusal(`${name} is not a postgres:// URL`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new StrategyRefusal(`${name} is not a postgres:// URL`);
  const env: Record<string, string> = {};
  if (parsed.hostname) env.PGHOST = decodeURIComponent(parsed.hostname);
  if (parsed.port) env.PGPORT = parsed.port;
  if (parsed.username) env.PGUSER = decodeURIComponent(parsed.username);
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}
