/** Writing SQL for remediations: identifiers quoted only when PostgreSQL needs it, safe default literals. */
import { createRequire } from 'node:module';
import type * as DeparserModule from 'pgsql-deparser';

// Reserved words that cannot be bare column or table names (the common ones in schemas).
const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_catalog current_date current_role current_time current_timestamp current_user default deferrable ' +
    'desc distinct do else end except false fetch for foreign from grant group having in initially intersect ' +
    'into lateral leading limit localtime localtimestamp not null offset on only or order placing primary ' +
    'references returning select session_user some symmetric table then to trailing true union unique user ' +
    'using variadic when where window with'
  ).split(' '),
);

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `schema.table`, leaving out `public` (the default search path) to read like the migration did. */
export function qualifiedName(schema: string, name: string): string {
  return schema === 'public' ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** A string literal, with quotes doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

const NUMERIC_TYPES = new Set([
  'int2',
  'int4',
  'int8',
  'smallint',
  'integer',
  'int',
  'bigint',
  'numeric',
  'decimal',
  'float4',
  'float8',
  'real',
  'double precision',
  'money',
]);
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'char', 'character varying', 'citext', 'name']);
const TIMESTAMP_TYPES = new Set(['timestamp', 'timestamptz']);

/**
 * A default that old inserts can live with, by column type: `'{}'` for json and arrays, `''` for
 * text, `0` for numbers, `false` for booleans, `now()` for timestamps. Undefined when no neutral
 * value exists (the remediation then drops NOT NULL instead).
 */
export function neutralDefault(typeName: string | undefined, isArray = false): string | undefined {
  if (isArray) return "'{}'";
  if (typeName === undefined) return undefined;
  if (typeName === 'json' || typeName === 'jsonb') return "'{}'";
  if (TEXT_TYPES.has(typeName)) return "''";
  if (NUMERIC_TYPES.has(typeName)) return '0';
  if (typeName === 'bool' || typeName === 'boolean') return 'false';
  if (TIMESTAMP_TYPES.has(typeName)) return 'now()';
  if (typeName === 'date') return 'CURRENT_DATE';
  if (typeName === 'uuid') return 'gen_random_uuid()';
  return undefined;
}

type Deparser = typeof DeparserModule;
type DeparseInput = Parameters<Deparser['deparseSync']>[0];
let loadedDeparser: Deparser | undefined;

/**
 * The deparser, loaded on first use: only a finding that restores a default needs it, and a CI
 * run of check-migrations should not pay its import (about 25 ms) when none does.
 */
function deparser(): Deparser {
  loadedDeparser ??= createRequire(import.meta.url)('pgsql-deparser') as Deparser;
  return loadedDeparser;
}

/**
 * An expression node back as SQL (PostgreSQL's own deparser), e.g. a column default to restore;
 * undefined when it cannot be written back.
 */
export function expressionSql(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  try {
    const sql = deparser()
      .deparseSync(node as DeparseInput)
      .trim();
    return sql === '' ? undefined : sql;
  } catch {
    return undefined;
  }
}
