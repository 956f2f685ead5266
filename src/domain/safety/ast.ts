/**
 * Small readers over libpg-query's JSON AST. The tree is untyped JSON at runtime; these helpers
 * keep every access checked instead of casting whole nodes.
 */

export type AstObject = Record<string, unknown>;

export function asObject(value: unknown): AstObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as AstObject)
    : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `{ String: { sval } }` → sval. */
export function stringValue(value: unknown): string | undefined {
  const inner = asObject(asObject(value)?.String);
  return typeof inner?.sval === 'string' ? inner.sval : undefined;
}

/** A list of `String` nodes (a qualified name, a key list) → its strings. */
export function stringList(value: unknown): string[] {
  return asArray(value).flatMap((item) => {
    const text = stringValue(item);
    return text === undefined ? [] : [text];
  });
}

/** The single key of a node such as `{ AlterTableStmt: {...} }` and its body. */
export function nodeKind(node: unknown): [string, AstObject] | undefined {
  const object = asObject(node);
  if (!object) return undefined;
  const [kind] = Object.keys(object);
  const body = kind === undefined ? undefined : asObject(object[kind]);
  return kind !== undefined && body ? [kind, body] : undefined;
}

/** Whether any node below `value` has one of the given kinds (e.g. `NullTest`). */
export function containsKind(value: unknown, kinds: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((item) => containsKind(item, kinds));
  const object = asObject(value);
  if (!object) return false;
  return Object.entries(object).some(([key, child]) => kinds.has(key) || containsKind(child, kinds));
}

/** Column names referenced anywhere below `value` (`ColumnRef` nodes), in order of appearance. */
export function referencedColumns(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((item) => referencedColumns(item, found));
    return found;
  }
  const object = asObject(value);
  if (!object) return found;
  const columnRef = asObject(object.ColumnRef);
  if (columnRef) {
    const last = stringList(columnRef.fields).at(-1);
    if (last !== undefined && !found.includes(last)) found.push(last);
    return found;
  }
  Object.values(object).forEach((child) => referencedColumns(child, found));
  return found;
}

/** A `RangeVar` (table reference) → schema (when written) and name. */
export function rangeVar(value: unknown): { schema?: string; name: string } | undefined {
  const object = asObject(value);
  if (!object || typeof object.relname !== 'string') return undefined;
  return typeof object.schemaname === 'string'
    ? { schema: object.schemaname, name: object.relname }
    : { name: object.relname };
}
