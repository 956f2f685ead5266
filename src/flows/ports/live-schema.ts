/** Reads the live database's columns, read-only, for the schema gate. */
import type { ColumnRef, ColumnState } from '../../domain/safety/schema-gate.js';

export interface LiveSchema {
  /**
   * The state of each requested column whose table exists (a missing column is `exists: false`);
   * no entry when the table is not found. Throws `LiveSchemaUnavailableError` when it cannot read.
   */
  columns(urlEnv: string, refs: readonly ColumnRef[], signal?: AbortSignal): Promise<ColumnState[]>;
}

export class LiveSchemaUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveSchemaUnavailableError';
  }
}
