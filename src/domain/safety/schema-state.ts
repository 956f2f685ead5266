/**
 * What the release did to the schema so far, replayed statement by statement across files. The
 * end state decides most findings: a NOT NULL column that gets a default later, or a constraint
 * dropped again before the release ends, is harmless.
 */
import type { RuleId } from './rules.js';
import { RULES } from './rules.js';
import { qualifiedName } from './sql-text.js';
import type { Finding } from './types.js';

/** Where a statement is: the file and its 1-based line. */
export interface Origin {
  file: string;
  line: number;
}

/** A finding and the file it belongs to. */
export interface LocatedFinding {
  file: string;
  finding: Finding;
}

export interface ColumnState {
  name: string;
  /** Added by this release: the old version never names it. */
  addedInRelease: boolean;
  /** Base type name as the parser spells it (`int4`, `jsonb`); unknown for pre-existing columns. */
  type?: string;
  isArray: boolean;
  /** Its type modifiers, when known: `[255]` in `varchar(255)`, `[10, 2]` in `numeric(10, 2)`. */
  typeModifiers?: number[];
  /** Undefined when unknown (a pre-existing column the release did not touch). */
  notNull?: boolean;
  hasDefault?: boolean;
  /** A default that is a plain constant (so every old insert gets the same value). */
  constantDefault: boolean;
  /** The current default's expression (AST), when known (replayed history or this release). */
  defaultNode?: unknown;
  /** The default this release dropped (AST): what restoring it means, deparsed when emitted. */
  droppedDefaultNode?: unknown;
  /** Identity, generated or serial: the database fills it, old inserts never need to. */
  filledByDatabase: boolean;
  /** A generated column's expression: derived from the row, so not a fresh value per row. */
  generatedFrom?: unknown;
  notNullSetInRelease: boolean;
  defaultDroppedInRelease: boolean;
  /** The last statement that changed NOT NULL or the default: where an end-state finding points. */
  decidedAt?: Origin;
}

export interface TableState {
  schema: string;
  name: string;
  createdInRelease: boolean;
  columns: Map<string, ColumnState>;
}

/** A constraint or unique index added to a pre-existing table; judged at the end of the release. */
export interface PendingConstraint {
  rule: RuleId;
  tableKey: string;
  name: string;
  /** The name is PostgreSQL's default guess, not written in the migration. */
  nameGuessed: boolean;
  columns: string[];
  isIndex: boolean;
  origin: Origin;
  /** CHECK expressions, to tell `CHECK (x > 0)` on a new nullable column from `CHECK (x IS NOT NULL)`. */
  checkExpression?: unknown;
  notValid: boolean;
}

export class SchemaState {
  /** Unqualified names resolve here (`SET search_path` changes it). */
  defaultSchema = 'public';
  readonly tables = new Map<string, TableState>();
  readonly createdRelations = new Set<string>();
  readonly createdSchemas = new Set<string>();
  readonly createdTypes = new Set<string>();
  /** Keyed by `constraintKey` / `indexKey`. */
  readonly pending = new Map<string, PendingConstraint>();
  readonly findings: LocatedFinding[] = [];
  /**
   * Renames the old version would notice, by the name it knew (`public.orders`, or
   * `public.orders.customer` for a column): a view or column later created under that name is a
   * compatibility shim that takes the finding back.
   */
  readonly renamedAway = new Map<string, LocatedFinding>();

  resolve(ref: { schema?: string; name: string }): { schema: string; name: string; key: string } {
    const schema = ref.schema ?? this.defaultSchema;
    return { schema, name: ref.name, key: `${schema}.${ref.name}` };
  }

  /** The table's state; a table the release never created is pre-existing, with unknown columns. */
  table(ref: { schema?: string; name: string }): TableState {
    const { schema, name, key } = this.resolve(ref);
    let table = this.tables.get(key);
    if (!table) {
      table = { schema, name, createdInRelease: false, columns: new Map() };
      this.tables.set(key, table);
    }
    return table;
  }

  /** A pre-existing column gets state on first touch; everything about it starts unknown. */
  column(table: TableState, name: string): ColumnState {
    let column = table.columns.get(name);
    if (!column) {
      column = {
        name,
        addedInRelease: table.createdInRelease,
        isArray: false,
        constantDefault: false,
        filledByDatabase: false,
        notNullSetInRelease: false,
        defaultDroppedInRelease: false,
      };
      table.columns.set(name, column);
    }
    return column;
  }

  /** Forgets a table and the constraints pending on it (dropped tables need no precondition). */
  forgetTable(key: string): void {
    this.tables.delete(key);
    for (const [pendingKey, pending] of this.pending)
      if (pending.tableKey === key) this.pending.delete(pendingKey);
  }

  moveTable(fromKey: string, to: { schema: string; name: string }): void {
    const table = this.tables.get(fromKey);
    if (!table) return;
    const toKey = `${to.schema}.${to.name}`;
    this.tables.delete(fromKey);
    table.schema = to.schema;
    table.name = to.name;
    this.tables.set(toKey, table);
    for (const pending of this.pending.values()) if (pending.tableKey === fromKey) pending.tableKey = toKey;
  }

  /**
   * Called after replaying the history before a release: everything replayed so far existed
   * before the release, so none of it is "new", and nothing said about it is a finding.
   */
  settleAsHistory(): void {
    for (const table of this.tables.values()) {
      table.createdInRelease = false;
      for (const column of table.columns.values()) {
        column.addedInRelease = false;
        column.notNullSetInRelease = false;
        column.defaultDroppedInRelease = false;
        delete column.droppedDefaultNode;
        delete column.decidedAt;
      }
    }
    this.createdRelations.clear();
    this.createdSchemas.clear();
    this.createdTypes.clear();
    this.pending.clear();
    this.findings.length = 0;
    this.renamedAway.clear();
  }

  /** Takes back the finding of a rename when a shim restores the old name; true if there was one. */
  takeBackRename(oldKey: string): boolean {
    const located = this.renamedAway.get(oldKey);
    if (!located) return false;
    this.renamedAway.delete(oldKey);
    const at = this.findings.indexOf(located);
    if (at >= 0) this.findings.splice(at, 1);
    return true;
  }

  emit(rule: RuleId, origin: Origin, message: string, remediation: string, sql?: string): void {
    const finding: Finding = {
      rule,
      severity: RULES[rule].severity,
      message,
      remediation,
      line: origin.line,
    };
    if (sql !== undefined) finding.sql = sql;
    this.findings.push({ file: origin.file, finding });
  }

  /** The finding emitted last (to remember a rename a shim may take back). */
  get lastFinding(): LocatedFinding | undefined {
    return this.findings.at(-1);
  }
}

export function constraintKey(tableKey: string, name: string): string {
  return `constraint:${tableKey}:${name}`;
}

export function indexKey(schema: string, name: string): string {
  return `index:${schema}.${name}`;
}

export function tableDisplay(table: { schema: string; name: string }): string {
  return qualifiedName(table.schema, table.name);
}
