/**
 * Whether a column type change leaves the old version's reads and writes working, by a table of
 * PostgreSQL's types rather than a guess: a widening holds every value of the old type with the
 * same meaning; anything else is lossy (old values may not fit, or rolling back loses data) or
 * changes how values compare (citext ↔ text), which breaks the old version's lookups.
 */

/** A column type as the parser names it (`int4`, `varchar`) with its modifiers (`[10, 2]`). */
export interface TypeShape {
  type?: string;
  modifiers: number[];
  isArray: boolean;
}

export type TypeChangeJudgement =
  { kind: 'widening' } | { kind: 'lossy' } | { kind: 'comparison'; why: string };

/** Digits before the point an integer type needs in a numeric(p, s): p − s must reach them. */
const INTEGER_DIGITS: Record<string, number> = { int2: 5, int4: 10, int8: 19 };

/** Old type → targets that hold all of its values, unconstrained (no modifiers). */
const WIDER: Record<string, string[]> = {
  int2: ['int4', 'int8', 'numeric', 'float4', 'float8'],
  int4: ['int8', 'numeric', 'float8'],
  int8: ['numeric'],
  float4: ['float8'],
  varchar: ['text'],
  text: ['varchar'],
  timestamp: ['timestamptz'],
  cidr: ['inet'],
  json: ['jsonb'],
  bit: ['varbit'],
};

/** Pairs that convert losslessly but compare differently after the change. */
const COMPARISON: Record<string, string> = {
  'citext>text': 'comparisons become case-sensitive: the old version’s lookups in another case stop matching',
  'citext>varchar':
    'comparisons become case-sensitive: the old version’s lookups in another case stop matching',
  'text>citext':
    'comparisons become case-insensitive: values the old version kept apart now collide in unique indexes',
  'varchar>citext':
    'comparisons become case-insensitive: values the old version kept apart now collide in unique indexes',
};

/** Types whose modifier is a length or precision that only grows safely. */
const SIZED = new Set(['varchar', 'bit', 'varbit', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval']);

/**
 * `from` undefined: the old type is unknown (a column neither the history nor the release
 * defined); only targets that hold any value of their family without a limit count as widening.
 */
export function judgeTypeChange(from: TypeShape | undefined, to: TypeShape): TypeChangeJudgement {
  if (to.type === undefined) return { kind: 'lossy' };
  if (from === undefined || from.type === undefined) {
    const unbounded =
      to.modifiers.length === 0 && ['text', 'int8', 'numeric', 'float8', 'jsonb'].includes(to.type);
    return unbounded || (to.type === 'varchar' && to.modifiers.length === 0)
      ? { kind: 'widening' }
      : { kind: 'lossy' };
  }
  if (from.isArray !== to.isArray) return { kind: 'lossy' };
  const comparison = COMPARISON[`${from.type}>${to.type}`];
  if (comparison) return { kind: 'comparison', why: comparison };
  if (from.type === to.type) return sameTypeJudgement(from, to);
  if (to.type === 'numeric' && INTEGER_DIGITS[from.type] !== undefined) {
    const [precision, scale = 0] = to.modifiers;
    const fits = precision === undefined || precision - scale >= INTEGER_DIGITS[from.type]!;
    return fits ? { kind: 'widening' } : { kind: 'lossy' };
  }
  // varchar(n) → text, text → varchar (no limit), timestamp(p) → timestamptz(q ≥ p)…
  if (!(WIDER[from.type] ?? []).includes(to.type)) return { kind: 'lossy' };
  if (to.modifiers.length === 0) return { kind: 'widening' };
  if (SIZED.has(to.type) && SIZED.has(from.type) && from.modifiers.length > 0)
    return to.modifiers[0]! >= from.modifiers[0]! ? { kind: 'widening' } : { kind: 'lossy' };
  return { kind: 'lossy' };
}

function sameTypeJudgement(from: TypeShape, to: TypeShape): TypeChangeJudgement {
  if (to.modifiers.length === 0) return { kind: 'widening' }; // the limit is lifted
  if (from.modifiers.length === 0) return { kind: 'lossy' }; // a limit is imposed
  if (from.type === 'numeric') {
    // numeric(p, s) → numeric(p', s): same scale, more digits. A new scale rounds or pads values.
    const [p1, s1 = 0] = from.modifiers;
    const [p2, s2 = 0] = to.modifiers;
    return s1 === s2 && p2! >= p1! ? { kind: 'widening' } : { kind: 'lossy' };
  }
  if (SIZED.has(from.type!))
    return to.modifiers[0]! >= from.modifiers[0]! ? { kind: 'widening' } : { kind: 'lossy' };
  return { kind: 'lossy' };
}
