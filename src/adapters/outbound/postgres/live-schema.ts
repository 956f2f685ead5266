/**
 * The live schema over a read-only PostgreSQL session (node-postgres): the catalog of the tables a
 * release's preconditions touch, in a READ ONLY transaction with a statement timeout, with the
 * names passed as query parameters, never spliced into SQL.
 */
import pg from 'pg';
import type { ColumnRef, ColumnState } from '../../../domain/safety/schema-gate.js';
import { LiveSchemaUnavailableError, type LiveSchema } from '../../../flows/ports/live-schema.js';

export interface PostgresLiveSchemaOptions {
  /** Where `urlEnv` names are looked up (main.ts passes process.env). */
  env: Readonly<Record<string, string | undefined>>;
  /** Connect and query limit. Default 5 s. */
  timeoutMs?: number;
}

interface Row {
  schema: string;
  table: string;
  column: string;
  nullable: boolean;
  has_default: boolean;
  visible: boolean;
}

// Every column of the named tables, with whether the table is on the search path.
const QUERY = `
  SELECT n.nspname AS schema, c.relname AS table, a.attname AS column,
         NOT a.attnotnull AS nullable, a.atthasdef AS has_default, pg_table_is_visible(c.oid) AS visible
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND c.relname = ANY($1::text[])`;

export class PostgresLiveSchema implements LiveSchema {
  private readonly timeoutMs: number;

  constructor(private readonly options: PostgresLiveSchemaOptions) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async columns(urlEnv: string, refs: readonly ColumnRef[]): Promise<ColumnState[]> {
    const url = this.options.env[urlEnv];
    if (!url) throw new LiveSchemaUnavailableError(`${urlEnv} (the database URL) is not set`);
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: this.timeoutMs,
      statement_timeout: this.timeoutMs,
      application_name: 'rollback-bot schema gate',
    });
    // An unreachable server emits 'error' on the client as well as rejecting connect().
    client.on('error', () => undefined);
    let rows: Row[];
    try {
      await client.connect();
      await client.query('BEGIN READ ONLY');
      rows = (await client.query<Row>(QUERY, [[...new Set(refs.map((ref) => ref.table))]])).rows;
      await client.query('ROLLBACK');
    } catch (error) {
      const failure = error as { code?: string; message?: string };
      throw new LiveSchemaUnavailableError(
        `cannot read the live schema (${failure.code ?? failure.message ?? String(error)})`,
      );
    } finally {
      await client.end().catch(() => undefined);
    }
    return refs.flatMap((ref) => {
      const tableRows = rows.filter(
        (row) => row.table === ref.table && (ref.schema ? row.schema === ref.schema : row.visible),
      );
      if (tableRows.length === 0) return [];
      const row = tableRows.find((candidate) => candidate.column === ref.column);
      return [
        {
          ...ref,
          exists: Boolean(row),
          nullable: row?.nullable ?? false,
          hasDefault: row?.has_default ?? false,
        },
      ];
    });
  }
}
