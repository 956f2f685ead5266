/**
 * Less destructive ways out, as plans of their own: the catalog's plan split by what each step
 * changes, least destructive first (flag → code → database; DOMAIN's order). Offered only when
 * the plan mixes kinds: turning a flag off alone, or rolling the code back without its database
 * rollback. Each is frozen on the incident, so what an approver approves is exactly what runs.
 */
import type { Incident, IncidentSafety } from './incident.js';
import type { PlanStep, RollbackPlan } from './plan.js';

export type StepCategory = 'flag' | 'code' | 'database';

export interface Alternative {
  /** Stable id, the suffix of its Approve button's value (`RB-12:flag`). */
  id: 'flag' | 'code';
  title: string;
  /** What it changes, and what it leaves alone, in a responder's words. */
  changes: string;
  plan: RollbackPlan;
}

/** Precondition SQL (`p1`…) belongs with the code rollback it makes safe. */
export function categoryOf(step: PlanStep): StepCategory {
  const kind = step.strategy?.spec.kind;
  if (kind === 'flag') return 'flag';
  if (kind === 'sql') return 'database';
  return 'code';
}

export function alternativesFor(
  incident: Pick<Incident, 'plan' | 'fromVersion'> & { safety?: Pick<IncidentSafety, 'frontendOnlyFlags'> },
): Alternative[] {
  const { plan } = incident;
  const of = (category: StepCategory) => plan.steps.filter((step) => categoryOf(step) === category);
  const [flags, code, database] = [of('flag'), of('code'), of('database')];
  const alternatives: Alternative[] = [];
  const subset = (steps: PlanStep[]): RollbackPlan => ({ ...plan, steps });
  const running = incident.fromVersion ?? 'the current version';
  if (flags.length > 0 && flags.length < plan.steps.length) {
    const keys = flags.map((step) =>
      step.strategy?.spec.kind === 'flag' ? step.strategy.spec.key : step.name,
    );
    // A flag the release checks only in the browser does not stop the server's errors: say so
    // where the button is, rather than offering it as the way out.
    const frontendOnly = keys.filter((key) => incident.safety?.frontendOnlyFlags?.includes(key));
    const caution =
      frontendOnly.length > 0
        ? ` ⚠ ${frontendOnly.join(', ')} is checked only in frontend code while the release's backend changes run unguarded: turning it off will not stop server-side errors.`
        : '';
    alternatives.push({
      id: 'flag',
      title: `Turn ${keys.join(', ')} off instead`,
      changes: `Only the flag${keys.length > 1 ? 's' : ''} ${keys.join(', ')}; the code stays on ${running} and the database is not touched.${caution}`,
      // The checks still tell whether turning the flag off was enough.
      plan: subset(flags),
    });
  }
  if (database.length > 0 && code.length > 0) {
    alternatives.push({
      id: 'code',
      title: 'Roll the code back, keep the database',
      changes: `The code steps${flags.length > 0 ? ' (and the flag)' : ''}; the database rollback (${database.map((step) => step.name).join(', ')}) does not run, so no data written since is lost.`,
      plan: subset([...flags, ...code]),
    });
  }
  return alternatives;
}

/** The plan an approval is for: the alternative's, or the incident's own. */
export function planFor(
  incident: Pick<Incident, 'plan' | 'alternatives'>,
  choice: string | undefined,
): RollbackPlan | undefined {
  if (!choice) return incident.plan;
  return incident.alternatives?.find((alternative) => alternative.id === choice)?.plan;
}

/** The incident with its alternatives computed from its (final) plan; none when there are none. */
export function withAlternatives<
  T extends Pick<Incident, 'plan' | 'fromVersion' | 'alternatives'> & { safety?: IncidentSafety },
>(incident: T): T {
  const alternatives = alternativesFor(incident);
  const { alternatives: _old, ...rest } = incident;
  return (alternatives.length > 0 ? { ...rest, alternatives } : rest) as T;
}
