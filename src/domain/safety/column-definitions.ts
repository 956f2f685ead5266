/** Reading column and constraint definitions (shared by CREATE TABLE and ALTER TABLE … ADD). */
import type { AstObject } from './ast.js';
import { asArray, asObject, nodeKind, referencedColumns, stringList } from './ast.js';
import type { RuleId } from './rules.js';
import type { ColumnState } from './schema-state.js';

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

export interface ColumnType {
  type?: string;
  isArray: boolean;
  /** Its modifiers: `[255]` in `varchar(255)`, `[10, 2]` in `numeric(10, 2)`. */
  modifiers: number[];
}

export function readType(typeName: unknown): ColumnType {
  const object = asObject(typeName);
  const names = stringList(object?.names);
  // The parser leaves a zero out of its JSON (`numeric(10, 0)` has `ival: {}`), so a present but
  // empty ival is 0.
  const modifiers = asArray(object?.typmods)
    .map((mod) => asObject(asObject(mod)?.A_Const)?.ival)
    .filter((ival) => ival !== undefined)
    .map((ival) => asObject(ival)?.ival ?? 0)
    .filter((value): value is number => typeof value === 'number');
  const result: ColumnType = { isArray: asArray(object?.arrayBounds).length > 0, modifiers };
  const type = names.at(-1);
  if (type !== undefined) result.type = type;
  return result;
}

/** A default written as a constant (`DEFAULT 0`, `DEFAULT 'x'::text`), as opposed to `now()` or `nextval()`. */
export function isConstantExpression(expression: unknown): boolean {
  const kind = nodeKind(expression);
  if (!kind) return false;
  if (kind[0] === 'A_Const') return true;
  return kind[0] === 'TypeCast' && isConstantExpression(kind[1].arg);
}

export interface ColumnDefinition {
  column: ColumnState;
  /** Constraints written on the column itself (`UNIQUE`, `REFERENCES`, `CHECK`, `PRIMARY KEY`). */
  inlineConstraints: AstObject[];
}

/** A `ColumnDef` node → the column's state as the release leaves it after this definition. */
export function readColumnDefinition(def: AstObject, addedInRelease: boolean): ColumnDefinition {
  const type = readType(def.typeName);
  const serial = type.type !== undefined && SERIAL_TYPES.has(type.type);
  const column: ColumnState = {
    name: typeof def.colname === 'string' ? def.colname : '',
    addedInRelease,
    isArray: type.isArray,
    constantDefault: false,
    filledByDatabase: serial,
    notNullSetInRelease: false,
    defaultDroppedInRelease: false,
    notNull: serial,
    hasDefault: serial,
  };
  if (type.type !== undefined) column.type = type.type;
  column.typeModifiers = type.modifiers;
  const inlineConstraints: AstObject[] = [];
  for (const item of asArray(def.constraints)) {
    const constraint = asObject(asObject(item)?.Constraint);
    if (!constraint) continue;
    switch (constraint.contype) {
      case 'CONSTR_NOTNULL':
        column.notNull = true;
        break;
      case 'CONSTR_NULL':
        column.notNull = false;
        break;
      case 'CONSTR_DEFAULT':
        column.hasDefault = true;
        column.constantDefault = isConstantExpression(constraint.raw_expr);
        column.defaultNode = constraint.raw_expr;
        break;
      case 'CONSTR_IDENTITY':
        column.filledByDatabase = true;
        break;
      case 'CONSTR_GENERATED':
        column.filledByDatabase = true;
        column.generatedFrom = constraint.raw_expr;
        break;
      case 'CONSTR_PRIMARY':
        column.notNull = true;
        inlineConstraints.push(constraint);
        break;
      default:
        inlineConstraints.push(constraint);
    }
  }
  return { column, inlineConstraints };
}

const RULE_BY_CONTYPE: Record<string, RuleId> = {
  CONSTR_CHECK: 'add-check-constraint',
  CONSTR_UNIQUE: 'add-unique',
  CONSTR_PRIMARY: 'add-primary-key',
  CONSTR_FOREIGN: 'add-foreign-key',
  CONSTR_EXCLUSION: 'add-exclusion-constraint',
};

const NAME_SUFFIX: Partial<Record<RuleId, string>> = {
  'add-check-constraint': 'check',
  'add-unique': 'key',
  'add-foreign-key': 'fkey',
  'add-exclusion-constraint': 'excl',
};

export interface ConstraintShape {
  rule: RuleId;
  name: string;
  nameGuessed: boolean;
  columns: string[];
  checkExpression?: unknown;
  notValid: boolean;
  /** `UNIQUE USING INDEX idx`: the constraint takes over an existing index. */
  usingIndex?: string;
}

/**
 * A `Constraint` node → which rule it falls under, its columns and its name (PostgreSQL's default
 * name when none is written, so the remediation can drop it).
 */
export function readConstraint(
  constraint: AstObject,
  table: string,
  column?: string,
): ConstraintShape | undefined {
  const rule = typeof constraint.contype === 'string' ? RULE_BY_CONTYPE[constraint.contype] : undefined;
  if (!rule) return undefined;
  let columns: string[];
  if (rule === 'add-foreign-key') columns = stringList(constraint.fk_attrs);
  else if (rule === 'add-check-constraint') columns = referencedColumns(constraint.raw_expr);
  else if (rule === 'add-exclusion-constraint')
    // Each exclusion is a list `[IndexElem, operator]`.
    columns = asArray(constraint.exclusions).flatMap((pair) => {
      const element = asArray(asObject(asObject(pair)?.List)?.items)[0];
      const name = asObject(asObject(element)?.IndexElem)?.name;
      return typeof name === 'string' ? [name] : [];
    });
  else columns = stringList(constraint.keys);
  if (columns.length === 0 && column !== undefined) columns = [column];
  const written = typeof constraint.conname === 'string' ? constraint.conname : undefined;
  const suffix = rule === 'add-primary-key' ? 'pkey' : (NAME_SUFFIX[rule] ?? 'key');
  const guessed =
    rule === 'add-primary-key'
      ? `${table}_pkey`
      : rule === 'add-check-constraint'
        ? [table, columns[0], suffix].filter(Boolean).join('_')
        : [table, ...columns, suffix].join('_');
  const shape: ConstraintShape = {
    rule,
    name: written ?? guessed,
    nameGuessed: written === undefined,
    columns,
    notValid: constraint.skip_validation === true,
  };
  if (rule === 'add-check-constraint') shape.checkExpression = constraint.raw_expr;
  if (typeof constraint.indexname === 'string') shape.usingIndex = constraint.indexname;
  return shape;
}
