/**
 * Replays one parsed statement against the schema state. Statements that cannot affect the old
 * version (SELECT, INSERT/UPDATE backfills, COMMENT, GRANT, CREATE FUNCTION, views created or
 * replaced, plain indexes…) fall through without a finding.
 */
import type { AstObject } from './ast.js';
import { asArray, asObject, nodeKind, rangeVar, stringList, stringValue } from './ast.js';
import { replayAlterTable, replayCreateTable } from './replay-alter-table.js';
import { FIX_FORWARD_ADVICE } from './rules.js';
import type { Origin, SchemaState } from './schema-state.js';
import { indexKey, tableDisplay } from './schema-state.js';
import { qualifiedName, quoteIdent, quoteLiteral } from './sql-text.js';
import {
  HARMLESS_STATEMENTS,
  UNNAMED_BY_CLIENTS,
  needsHuman,
  objectWords,
  statementWords,
} from './unmodelled.js';

export function replayStatement(state: SchemaState, node: unknown, origin: Origin): void {
  const kind = nodeKind(node);
  if (!kind) return;
  const [type, stmt] = kind;
  switch (type) {
    case 'CreateStmt':
      return replayCreateTable(state, stmt);
    case 'CreateTableAsStmt': {
      const ref = rangeVar(asObject(stmt.into)?.rel);
      if (!ref) return;
      if (stmt.objtype === 'OBJECT_MATVIEW') state.createdRelations.add(state.resolve(ref).key);
      else replayCreateTable(state, { relation: asObject(stmt.into)?.rel });
      return;
    }
    case 'ViewStmt': {
      const ref = rangeVar(stmt.view);
      if (!ref) return;
      const { key, schema, name } = state.resolve(ref);
      state.createdRelations.add(key);
      // A simple view under a renamed table's old name keeps the old reads and (auto-updatable) writes working.
      if (state.takeBackRename(key))
        state.emit(
          'rename-shim',
          origin,
          `View ${qualifiedName(schema, name)} keeps the old name working after the rename: the old version reads and writes through it.`,
          'Keep the view until no running version uses the old name; drop it in a later release.',
        );
      return;
    }
    case 'CreateSchemaStmt':
      if (typeof stmt.schemaname === 'string') state.createdSchemas.add(stmt.schemaname);
      return;
    case 'CreateEnumStmt':
    case 'CompositeTypeStmt':
    case 'CreateDomainStmt': {
      // A domain's typeName is its base type; its own name is domainname.
      const names = stringList(type === 'CreateDomainStmt' ? stmt.domainname : stmt.typeName) ?? [];
      const ref = rangeVar(stmt.typevar);
      const name = ref?.name ?? names.at(-1);
      if (name !== undefined) state.createdTypes.add(name);
      return;
    }
    case 'AlterTableStmt':
      return replayAlterTable(state, stmt, origin);
    case 'IndexStmt':
      return replayIndex(state, stmt, origin);
    case 'DropStmt':
      return replayDrop(state, stmt, origin);
    case 'RenameStmt':
      return replayRename(state, stmt, origin);
    case 'AlterObjectSchemaStmt':
      return replaySetSchema(state, stmt, origin);
    case 'AlterEnumStmt':
      return replayAlterEnum(state, stmt, origin);
    case 'VariableSetStmt':
      if (stmt.name === 'search_path') {
        const first = asObject(asObject(asArray(stmt.args)[0])?.A_Const)?.sval;
        const schema = asObject(first)?.sval;
        if (typeof schema === 'string') state.defaultSchema = schema;
      }
      return;
    case 'TruncateStmt':
      return replayTruncate(state, stmt, origin);
    case 'AlterDomainStmt':
      return replayAlterDomain(state, stmt, origin);
    case 'DoStmt':
      state.emit(
        'unanalyzed-do-block',
        origin,
        'This DO block runs procedural code during the migration; what it changes is not analysed.',
        'Review the block by hand for dropped, renamed or constrained columns before rolling back.',
      );
      return;
    default:
      // Fail closed: what is not known to be harmless needs a human.
      if (!HARMLESS_STATEMENTS.has(type)) needsHuman(state, origin, statementWords(type));
      return;
  }
}

function replayTruncate(state: SchemaState, stmt: AstObject, origin: Origin): void {
  for (const relation of asArray(stmt.relations)) {
    const ref = rangeVar(asObject(relation)?.RangeVar ?? relation);
    if (!ref) continue;
    const table = state.table(ref);
    if (table.createdInRelease) continue;
    state.emit(
      'truncate',
      origin,
      `${tableDisplay(table)} is truncated: every row the old version wrote is gone, and a rollback does not bring them back.`,
      `${FIX_FORWARD_ADVICE} Restoring the rows needs a backup (pg_dump --table before the release).`,
    );
  }
}

/**
 * ALTER DOMAIN: a new NOT NULL or CHECK applies to every column of the domain, so old writes that
 * the domain now rejects fail; dropping them again is the precondition. A dropped default may
 * break old inserts that relied on it, which only a human can tell.
 */
function replayAlterDomain(state: SchemaState, stmt: AstObject, origin: Origin): void {
  const parts = stringList(stmt.typeName);
  const name = parts.at(-1) ?? '';
  if (state.createdTypes.has(name)) return;
  const domain = parts.map(quoteIdent).join('.');
  const constraint = asObject(asObject(stmt.def)?.Constraint);
  switch (stmt.subtype) {
    case 'O':
      state.emit(
        'domain-constraint',
        origin,
        `Domain ${domain} becomes NOT NULL: the old version's writes of NULL to its columns fail.`,
        `Before rolling back run: ALTER DOMAIN ${domain} DROP NOT NULL.`,
        `ALTER DOMAIN ${domain} DROP NOT NULL`,
      );
      return;
    case 'C': {
      if (constraint?.contype !== 'CONSTR_CHECK')
        return needsHuman(state, origin, 'ALTER DOMAIN … ADD CONSTRAINT');
      // PostgreSQL names an unnamed domain CHECK <domain>_check.
      const constraintName = typeof constraint.conname === 'string' ? constraint.conname : `${name}_check`;
      const sql = `ALTER DOMAIN ${domain} DROP CONSTRAINT ${quoteIdent(constraintName)}`;
      state.emit(
        'domain-constraint',
        origin,
        `Domain ${domain} gains CHECK ${quoteIdent(constraintName)}: the old version's writes it rejects fail.`,
        `Before rolling back run: ${sql}.`,
        sql,
      );
      return;
    }
    case 'T':
      if (stmt.def === undefined) needsHuman(state, origin, `ALTER DOMAIN ${domain} DROP DEFAULT`);
      return;
    default:
      // DROP NOT NULL, DROP CONSTRAINT, VALIDATE: the domain only accepts more.
      return;
  }
}

function replayIndex(state: SchemaState, stmt: AstObject, origin: Origin): void {
  if (stmt.unique !== true) return;
  const ref = rangeVar(stmt.relation);
  if (!ref) return;
  const table = state.table(ref);
  if (table.createdInRelease) return;
  const columns = asArray(stmt.indexParams).map((param) => {
    const name = asObject(asObject(param)?.IndexElem)?.name;
    return typeof name === 'string' ? name : '';
  });
  const written = typeof stmt.idxname === 'string' ? stmt.idxname : undefined;
  const name = written ?? `${table.name}_${columns.map((c) => c || 'expr').join('_')}_idx`;
  state.pending.set(indexKey(table.schema, name), {
    rule: 'add-unique',
    tableKey: `${table.schema}.${table.name}`,
    name,
    nameGuessed: written === undefined,
    // An expression column never counts as "new", so the index is judged against old writes.
    columns: columns.map((c) => c || '(expression)'),
    isIndex: true,
    origin,
    notValid: false,
  });
}

function objectNames(stmt: AstObject): string[][] {
  return asArray(stmt.objects).map((object) => {
    const single = stringValue(object);
    if (single !== undefined) return [single];
    const typeName = asObject(asObject(object)?.TypeName);
    if (typeName) return stringList(typeName.names);
    return stringList(asObject(asObject(object)?.List)?.items);
  });
}

function splitName(parts: string[]): { schema?: string; name: string } {
  const name = parts.at(-1) ?? '';
  const schema = parts.length > 1 ? parts.at(-2) : undefined;
  return schema === undefined ? { name } : { schema, name };
}

function replayDrop(state: SchemaState, stmt: AstObject, origin: Origin): void {
  for (const parts of objectNames(stmt)) {
    const ref = splitName(parts);
    const { key, schema, name } = state.resolve(ref);
    switch (stmt.removeType) {
      case 'OBJECT_TABLE': {
        const table = state.tables.get(key);
        if (!table?.createdInRelease)
          state.emit(
            'drop-table',
            origin,
            `Table ${qualifiedName(schema, name)} is dropped: the old version's queries on it fail and its data is gone.`,
            `${FIX_FORWARD_ADVICE} Restoring the table needs a backup; rename it aside in one release and drop it later.`,
          );
        state.forgetTable(key);
        break;
      }
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW':
        if (!state.createdRelations.delete(key))
          state.emit(
            'drop-view',
            origin,
            `View ${qualifiedName(schema, name)} is dropped: the old version's reads of it fail.`,
            `Recreate the view from the previous release's definition before rolling back, or fix forward.`,
          );
        break;
      case 'OBJECT_SCHEMA':
        if (!state.createdSchemas.delete(name))
          state.emit(
            'drop-schema',
            origin,
            `Schema ${quoteIdent(name)} is dropped with everything in it.`,
            `${FIX_FORWARD_ADVICE} Restoring it needs a backup.`,
          );
        break;
      case 'OBJECT_TYPE':
        if (!state.createdTypes.delete(name))
          state.emit(
            'drop-type',
            origin,
            `Type ${qualifiedName(schema, name)} is dropped: old writes and casts that use it fail.`,
            `${FIX_FORWARD_ADVICE}`,
          );
        break;
      case 'OBJECT_INDEX':
        // Dropping an index never breaks the old version; it also cancels a unique index added earlier.
        state.pending.delete(indexKey(schema, name));
        break;
      case 'OBJECT_DOMAIN':
        if (!state.createdTypes.delete(name))
          needsHuman(state, origin, `DROP DOMAIN ${qualifiedName(schema, name)}`);
        break;
      default:
        if (!UNNAMED_BY_CLIENTS.has(String(stmt.removeType)))
          needsHuman(state, origin, `DROP ${objectWords(stmt.removeType).toUpperCase()} ${parts.join('.')}`);
        break;
    }
  }
}

function replayRename(state: SchemaState, stmt: AstObject, origin: Origin): void {
  const newName = typeof stmt.newname === 'string' ? stmt.newname : '';
  const ref = rangeVar(stmt.relation);
  switch (stmt.renameType) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW': {
      if (!ref) return;
      const { key, schema, name } = state.resolve(ref);
      const created = state.tables.get(key)?.createdInRelease === true || state.createdRelations.has(key);
      if (!created) {
        const from = qualifiedName(schema, name);
        const to = qualifiedName(schema, newName);
        state.emit(
          'rename-table',
          origin,
          `${from} is renamed to ${to}: every query of the old version on ${from} fails.`,
          `${FIX_FORWARD_ADVICE} As a last resort rename it back while rolling back (the new version breaks at once): ` +
            `ALTER TABLE ${to} RENAME TO ${quoteIdent(name)}. Next time, add a view with the old name.`,
          `ALTER TABLE ${to} RENAME TO ${quoteIdent(name)}`,
        );
        const emitted = state.lastFinding;
        if (emitted) state.renamedAway.set(key, emitted);
      }
      if (state.createdRelations.delete(key)) state.createdRelations.add(`${schema}.${newName}`);
      state.moveTable(key, { schema, name: newName });
      return;
    }
    case 'OBJECT_COLUMN': {
      if (!ref) return;
      const table = state.table(ref);
      const oldName = typeof stmt.subname === 'string' ? stmt.subname : '';
      const column = table.columns.get(oldName);
      if (
        !table.createdInRelease &&
        !column?.addedInRelease &&
        !state.createdRelations.has(state.resolve(ref).key)
      ) {
        const shown = tableDisplay(table);
        const sql = `ALTER TABLE ${shown} RENAME COLUMN ${quoteIdent(newName)} TO ${quoteIdent(oldName)}`;
        state.emit(
          'rename-column',
          origin,
          `${shown}.${quoteIdent(oldName)} is renamed to ${quoteIdent(newName)}: the old version's reads and writes of it fail.`,
          `${FIX_FORWARD_ADVICE} As a last resort rename it back while rolling back (the new version breaks at once): ${sql}. ` +
            'Next time, add the new column, write both, then drop the old one.',
          sql,
        );
        const emitted = state.lastFinding;
        if (emitted) state.renamedAway.set(`${state.resolve(ref).key}.${oldName}`, emitted);
      }
      table.columns.delete(oldName);
      if (column) table.columns.set(newName, { ...column, name: newName });
      return;
    }
    case 'OBJECT_SCHEMA': {
      const oldName = typeof stmt.subname === 'string' ? stmt.subname : '';
      if (!state.createdSchemas.delete(oldName))
        state.emit(
          'rename-schema',
          origin,
          `Schema ${quoteIdent(oldName)} is renamed to ${quoteIdent(newName)}: the old version's queries fail.`,
          `${FIX_FORWARD_ADVICE} Last resort: ALTER SCHEMA ${quoteIdent(newName)} RENAME TO ${quoteIdent(oldName)}.`,
          `ALTER SCHEMA ${quoteIdent(newName)} RENAME TO ${quoteIdent(oldName)}`,
        );
      else state.createdSchemas.add(newName);
      return;
    }
    case 'OBJECT_INDEX': {
      if (!ref) return;
      const { schema } = state.resolve(ref);
      const pending = state.pending.get(indexKey(schema, ref.name));
      if (pending) {
        state.pending.delete(indexKey(schema, ref.name));
        state.pending.set(indexKey(schema, newName), { ...pending, name: newName, nameGuessed: false });
      }
      return;
    }
    case 'OBJECT_TABCONSTRAINT': {
      if (!ref) return;
      const { key } = state.resolve(ref);
      const oldName = typeof stmt.subname === 'string' ? stmt.subname : '';
      const pendingKey = `constraint:${key}:${oldName}`;
      const pending = state.pending.get(pendingKey);
      if (pending) {
        state.pending.delete(pendingKey);
        state.pending.set(`constraint:${key}:${newName}`, { ...pending, name: newName, nameGuessed: false });
      }
      return;
    }
    case 'OBJECT_TYPE':
    case 'OBJECT_DOMAIN': {
      const oldName =
        stringList(asObject(asObject(stmt.object)?.List)?.items).at(-1) ?? stringValue(stmt.object);
      if (oldName !== undefined && state.createdTypes.delete(oldName)) state.createdTypes.add(newName);
      else needsHuman(state, origin, `renaming ${objectWords(stmt.renameType)} ${oldName ?? ''}`.trim());
      return;
    }
    default:
      if (!UNNAMED_BY_CLIENTS.has(String(stmt.renameType)))
        needsHuman(state, origin, `renaming a ${objectWords(stmt.renameType)}`);
      return;
  }
}

function replaySetSchema(state: SchemaState, stmt: AstObject, origin: Origin): void {
  if (!['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW'].includes(String(stmt.objectType))) {
    needsHuman(state, origin, `moving a ${objectWords(stmt.objectType)} to another schema`);
    return;
  }
  const ref = rangeVar(stmt.relation);
  const newSchema = typeof stmt.newschema === 'string' ? stmt.newschema : '';
  if (!ref) return;
  const { key, schema, name } = state.resolve(ref);
  const created = state.tables.get(key)?.createdInRelease === true || state.createdRelations.delete(key);
  if (!created) {
    const moved = qualifiedName(newSchema, name);
    state.emit(
      'set-schema',
      origin,
      `${qualifiedName(schema, name)} moves to schema ${quoteIdent(newSchema)}: the old version's queries no longer find it.`,
      `${FIX_FORWARD_ADVICE} Last resort: ALTER TABLE ${moved} SET SCHEMA ${quoteIdent(schema)}.`,
      `ALTER TABLE ${moved} SET SCHEMA ${quoteIdent(schema)}`,
    );
  }
  state.moveTable(key, { schema: newSchema, name });
}

function replayAlterEnum(state: SchemaState, stmt: AstObject, origin: Origin): void {
  const typeName = stringList(stmt.typeName).at(-1) ?? '';
  if (typeof stmt.oldVal !== 'string' || typeof stmt.newVal !== 'string' || state.createdTypes.has(typeName))
    return;
  state.emit(
    'rename-enum-value',
    origin,
    `Enum ${quoteIdent(typeName)} renames ${quoteLiteral(stmt.oldVal)} to ${quoteLiteral(stmt.newVal)}: the old version's writes of ${quoteLiteral(stmt.oldVal)} fail.`,
    `${FIX_FORWARD_ADVICE} Next time, add the new label and keep the old one until no release writes it.`,
  );
}
