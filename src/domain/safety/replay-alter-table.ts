/** Replays CREATE TABLE and ALTER TABLE: column state, immediate findings, pending constraints. */
import type { AstObject } from './ast.js';
import { asArray, asObject, nodeKind, rangeVar, stringList } from './ast.js';
import type { ConstraintShape } from './column-definitions.js';
import {
  isConstantExpression,
  readColumnDefinition,
  readConstraint,
  readType,
} from './column-definitions.js';
import { FIX_FORWARD_ADVICE } from './rules.js';
import type { ColumnState, Origin, SchemaState, TableState } from './schema-state.js';
import { constraintKey, indexKey, tableDisplay } from './schema-state.js';
import { qualifiedName, quoteIdent } from './sql-text.js';
import { judgeTypeChange, type TypeShape } from './type-widening.js';
import { HARMLESS_TABLE_ACTIONS, actionWords, needsHuman, objectWords } from './unmodelled.js';

export function replayCreateTable(state: SchemaState, stmt: AstObject): void {
  const ref = rangeVar(stmt.relation);
  if (!ref) return;
  const { key, schema, name } = state.resolve(ref);
  // IF NOT EXISTS on a table the release already treated as existing creates nothing.
  if (stmt.if_not_exists === true && state.tables.get(key)?.createdInRelease === false) return;
  const table: TableState = { schema, name, createdInRelease: true, columns: new Map() };
  for (const element of asArray(stmt.tableElts)) {
    const def = asObject(asObject(element)?.ColumnDef);
    if (def) {
      const { column } = readColumnDefinition(def, true);
      table.columns.set(column.name, column);
    }
  }
  state.forgetTable(key);
  state.tables.set(key, table);
}

export function replayAlterTable(state: SchemaState, stmt: AstObject, origin: Origin): void {
  const ref = rangeVar(stmt.relation);
  if (!ref) return;
  if (stmt.objtype !== undefined && stmt.objtype !== 'OBJECT_TABLE') {
    // ALTER INDEX / VIEW / SEQUENCE … options the old version does not see; a composite type or
    // a foreign table losing or changing attributes it may well use.
    const changesShape = stmt.objtype === 'OBJECT_TYPE' || stmt.objtype === 'OBJECT_FOREIGN_TABLE';
    if (
      changesShape &&
      !state.createdTypes.has(ref.name) &&
      !state.tables.get(state.resolve(ref).key)?.createdInRelease
    )
      needsHuman(state, origin, `ALTER ${objectWords(stmt.objtype).toUpperCase()} ${ref.name}`);
    return;
  }
  const table = state.table(ref);
  for (const item of asArray(stmt.cmds)) {
    const cmd = asObject(asObject(item)?.AlterTableCmd);
    if (cmd) replayCommand(state, table, cmd, origin);
  }
}

function replayCommand(state: SchemaState, table: TableState, cmd: AstObject, origin: Origin): void {
  const columnName = typeof cmd.name === 'string' ? cmd.name : '';
  const shown = tableDisplay(table);
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      const def = asObject(asObject(cmd.def)?.ColumnDef);
      if (!def) return;
      if (cmd.missing_ok === true && table.columns.get(String(def.colname))?.addedInRelease === false) return;
      const { column, inlineConstraints } = readColumnDefinition(def, true);
      column.decidedAt = origin;
      table.columns.set(column.name, column);
      // A plain column under a renamed column's old name takes the old version's reads and writes
      // (a generated one would refuse its writes, so the rename still breaks it).
      if (
        column.generatedFrom === undefined &&
        state.takeBackRename(`${table.schema}.${table.name}.${column.name}`)
      )
        state.emit(
          'rename-shim',
          origin,
          `${shown}.${quoteIdent(column.name)} is added back under the old name: the old version keeps working, but what it writes there is not in the renamed column.`,
          'Backfill the renamed column from it before dropping it, or keep both in sync with a trigger.',
        );
      for (const constraint of inlineConstraints) {
        const shape = readConstraint(constraint, table.name, column.name);
        if (shape) addPending(state, table, shape, origin);
      }
      return;
    }
    case 'AT_DropColumn': {
      const column = table.columns.get(columnName);
      if (!table.createdInRelease && !column?.addedInRelease) {
        const ident = quoteIdent(columnName);
        state.emit(
          'drop-column',
          origin,
          `${shown}.${ident} is dropped: the old version's reads and writes of it fail, and its data is gone.`,
          `${FIX_FORWARD_ADVICE} Next time, stop using the column in one release and drop it in a later one.`,
        );
      }
      table.columns.delete(columnName);
      // PostgreSQL drops constraints and indexes on a dropped column with it.
      for (const [key, pending] of state.pending)
        if (pending.tableKey === `${table.schema}.${table.name}` && pending.columns.includes(columnName))
          state.pending.delete(key);
      return;
    }
    case 'AT_AlterColumnType':
      replayTypeChange(state, table, columnName, asObject(asObject(cmd.def)?.ColumnDef) ?? {}, origin);
      return;
    case 'AT_SetNotNull':
      setNotNull(state, table, columnName, origin);
      return;
    case 'AT_DropNotNull': {
      const column = state.column(table, columnName);
      column.notNull = false;
      column.notNullSetInRelease = false;
      column.decidedAt = origin;
      return;
    }
    case 'AT_ColumnDefault': {
      const column = state.column(table, columnName);
      const previous = column.defaultNode;
      column.hasDefault = cmd.def !== undefined;
      column.constantDefault = isConstantExpression(cmd.def);
      column.defaultNode = cmd.def;
      if (!column.hasDefault && !column.addedInRelease) {
        column.defaultDroppedInRelease = true;
        if (previous !== undefined) column.droppedDefaultNode = previous;
      }
      if (column.hasDefault) column.defaultDroppedInRelease = false;
      column.decidedAt = origin;
      return;
    }
    case 'AT_AddIdentity':
      state.column(table, columnName).filledByDatabase = true;
      return;
    case 'AT_AddConstraint': {
      const constraint = asObject(asObject(cmd.def)?.Constraint);
      if (!constraint) return;
      if (constraint.contype === 'CONSTR_NOTNULL') {
        // PostgreSQL 18: `ADD CONSTRAINT name NOT NULL column` is SET NOT NULL by another name.
        for (const key of asArray(constraint.keys)) {
          const name = asObject(asObject(key)?.String)?.sval;
          if (typeof name === 'string') setNotNull(state, table, name, origin);
        }
        return;
      }
      const shape = readConstraint(constraint, table.name);
      if (shape) addPending(state, table, shape, origin);
      return;
    }
    case 'AT_DropConstraint':
      state.pending.delete(constraintKey(`${table.schema}.${table.name}`, columnName));
      return;
    case 'AT_DetachPartition':
    case 'AT_DetachPartitionFinalize': {
      if (table.createdInRelease) return;
      const partition = rangeVar(asObject(asObject(cmd.def)?.PartitionCmd)?.name);
      const shownPartition = partition
        ? qualifiedName(partition.schema ?? table.schema, partition.name)
        : 'a partition';
      state.emit(
        'detach-partition',
        origin,
        `${shownPartition} is detached from ${shown}: the old version's reads through ${shown} no longer see its rows, and its writes of them fail.`,
        `${FIX_FORWARD_ADVICE} Or attach it again before rolling back: ALTER TABLE ${shown} ATTACH PARTITION ${shownPartition} FOR VALUES … (the bounds it had).`,
      );
      return;
    }
    default:
      // Fail closed: an action not known to be harmless (row security, triggers, inheritance,
      // a dropped identity or expression, a partition attached…) needs a human.
      if (!table.createdInRelease && !HARMLESS_TABLE_ACTIONS.has(String(cmd.subtype)))
        needsHuman(state, origin, `ALTER TABLE ${shown} ${actionWords(cmd.subtype)}`);
      return;
  }
}

function setNotNull(state: SchemaState, table: TableState, columnName: string, origin: Origin): void {
  const column = state.column(table, columnName);
  column.notNull = true;
  if (!column.addedInRelease) column.notNullSetInRelease = true;
  column.decidedAt = origin;
}

/** Constraints on tables the release created never affect the old version. */
function addPending(state: SchemaState, table: TableState, shape: ConstraintShape, origin: Origin): void {
  if (table.createdInRelease) return;
  const tableKey = `${table.schema}.${table.name}`;
  let columns = shape.columns;
  if (shape.usingIndex !== undefined) {
    // The constraint adopts an index created earlier: one finding, for the constraint.
    const key = indexKey(table.schema, shape.usingIndex);
    columns = state.pending.get(key)?.columns ?? columns;
    state.pending.delete(key);
  }
  state.pending.set(constraintKey(tableKey, shape.name), {
    rule: shape.rule,
    tableKey,
    name: shape.name,
    nameGuessed: shape.nameGuessed,
    columns,
    isIndex: false,
    origin,
    checkExpression: shape.checkExpression,
    notValid: shape.notValid,
  });
}

/** The column's type before the change, when the history or the release told it. */
function shapeOf(column: ColumnState | undefined): TypeShape | undefined {
  if (column?.type === undefined) return undefined;
  return { type: column.type, modifiers: column.typeModifiers ?? [], isArray: column.isArray };
}

/**
 * `USING col::<target>` (or `USING col`) converts exactly as the change would without USING, so
 * it is judged the same; any other expression is a conversion nobody proved lossless.
 */
function isIdentityConversion(using: unknown, columnName: string, target: string | undefined): boolean {
  const kind = nodeKind(using);
  if (!kind) return false;
  const [type, node] = kind;
  if (type === 'ColumnRef') return stringList(node.fields).at(-1) === columnName;
  if (type !== 'TypeCast') return false;
  const cast = readType(node.typeName);
  return (
    cast.type === target && cast.modifiers.length === 0 && isIdentityConversion(node.arg, columnName, target)
  );
}

function replayTypeChange(
  state: SchemaState,
  table: TableState,
  name: string,
  def: AstObject,
  origin: Origin,
): void {
  const column = table.columns.get(name);
  const target = readType(def.typeName);
  const converted =
    def.raw_default !== undefined && !isIdentityConversion(def.raw_default, name, target.type);
  const judgement = converted ? ({ kind: 'lossy' } as const) : judgeTypeChange(shapeOf(column), target);
  const harmless = table.createdInRelease || column?.addedInRelease === true || judgement.kind === 'widening';
  const shown = `${tableDisplay(table)}.${quoteIdent(name)}`;
  if (!harmless && judgement.kind === 'comparison')
    state.emit(
      'comparison-semantics-change',
      origin,
      `${shown} changes type from ${column?.type} to ${target.type}: ${judgement.why}.`,
      `${FIX_FORWARD_ADVICE} To roll back anyway, change the type back first (ALTER TABLE ${tableDisplay(table)} ALTER COLUMN ${quoteIdent(name)} TYPE ${column?.type}).`,
    );
  else if (!harmless) {
    const using = converted ? ' with a USING conversion' : '';
    const from = column?.type !== undefined ? ` from ${column.type}` : '';
    state.emit(
      'narrowing-type-change',
      origin,
      `${shown} changes type${from} to ${target.type ?? 'another type'}${using}, ` +
        'which is not proven widening: old writes may no longer fit, and rolling the type back may lose data.',
      `${FIX_FORWARD_ADVICE} Safer next time: add a new column, write both, switch reads, then drop the old one.`,
    );
  }
  const updated = state.column(table, name);
  if (target.type !== undefined) updated.type = target.type;
  updated.isArray = target.isArray;
  updated.typeModifiers = target.modifiers;
}
