/**
 * Checks a plan can run as written before any step runs, so a bad plan stops the rollback whole
 * rather than after half of its steps.
 */
import type { RollbackPlan } from '../domain/plan.js';
import { STRATEGIES } from '../domain/strategies/registry.js';
import { isSafeValue } from '../domain/values.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The first thing wrong with the plan, naming the step and field; undefined when it can run. */
export function findPlanProblem(plan: RollbackPlan): string | undefined {
  if (!Array.isArray(plan.steps)) return 'plan.steps must be a list';
  if (!Number.isFinite(plan.timeBudgetMs) || plan.timeBudgetMs <= 0)
    return 'plan.timeBudgetMs must be a positive number';
  const seen = new Set<string>();
  for (const [index, step] of plan.steps.entries()) {
    const where = `steps[${index}] (${step.name || step.id})`;
    if (!STEP_ID.test(step.id)) return `${where}: id "${step.id}" is not a valid step id`;
    if (seen.has(step.id)) return `${where}: id "${step.id}" is used twice`;
    seen.add(step.id);
    if (step.strategy) {
      if (!(step.strategy.spec.kind in STRATEGIES))
        return `${where}: unknown strategy "${step.strategy.spec.kind}"`;
      if (step.strategy.toVersion !== undefined && !isSafeValue(step.strategy.toVersion))
        return `${where}: target version "${step.strategy.toVersion}" does not match the allowed pattern`;
    } else if (!Array.isArray(step.argv) || step.argv.length === 0 || !step.argv[0])
      return `${where}: argv is empty`;
    if (step.argv.some((arg) => typeof arg !== 'string' || arg.includes('\0'))) {
      return `${where}: argv elements must be strings without NUL bytes`;
    }
    if (!Number.isFinite(step.timeoutMs) || step.timeoutMs <= 0)
      return `${where}: timeoutMs must be a positive number`;
    for (const name of Object.keys(step.env ?? {})) {
      if (!ENV_NAME.test(name)) return `${where}: env name "${name}" is not a valid variable name`;
    }
  }
  return undefined;
}
