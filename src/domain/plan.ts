/**
 * A rollback plan: the catalog's steps with every placeholder filled, exactly as they will run.
 * Built before approval and frozen on the incident, so what the approvers saw is what runs.
 */
import type { MetricsConfig } from './evidence/metrics-config.js';
import type { StrategySpec } from './strategies/types.js';
import { isSafeValue } from './values.js';

/** Values that may fill `{placeholder}` argv elements. */
export interface PlanValues {
  service: string;
  environment: string;
  fromVersion?: string;
  toVersion?: string;
  incidentId: string;
}

export interface StepTemplate {
  name: string;
  /** Empty for a strategy step. */
  run: string[];
  /** A step that knows its system: resolved to argv against the live system when it runs. */
  strategy?: StrategySpec;
  idempotent: boolean;
  /** Stop kills it at once instead of letting it finish (the catalog author says that is safe). */
  interruptible?: boolean;
  timeoutMs: number;
  env: Record<string, string>;
}

export interface HttpCheckTemplate {
  name: string;
  kind: 'http';
  url: string;
  expectStatus: number;
  expectBody?: string;
  retries: number;
  intervalMs: number;
  timeoutMs: number;
}

export interface RunCheckTemplate {
  name: string;
  kind: 'run';
  run: string[];
  env: Record<string, string>;
  retries: number;
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Error rate and p99 back within `tolerance` × the pre-deploy baseline, and staying there for
 * `watchMs`. The metrics source is frozen with the plan, like every other check.
 */
export interface MetricsCheckTemplate {
  name: string;
  kind: 'metrics';
  watchMs: number;
  tolerance: number;
  metrics: MetricsConfig;
  /** How often the watch reads the metrics. */
  intervalMs: number;
  retries: number;
  /** One reading's time limit. */
  timeoutMs: number;
}

export type VerifyCheck = HttpCheckTemplate | RunCheckTemplate | MetricsCheckTemplate;

/** One step as it will run: `argv[0]` is the executable, never interpreted by a shell. */
export interface PlanStep {
  /** Stable within the plan: `s1`, `s2`… (preconditions `p1`…), used by the step journal. */
  id: string;
  name: string;
  argv: string[];
  idempotent: boolean;
  /** Stop kills it at once instead of letting it finish (the catalog author says that is safe). */
  interruptible?: boolean;
  timeoutMs: number;
  env: Record<string, string>;
  /** Why the step is there when the bot added it (e.g. a safety precondition). */
  addedBecause?: string;
  /** A strategy step (`argv` is empty): what it targets, resolved when it runs. */
  strategy?: { spec: StrategySpec; toVersion?: string };
}

export interface RollbackPlan {
  steps: PlanStep[];
  verify: VerifyCheck[];
  timeBudgetMs: number;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

const PLACEHOLDER = /\{(service|environment|fromVersion|toVersion|incidentId)\}/g;

/**
 * Fills placeholders in one argv element. A placeholder whose value is unknown or fails the
 * contract's pattern is an error: an unfilled or unsafe argv never runs.
 */
export function fillPlaceholders(element: string, values: PlanValues): string {
  return element.replace(PLACEHOLDER, (_whole, key: keyof PlanValues) => {
    const value = values[key];
    if (value === undefined) throw new PlanError(`{${key}} is unknown for this rollback`);
    if (!isSafeValue(value))
      throw new PlanError(`{${key}} value "${value}" does not match the allowed pattern`);
    return value;
  });
}

/**
 * Fills placeholders in a step's display name, so the card reads "Migrate down to v2.3.0". A name
 * never reaches a command line, so an unknown value is said in words instead of refusing the plan.
 */
export function fillName(name: string, values: PlanValues): string {
  return name.replace(PLACEHOLDER, (_whole, key: keyof PlanValues) => {
    const value = values[key];
    return value !== undefined && isSafeValue(value) ? value : `(${key} unknown)`;
  });
}

export function resolvePlan(
  steps: StepTemplate[],
  verify: VerifyCheck[],
  timeBudgetMs: number,
  values: PlanValues,
): RollbackPlan {
  // A strategy without a target picks "the revision before the current one", which after a
  // rollback is the bad version again: a retry would toggle back. Strategies need the target.
  const revisioned = new Set(['kubernetes', 'helm', 'argoRollouts']);
  if (steps.some((step) => step.strategy && revisioned.has(step.strategy.kind)) && !values.toVersion)
    throw new PlanError('{toVersion} is unknown for this rollback');
  return {
    steps: steps.map((step, index) => ({
      id: `s${index + 1}`,
      name: fillName(step.name, values),
      argv: step.run.map((element) => fillPlaceholders(element, values)),
      idempotent: step.idempotent,
      ...(step.interruptible ? { interruptible: true } : {}),
      ...(step.strategy
        ? {
            strategy: {
              spec: fillStrategy(step.strategy, values),
              ...(values.toVersion ? { toVersion: values.toVersion } : {}),
            },
          }
        : {}),
      timeoutMs: step.timeoutMs,
      env: step.env,
    })),
    verify: verify.map((template) => {
      const check = { ...template, name: fillName(template.name, values) };
      if (check.kind === 'run')
        return { ...check, run: check.run.map((element) => fillPlaceholders(element, values)) };
      if (check.kind === 'http') return { ...check, url: fillPlaceholders(check.url, values) };
      return check;
    }),
    timeBudgetMs,
  };
}

/** An sql step's file names its migration by version: filled, and never leaving its directory. */
function fillStrategy(spec: StrategySpec, values: PlanValues): StrategySpec {
  if (spec.kind !== 'sql') return spec;
  const file = fillPlaceholders(spec.file, values);
  if (/(^|\/)\.{1,2}(\/|$)/.test(file)) throw new PlanError(`the SQL file ${file} leaves its directory`);
  return { ...spec, file };
}

/** The argv as a responder would read it (never executed this way). */
export function displayArgv(argv: string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9._/:@+=,-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}
