/**
 * What a rollback-safety report does to an incident, as a pure function: a `conditional` release
 * gets its precondition steps put in front of the rollback (when the catalog can run SQL), and a
 * release the analysis says not to roll back needs an explicit override by two approvers. The
 * result is frozen on the incident, so what the approvers saw is what runs.
 */
import type { Incident, IncidentSafety } from './incident.js';
import type { PlanStep } from './plan.js';
import { parseSql } from './safety/sql-parser.js';
import { categoryOf } from './alternatives.js';
import { GATE_WAIVERS_NEEDED, gateRequirements, type SchemaGate } from './safety/schema-gate.js';
import type { Precondition, SafetyReport } from './safety/types.js';

/** Distinct approvers an override takes, whatever the catalog asks for. */
export const OVERRIDE_APPROVALS = 2;

/** How the environment can act on a report. */
export interface SafetyApplyOptions {
  /** The environment's SQL runner argv prefix, placeholders filled; absent: SQL is run by hand. */
  sqlRunner?: string[];
  /** Timeout of each precondition step. */
  stepTimeoutMs: number;
  /** Whether the environment names a database the schema gate can read. */
  databaseConfigured?: boolean;
}

/** Step ids the bot adds for preconditions; the catalog's own steps are `s1`, `s2`… */
const PRECONDITION_ID = /^p\d+$/;

function versions(incident: Incident): string {
  return `${incident.fromVersion ?? 'the current version'} → ${incident.toVersion ?? 'the previous revision'}`;
}

function firstUnsafeMessage(report: SafetyReport): string | undefined {
  for (const file of report.files)
    for (const finding of file.findings) if (finding.severity === 'unsafe') return finding.message;
  return undefined;
}

/**
 * True only for SQL that can safely run twice (a retried or re-delivered step): setting a default
 * or dropping NOT NULL on columns, and nothing else in the same statement. Read with the real
 * PostgreSQL grammar; anything that does not parse counts as not idempotent.
 */
export function isIdempotentPrecondition(sql: string): boolean {
  const parsed = parseSql(sql);
  if (!parsed.ok || parsed.statements.length !== 1) return false;
  const alter = parsed.statements[0]?.node.AlterTableStmt as
    { cmds?: { AlterTableCmd?: { subtype?: string; def?: unknown } }[] } | undefined;
  const commands = alter?.cmds ?? [];
  return (
    commands.length > 0 &&
    commands.every(({ AlterTableCmd: cmd }) =>
      cmd?.subtype === 'AT_DropNotNull' ? true : cmd?.subtype === 'AT_ColumnDefault' && cmd.def !== undefined,
    )
  );
}

/** One plan step per precondition: the runner's argv with the SQL as ONE final element, no shell. */
export function preconditionSteps(
  preconditions: readonly Precondition[],
  sqlRunner: readonly string[],
  stepTimeoutMs: number,
): PlanStep[] {
  return preconditions.map((precondition, index) => ({
    id: `p${index + 1}`,
    name: `Safety precondition ${index + 1} (SQL)`,
    argv: [...sqlRunner, precondition.sql],
    idempotent: isIdempotentPrecondition(precondition.sql),
    timeoutMs: stepTimeoutMs,
    env: {},
    addedBecause: `rollback safety: ${precondition.why}`,
  }));
}

/** The safety record and whether the preconditions go into the plan. */
function decide(
  incident: Incident,
  report: SafetyReport,
  options: SafetyApplyOptions,
  configuredApprovals: number,
): { safety: IncidentSafety; insertPreconditions: boolean } {
  const base = { verdict: report.verdict, configuredApprovals };
  if (report.verdict === 'unsafe') {
    const what = firstUnsafeMessage(report);
    return {
      safety: {
        ...base,
        override: true,
        why: `Rolling back ${versions(incident)} breaks the old version or loses data${what ? `: ${what}` : '.'} Two approvers must override.`,
      },
      insertPreconditions: false,
    };
  }
  if (report.verdict === 'conditional') {
    const canRun = Boolean(
      options.sqlRunner && options.sqlRunner.length > 0 && report.preconditions.length > 0,
    );
    // Findings no SQL step resolves (a DO block the analysis cannot read) still need a human.
    const unresolved = report.files
      .flatMap((file) => file.findings)
      .filter((finding) => finding.severity === 'conditional' && !finding.sql);
    if (canRun && unresolved.length === 0)
      return { safety: { ...base, override: false }, insertPreconditions: true };
    if (canRun) {
      const why = `Rolling back ${versions(incident)} runs ${report.preconditions.length} precondition step(s) first, but ${unresolved.length} finding(s) need a human review (${unresolved[0]?.rule}). Two approvers must override.`;
      return { safety: { ...base, override: true, why }, insertPreconditions: true };
    }
    const where = `${incident.service}/${incident.environment}`;
    const why =
      report.preconditions.length > 0
        ? `Rolling back ${versions(incident)} is safe only after ${report.preconditions.length} precondition step(s), and no sqlRunner is configured for ${where}: run the SQL below by hand first. Two approvers must override.`
        : `Rolling back ${versions(incident)} is safe only after steps the analysis cannot run for you (see the findings). Two approvers must override.`;
    return { safety: { ...base, override: true, why }, insertPreconditions: false };
  }
  return { safety: { ...base, override: false }, insertPreconditions: false };
}

/**
 * The incident as the report leaves it: plan with or without precondition steps, approvals
 * required (raised to two for an override), and the verdict recorded. Applying a report again
 * (e.g. one that arrived late) replaces what an earlier one added rather than adding twice.
 */
export function applySafety(incident: Incident, report: SafetyReport, options: SafetyApplyOptions): Incident {
  const configuredApprovals = incident.safety?.configuredApprovals ?? incident.policy.requiredApprovals;
  const { safety, insertPreconditions } = decide(incident, report, options, configuredApprovals);
  const ownSteps = incident.plan.steps.filter((step) => !PRECONDITION_ID.test(step.id));
  const added =
    insertPreconditions && options.sqlRunner
      ? preconditionSteps(report.preconditions, options.sqlRunner, options.stepTimeoutMs)
      : [];
  const { requirements, unreadable } = gateRequirements(report.preconditions);
  const gate: SchemaGate | undefined =
    report.preconditions.length > 0
      ? { requirements, unreadable, checkable: Boolean(options.databaseConfigured), waivers: [] }
      : undefined;
  const frontendOnly = report.flags.filter((flag) => flag.frontendOnly).map((flag) => flag.key);
  return {
    ...incident,
    plan: { ...incident.plan, steps: [...added, ...ownSteps] },
    policy: {
      ...incident.policy,
      requiredApprovals: safety.override
        ? Math.max(configuredApprovals, OVERRIDE_APPROVALS)
        : configuredApprovals,
    },
    safety: {
      ...safety,
      ...(gate ? { gate } : {}),
      ...(report.liveSchema ? { liveSchema: report.liveSchema } : {}),
      ...(frontendOnly.length > 0 ? { frontendOnlyFlags: frontendOnly } : {}),
    },
  };
}

/** The incident while its analysis is still running: nobody can approve it yet. */
export function pendingSafety(incident: Incident): Incident {
  return {
    ...incident,
    safety: {
      verdict: 'pending',
      override: false,
      configuredApprovals: incident.safety?.configuredApprovals ?? incident.policy.requiredApprovals,
    },
  };
}

/** Why an approval must wait for the safety analysis, or undefined when it need not. */
export function safetyHold(incident: Incident, plan: Incident['plan'] = incident.plan): string | undefined {
  if (incident.safety?.verdict === 'pending')
    return `The rollback-safety analysis of ${incident.id} is still running; approve once the card shows its verdict.`;
  // Turning a flag off touches neither the code nor the database: the gate is not its business.
  const gate = plan.steps.some((step) => categoryOf(step) !== 'flag') ? incident.safety?.gate : undefined;
  if (gate && (!gate.checkable || gate.unreadable.length > 0) && gate.waivers.length < GATE_WAIVERS_NEEDED) {
    const why = gate.checkable
      ? 'some precondition SQL says nothing the gate can check'
      : `no database is configured for ${incident.service}/${incident.environment}`;
    return `The schema gate cannot check the rollback's preconditions (${why}). Two approvers must waive it (“Waive the schema gate”) before it can be approved.`;
  }
  return undefined;
}
