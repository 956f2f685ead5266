/**
 * Dry run: what each step of a plan would do against the live system, changing nothing. Strategy
 * steps are resolved for real (their reads are read-only) and the tools' own dry runs are asked
 * where they have one (`kubectl rollout undo --dry-run=server`, `helm rollback --dry-run`); plain
 * `run` steps are shown, never run; the schema gate is evaluated against the live database.
 */
import { findEnvironment } from '../catalog/load.js';
import type { Incident } from '../domain/incident.js';
import { displayArgv, resolvePlan, type PlanStep, type RollbackPlan } from '../domain/plan.js';
import { StrategyRefusal } from '../domain/strategies/types.js';
import type { FlowDeps } from './deps.js';
import type { ClickOutcome } from './decide.js';
import { UserFacingError } from './errors.js';
import type { CommandRunner } from './ports/command-runner.js';
import { schemaGate } from './schema-gate.js';
import { resolveStrategyStep } from './strategy-step.js';
import { describeFlag } from './flag-step.js';
import { FlagProviderError, type FlagProviders } from './ports/flags.js';
import { requestContext } from './unlock.js';

/** The tool's own dry-run flag for a resolved command, when it has one. */
export function toolDryRun(argv: string[]): string[] | undefined {
  if (argv[0] === 'kubectl' && argv[1] === 'rollout' && argv[2] === 'undo')
    return [...argv, '--dry-run=server'];
  if (argv[0] === 'helm' && argv[1] === 'rollback') return [...argv, '--dry-run'];
  return undefined;
}

async function dryRunStep(
  runner: CommandRunner,
  step: PlanStep,
  index: number,
  lookupEnv: (name: string) => string | undefined,
  flags: FlagProviders,
): Promise<string> {
  const head = `${index + 1}. *${step.name}*`;
  if (!step.strategy) return `${head}: would run \`${displayArgv(step.argv)}\` (not run in a dry run)`;
  if (step.strategy.spec.kind === 'flag') {
    try {
      return `${head}: ${await describeFlag(step, { providers: flags, lookupEnv, incidentId: 'dry-run' })}`;
    } catch (error) {
      if (error instanceof StrategyRefusal || error instanceof FlagProviderError)
        return `${head}: *would fail*: ${error.message}`;
      throw error;
    }
  }
  const request = { env: step.env, timeoutMs: Math.min(step.timeoutMs, 30_000) };
  try {
    const { resolution, env } = await resolveStrategyStep(runner, step, request, {
      lookupEnv,
      runLabel: 'dry-run',
    });
    const lines = [`${head}: ${resolution.summary}`];
    for (const argv of resolution.commands) {
      lines.push(`   would run \`${displayArgv(argv)}\``);
      const dry = toolDryRun(argv);
      if (!dry) continue;
      const answer = await runner.run({ ...request, env, argv: dry });
      const said = answer.outputTail.trim().split('\n').slice(-3).join(' / ');
      // A refusal's reason ("Forbidden: cannot patch deployments") is in the output, not the exit code.
      const result =
        answer.status === 'succeeded' ? said || 'ok' : `${answer.error}${said ? `: ${said}` : ''}`;
      lines.push(`   \`${displayArgv(dry)}\`: ${result}`);
    }
    return lines.join('\n');
  } catch (error) {
    if (error instanceof StrategyRefusal) return `${head}: *would refuse*: ${error.message}`;
    throw error;
  }
}

/** The dry run of a plan, as lines of mrkdwn. */
export async function dryRunLines(deps: FlowDeps, incident: Incident): Promise<string[]> {
  const lines: string[] = [];
  for (const [index, step] of incident.plan.steps.entries())
    lines.push(await dryRunStep(deps.runner, step, index, (name) => deps.catalogEnv[name], deps.flags));
  const gate = schemaGate(deps, incident, { dryRun: true });
  if (gate) {
    const answer = await gate();
    lines.push(
      answer.open
        ? ':unlock: Schema gate: would open.'
        : `:lock: Schema gate: *would stop the rollback*: ${answer.why}`,
    );
  }
  return lines;
}

/** The card's Dry run button: the dry run goes into the incident's thread, and on its timeline. */
export async function dryRunClick(deps: FlowDeps, incidentId: string, userId: string): Promise<ClickOutcome> {
  const incident = await deps.store.get(incidentId);
  if (!incident?.messageTs) return { notice: `There is no incident ${incidentId} with a card yet.` };
  const lines = await dryRunLines(deps, incident);
  await deps.slack.chat.postMessage({
    channel: incident.channel,
    thread_ts: incident.messageTs,
    text: `Dry run of ${incident.id} (asked by <@${userId}>): nothing was changed.\n${lines.join('\n')}`,
  });
  await deps.store.append(incidentId, {
    type: 'note',
    at: deps.now().toISOString(),
    text: `Dry run asked by ${userId}: ${lines.length} line(s) posted in the thread; nothing was changed`,
  });
  return {};
}

/** `/rollback dry-run <service> <environment> [--to v]`: the plan as it would run, no incident opened. */
export async function dryRunRequest(
  deps: FlowDeps,
  request: { service: string; environment: string; toVersion?: string },
): Promise<string> {
  const env = findEnvironment(deps.catalog, request.service, request.environment);
  if (!env) throw new UserFacingError(`${request.service}/${request.environment} is not in the catalog.`);
  const context = await requestContext(deps, request.service, request.environment, request.toVersion);
  const values = { ...request, ...context, incidentId: 'dry-run' };
  let plan: RollbackPlan;
  try {
    plan = resolvePlan(env.rollback, env.verify, env.timeBudgetMs, values);
  } catch (error) {
    throw new UserFacingError(
      `Cannot build the plan: ${error instanceof Error ? error.message : String(error)}.`,
    );
  }
  const lines: string[] = [];
  for (const [index, step] of plan.steps.entries())
    lines.push(await dryRunStep(deps.runner, step, index, (name) => deps.catalogEnv[name], deps.flags));
  const versions = `${values.fromVersion ?? 'the running version'} → ${values.toVersion ?? 'the previous one'}`;
  return [
    `*Dry run* of rolling ${request.service}/${request.environment} back (${versions}); nothing was changed, no request opened.`,
    ...lines,
    `_Verify afterwards: ${plan.verify.map((check) => check.name).join(', ') || 'no checks'}. The safety analysis and the schema gate run when you open the request; its card's Dry run button includes the gate._`,
  ].join('\n');
}
