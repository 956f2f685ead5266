/**
 * The live schema gate: what a release's rollback preconditions require of the live database, and
 * whether it holds. A precondition such as `ALTER TABLE orders ALTER COLUMN order_metadata SET
 * DEFAULT '{}'` exists so the old code's inserts, which omit the column, succeed; the gate asks
 * exactly that of the live column: nullable, or with a default. Pure: column states in, verdict out.
 */
import type { Precondition, SafetyReport } from './types.js';
import { parseSql } from './sql-parser.js';

export interface ColumnRef {
  schema?: string;
  table: string;
  column: string;
}

/** A column that must accept inserts that omit it, and the precondition SQL that makes it so. */
export interface GateRequirement extends ColumnRef {
  sql: string;
  why: string;
}

/** A live column as the database describes it; `exists: false` when the table has no such column. */
export interface ColumnState extends ColumnRef {
  exists: boolean;
  nullable: boolean;
  hasDefault: boolean;
}

/** The gate as frozen on an incident. */
export interface SchemaGate {
  requirements: GateRequirement[];
  /** Precondition SQL the gate cannot read a requirement from: it cannot be checked, only waived. */
  unreadable: string[];
  /** Whether the environment names a database the gate can read. */
  checkable: boolean;
  /** Approvers who waived the gate; it is waived at two. */
  waivers: string[];
}

export const GATE_WAIVERS_NEEDED = 2;

export const columnName = (ref: ColumnRef) =>
  `${ref.schema ? `${ref.schema}.` : ''}${ref.table}.${ref.column}`;

type AlterCmd = { AlterTableCmd?: { subtype?: string; name?: string } };
type AlterStmt = { relation?: { schemaname?: string; relname?: string }; cmds?: AlterCmd[] };

/** The requirements a set of preconditions stands for; SQL of any other shape is `unreadable`. */
export function gateRequirements(
  preconditions: readonly Precondition[],
): Pick<SchemaGate, 'requirements' | 'unreadable'> {
  const requirements: GateRequirement[] = [];
  const unreadable: string[] = [];
  for (const precondition of preconditions) {
    const parsed = parseSql(precondition.sql);
    const alter =
      parsed.ok && parsed.statements.length === 1
        ? (parsed.statements[0]?.node.AlterTableStmt as AlterStmt | undefined)
        : undefined;
    const table = alter?.relation?.relname;
    const cmds = alter?.cmds ?? [];
    const columns = cmds.map(({ AlterTableCmd: cmd }) =>
      cmd && (cmd.subtype === 'AT_ColumnDefault' || cmd.subtype === 'AT_DropNotNull') ? cmd.name : undefined,
    );
    if (!table || columns.length === 0 || columns.some((column) => !column)) {
      unreadable.push(precondition.sql);
      continue;
    }
    for (const column of columns as string[])
      requirements.push({
        ...(alter?.relation?.schemaname ? { schema: alter.relation.schemaname } : {}),
        table,
        column,
        sql: precondition.sql,
        why: precondition.why,
      });
  }
  return { requirements, unreadable };
}

/** Old code's inserts omit the column: it must be nullable or have a default (or be gone). */
export const accepted = (state: ColumnState) => !state.exists || state.nullable || state.hasDefault;

const sameColumn = (a: ColumnRef, b: ColumnRef) =>
  a.table === b.table && a.column === b.column && (!a.schema || !b.schema || a.schema === b.schema);

export interface GateVerdict {
  open: boolean;
  /** Requirements in effect, as sentences ("orders.order_metadata has a default"). */
  inEffect: string[];
  /** What is still missing, each with the SQL that fixes it. */
  missing: string[];
}

/** The gate against the live columns. A requirement whose table was not found counts as missing. */
export function evaluateGate(
  requirements: readonly GateRequirement[],
  states: readonly ColumnState[],
): GateVerdict {
  const inEffect: string[] = [];
  const missing: string[] = [];
  for (const requirement of requirements) {
    const state = states.find((candidate) => sameColumn(candidate, requirement));
    const name = columnName(requirement);
    if (!state) {
      missing.push(
        `${name} is not in the live database (wrong database, or the table is gone): the gate cannot tell`,
      );
    } else if (accepted(state)) {
      inEffect.push(
        !state.exists
          ? `${name} no longer exists`
          : state.hasDefault
            ? `${name} has a default`
            : `${name} is nullable`,
      );
    } else {
      missing.push(`${name} is still NOT NULL without a default: run \`${requirement.sql}\` first`);
    }
  }
  return { open: missing.length === 0, inEffect, missing };
}

/**
 * The report once the live schema was read: preconditions already in effect are dropped (and say
 * so), and a conditional release whose every precondition holds, with nothing else to review, is
 * safe to roll back as it stands. A read that failed is noted and changes nothing.
 */
export function withLiveSchema(
  report: SafetyReport,
  live: { states: readonly ColumnState[] } | { error: string },
): SafetyReport {
  if ('error' in live) return { ...report, liveSchema: { inEffect: [], missing: [], error: live.error } };
  const { requirements } = gateRequirements(report.preconditions);
  const verdict = evaluateGate(requirements, live.states);
  const metSql = new Set(
    report.preconditions
      .filter((p) => {
        const own = requirements.filter((r) => r.sql === p.sql);
        return own.length > 0 && evaluateGate(own, live.states).open;
      })
      .map((p) => p.sql),
  );
  const preconditions = report.preconditions.filter((p) => !metSql.has(p.sql));
  const unresolved = report.files.some((file) =>
    file.findings.some((f) => f.severity === 'unsafe' || (f.severity === 'conditional' && !f.sql)),
  );
  const safe = report.verdict === 'conditional' && preconditions.length === 0 && !unresolved;
  return {
    ...report,
    preconditions,
    ...(safe ? { verdict: 'safe' as const } : {}),
    liveSchema: { inEffect: verdict.inEffect, missing: verdict.missing },
  };
}
