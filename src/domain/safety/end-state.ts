/**
 * Findings only the end of the release can decide: a NOT NULL column without a default, and
 * constraints still in place on tables the old version writes to. Each carries the precondition
 * SQL that makes the old version's writes work again without breaking the new one.
 */
import { asArray, containsKind, nodeKind, stringList } from './ast.js';
import type { ColumnState, PendingConstraint, SchemaState, TableState } from './schema-state.js';
import { tableDisplay } from './schema-state.js';
import { expressionSql, neutralDefault, quoteIdent } from './sql-text.js';

export function evaluateEndState(state: SchemaState): void {
  for (const table of state.tables.values()) {
    if (table.createdInRelease) continue;
    for (const column of table.columns.values()) evaluateColumn(state, table, column);
  }
  for (const pending of state.pending.values()) {
    const table = state.tables.get(pending.tableKey);
    if (table && !isHarmlessConstraint(table, pending)) emitConstraint(state, table, pending);
  }
}

function evaluateColumn(state: SchemaState, table: TableState, column: ColumnState): void {
  const origin = column.decidedAt;
  if (!origin) return;
  const shown = tableDisplay(table);
  const ident = quoteIdent(column.name);
  const dropNotNull = `ALTER TABLE ${shown} ALTER COLUMN ${ident} DROP NOT NULL`;
  if (column.addedInRelease && column.notNull === true && canBeNull(column.generatedFrom, table)) {
    state.emit(
      'generated-not-null',
      origin,
      `${shown}.${ident} is generated NOT NULL from an expression that can be NULL: the old version's inserts that leave its inputs NULL fail.`,
      `Before rolling back, run: ${dropNotNull}.`,
      dropNotNull,
    );
    return;
  }
  if (column.filledByDatabase) return;
  if (column.addedInRelease && column.notNull === true && column.hasDefault !== true) {
    const literal = neutralDefault(column.type, column.isArray);
    const setDefault = literal && `ALTER TABLE ${shown} ALTER COLUMN ${ident} SET DEFAULT ${literal}`;
    state.emit(
      'add-column-not-null-no-default',
      origin,
      `${shown}.${ident} ends the release NOT NULL without a default: the old version's inserts do not set it and fail.`,
      setDefault
        ? `Before rolling back, run: ${setDefault} (or ${dropNotNull}).`
        : `Before rolling back, run: ${dropNotNull} (no neutral default exists for type ${column.type ?? 'unknown'}).`,
      setDefault || dropNotNull,
    );
    return;
  }
  if (!column.addedInRelease && column.notNullSetInRelease && column.notNull === true) {
    state.emit(
      'set-not-null',
      origin,
      `${shown}.${ident} becomes NOT NULL: the old version's writes of NULL (or inserts without it) fail.`,
      `Before rolling back, run: ${dropNotNull}.`,
      dropNotNull,
    );
    return;
  }
  if (!column.addedInRelease && column.defaultDroppedInRelease && column.hasDefault === false) {
    if (column.notNull === true) {
      // Known NOT NULL (from the replayed history): old inserts that omit the column fail.
      const previous = expressionSql(column.droppedDefaultNode);
      const restore =
        previous !== undefined
          ? `ALTER TABLE ${shown} ALTER COLUMN ${ident} SET DEFAULT ${previous}`
          : undefined;
      state.emit(
        'drop-default-not-null',
        origin,
        `${shown}.${ident} is NOT NULL and loses its default: the old version's inserts that omit it fail.`,
        restore
          ? `Before rolling back, restore the previous default: ${restore}.`
          : `Before rolling back, restore the previous default (ALTER TABLE ${shown} ALTER COLUMN ${ident} SET DEFAULT …) or run ${dropNotNull}.`,
        restore ?? dropNotNull,
      );
      return;
    }
    state.emit(
      'drop-default',
      origin,
      `${shown}.${ident} loses its default: if it is NOT NULL, the old version's inserts that omit it fail.`,
      `If the column is NOT NULL, restore the previous default before rolling back ` +
        `(ALTER TABLE ${shown} ALTER COLUMN ${ident} SET DEFAULT <previous default>).`,
    );
  }
}

// A CHECK with any of these can reject NULL, so a new nullable column does not make it harmless.
const NULL_SENSITIVE = new Set([
  'NullTest',
  'CoalesceExpr',
  'BooleanTest',
  'CaseExpr',
  'FuncCall',
  'SubLink',
]);

/**
 * The old version never writes a column the release added. A new column leaves a constraint
 * harmless when old rows get NULL there (UNIQUE, FOREIGN KEY and most CHECKs pass on NULL) or a
 * fresh value each time (identity, volatile default) for UNIQUE.
 */
function isHarmlessConstraint(table: TableState, pending: PendingConstraint): boolean {
  const columns = pending.columns.map((name) => table.columns.get(name));
  const allNew = columns.length > 0 && columns.every((column) => column?.addedInRelease === true);
  if (!allNew) return false;
  const nullForOldRows = columns.every(
    (column) => column?.notNull !== true && column?.hasDefault !== true && !column?.filledByDatabase,
  );
  // A fresh value per row (identity, serial, a volatile default): never a duplicate of another row.
  // A generated column is derived from the row, so two old rows can collide.
  const fresh = (column: ColumnState | undefined) =>
    (column?.filledByDatabase === true && column.generatedFrom === undefined) ||
    (column?.hasDefault === true && !column.constantDefault);
  switch (pending.rule) {
    case 'add-unique':
      return columns.every(
        (column) =>
          fresh(column) ||
          (column?.hasDefault !== true && column?.notNull !== true && column?.generatedFrom === undefined),
      );
    case 'add-primary-key':
      return columns.every(fresh);
    case 'add-foreign-key':
      return nullForOldRows;
    case 'add-check-constraint':
      return nullForOldRows && !containsKind(pending.checkExpression, NULL_SENSITIVE);
    default:
      return false;
  }
}

const WHAT: Record<string, string> = {
  'add-check-constraint': 'CHECK constraint',
  'add-unique': 'UNIQUE constraint',
  'add-foreign-key': 'FOREIGN KEY',
  'add-primary-key': 'PRIMARY KEY',
  'add-exclusion-constraint': 'EXCLUDE constraint',
};

function emitConstraint(state: SchemaState, table: TableState, pending: PendingConstraint): void {
  const shown = tableDisplay(table);
  const name = quoteIdent(pending.name);
  const qualifiedIndex = table.schema === 'public' ? name : `${quoteIdent(table.schema)}.${name}`;
  const sql = pending.isIndex
    ? `DROP INDEX ${qualifiedIndex}`
    : `ALTER TABLE ${shown} DROP CONSTRAINT ${name}`;
  const what = pending.isIndex ? 'unique index' : (WHAT[pending.rule] ?? 'constraint');
  const notValid = pending.notValid ? ' NOT VALID skips existing rows only: new rows are still checked.' : '';
  const guessed = pending.nameGuessed
    ? ` (${pending.name} is PostgreSQL's default name; check it with \\d ${shown})`
    : '';
  state.emit(
    pending.rule,
    pending.origin,
    `New ${what} ${name} on ${shown} (${pending.columns.join(', ')}): the old version's writes that violate it fail.${notValid}`,
    `Before rolling back, run: ${sql}${guessed}.`,
    sql,
  );
}

/**
 * Whether a generated column's expression can come out NULL for an old insert. Only constants,
 * columns known NOT NULL, casts and operators over those, and COALESCE with a non-NULL argument
 * cannot; anything else (a function call, CASE…) may. Undefined: not a generated column.
 */
function canBeNull(expression: unknown, table: TableState): boolean {
  if (expression === undefined) return false;
  const kind = nodeKind(expression);
  if (!kind) return true;
  const [type, node] = kind;
  switch (type) {
    case 'A_Const':
      return node.isnull === true;
    case 'ColumnRef': {
      const name = stringList(node.fields).at(-1);
      return name === undefined || table.columns.get(name)?.notNull !== true;
    }
    case 'TypeCast':
      return canBeNull(node.arg, table);
    case 'A_Expr':
      return (
        node.kind !== 'AEXPR_OP' ||
        [node.lexpr, node.rexpr].some((side) => side !== undefined && canBeNull(side, table))
      );
    case 'CoalesceExpr':
      return asArray(node.args).every((arg) => canBeNull(arg, table));
    default:
      return true;
  }
}
