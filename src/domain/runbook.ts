/**
 * An environment's rollback runbook, from the catalog and the drill history: what must be in place,
 * how to find the version to go back to, each step's exact command with the time it took in the
 * last drills, the migration and configuration side, verification, what to do when it goes wrong,
 * and whom to call. Rendered as Markdown by templates/runbook.md.hbs.
 */
import type { EnvironmentConfig } from '../catalog/types.js';
import { displayArgv, type VerifyCheck } from './plan.js';
import { DRILL_STALE_MS, ROLLBACK_GOAL_MS, rehearsalLine, stepEstimate, verifyEstimate } from './drill.js';
import type { DrillRecord } from './drill.js';
import { stepCommandText } from './strategies/registry.js';
import { formatDuration } from './values.js';
import { formatUtcDateTime } from './format-time.js';

export interface RunbookStep {
  number: number;
  name: string;
  command: string;
  notes: string;
  estimate: string;
}

export interface RunbookModel {
  title: string;
  generatedAt: string;
  rehearsal: string;
  prerequisites: string[];
  identifyPrevious: string[];
  steps: RunbookStep[];
  dataAndConfig: string[];
  verification: string[];
  troubleshooting: string[];
  contacts: string[];
  total: string;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : formatDuration(Math.round(ms / 1000) * 1000);
}

function checkText(check: VerifyCheck): string {
  if (check.kind === 'http')
    return `${check.name}: HTTP ${check.expectStatus} from ${check.url} (${check.retries} retries, every ${formatDuration(check.intervalMs)})`;
  if (check.kind === 'metrics')
    return `${check.name}: error rate and p99 within ${check.tolerance}× the pre-deploy baseline for ${formatDuration(check.watchMs)}`;
  return `${check.name}: \`${displayArgv(check.run)}\` exits 0`;
}

/** The tools the steps call (argv[0], or what a strategy runs), for the prerequisites. */
function toolsOf(env: EnvironmentConfig): string[] {
  const tools = new Set<string>();
  for (const step of env.rollback) {
    if (step.run[0]) tools.add(step.run[0]);
    const kind = step.strategy?.kind;
    if (kind === 'kubernetes') tools.add('kubectl');
    if (kind === 'helm') tools.add('helm');
    if (kind === 'argoRollouts') tools.add('kubectl-argo-rollouts');
    if (kind === 'sql') ['psql', 'pg_dump'].forEach((tool) => tools.add(tool));
  }
  if (env.sqlRunner?.[0]) tools.add(env.sqlRunner[0]);
  for (const check of env.verify) if (check.kind === 'run' && check.run[0]) tools.add(check.run[0]);
  return [...tools];
}

function secretNames(env: EnvironmentConfig): string[] {
  const names = new Set<string>();
  for (const step of env.rollback) {
    if (step.strategy?.kind === 'sql') names.add(step.strategy.databaseEnv);
    if (step.strategy?.kind === 'flag') names.add(step.strategy.tokenEnv);
  }
  if (env.database) names.add(env.database.urlEnv);
  if (env.metrics?.bearerTokenEnv) names.add(env.metrics.bearerTokenEnv);
  return [...names];
}

function previousVersionHelp(env: EnvironmentConfig): string[] {
  const where = `${env.service} ${env.environment}`;
  const lines = [
    `\`/rollback dry-run ${where}\` names the version the bot would go back to (the deploy before the running one, from CI's deploy events) and what each step would do against the live system, changing nothing.`,
    `Give the target explicitly with \`--to <version>\` when the deploy history is missing or wrong.`,
  ];
  for (const step of env.rollback) {
    const spec = step.strategy;
    if (spec?.kind === 'kubernetes')
      lines.push(
        `\`kubectl rollout history deployment/${spec.deployment} -n ${spec.namespace}\` lists its revisions.`,
      );
    if (spec?.kind === 'helm')
      lines.push(`\`helm history ${spec.release} -n ${spec.namespace}\` lists its releases.`);
    if (spec?.kind === 'argoRollouts')
      lines.push(
        `\`kubectl argo rollouts get rollout ${spec.rollout} -n ${spec.namespace}\` shows its revisions.`,
      );
  }
  return lines;
}

function dataAndConfig(env: EnvironmentConfig): string[] {
  const lines = [
    'Rolling code back does not roll data back. The assessment card checks the release for migrations, dependency bumps, flags and configuration; when it says *conditional*, its precondition SQL runs first; when *unsafe*, fix forward or turn the flag off instead.',
    'Before a release ships, CI can run `npx rollback-bot check-migrations --base <last-release-tag> --fail-on conditional <migrations-dir>`.',
  ];
  if (env.sqlRunner)
    lines.push(`Preconditions run through the sqlRunner: \`${displayArgv(env.sqlRunner)} <SQL>\`.`);
  else
    lines.push(
      'No sqlRunner is configured: a precondition is shown on the card to be run by hand, and approving without it takes an override.',
    );
  if (env.database)
    lines.push(
      `The live schema is read from ${env.database.urlEnv} (read-only) to check a precondition is in effect before the first code step.`,
    );
  for (const step of env.rollback) {
    if (step.strategy?.kind === 'sql')
      lines.push(
        `"${step.name}" runs ${step.strategy.file} after a pg_dump of every table it touches; it is not idempotent: a crash mid-way stops for a human.`,
      );
    if (step.strategy?.kind === 'flag')
      lines.push(
        `"${step.name}" turns ${step.strategy.key} off in ${step.strategy.provider}: configuration, not code.`,
      );
  }
  return lines;
}

const TROUBLESHOOTING = [
  "A step fails or times out: the bot retries the rollback with backoff, then escalates in the thread with the output's last lines; read them, fix, and open a new request (steps already done are not run twice unless idempotent).",
  '"Queued behind another rollback": one rollback runs at a time per environment; wait, or Stop the running one (approvers only) from its progress message.',
  'The card says the schema gate is closed: the precondition is not in effect in the live database; run it (or let the plan run it) before approving the code step.',
  'CD refuses to deploy after the rollback (`GET /locks/…` answers 423): that is the deploy lock; fix forward, then `/rollback unlock <service> <environment>`.',
  "No card appears: check the bot's `/readyz` (Redis, catalog) and that it is in the channel; the request is kept and the card posted once Slack answers.",
];

export function buildRunbook(env: EnvironmentConfig, drills: DrillRecord[], now: Date): RunbookModel {
  const rehearsal = rehearsalLine(drills, now);
  const stale = drills[0] === undefined || now.getTime() - Date.parse(drills[0].at) > DRILL_STALE_MS;
  const steps: RunbookStep[] = env.rollback.map((step, index) => {
    const estimate = stepEstimate(drills, step.name);
    const notes = [
      step.idempotent || (step.strategy && step.strategy.kind !== 'sql')
        ? 'idempotent: safe to re-run'
        : 'not idempotent: never re-run by the bot',
      `timeout ${formatDuration(step.timeoutMs)}`,
    ];
    if (step.interruptible) notes.push('Stop kills it at once');
    return {
      number: index + 1,
      name: step.name,
      command: stepCommandText({
        argv: step.run,
        ...(step.strategy ? { strategy: { spec: step.strategy } } : {}),
      }),
      notes: notes.join('; '),
      estimate: estimate === undefined ? 'not yet rehearsed' : `~${seconds(estimate)} in the last drills`,
    };
  });
  const verify = verifyEstimate(drills);
  const estimates = env.rollback.map((step) => stepEstimate(drills, step.name));
  const known =
    estimates.every((ms) => ms !== undefined) && (env.verify.length === 0 || verify !== undefined);
  const totalMs = estimates.reduce<number>((sum, ms) => sum + (ms ?? 0), 0) + (verify ?? 0);
  const goal = formatDuration(ROLLBACK_GOAL_MS);
  const total = known
    ? `${seconds(totalMs)} from approval to verified in the last drills, against the ${goal} goal: ${totalMs <= ROLLBACK_GOAL_MS ? 'within it' : `OVER it by ${seconds(totalMs - ROLLBACK_GOAL_MS)}`}${stale ? ' (but the drills are stale: rehearse again)' : ''}.`
    : `Not yet rehearsed end to end: the ${goal} goal is unproven. Run \`/rollback drill ${env.service} <non-production environment>\`.`;
  return {
    title: `Rollback runbook: ${env.service} / ${env.environment}`,
    generatedAt: formatUtcDateTime(now.toISOString()),
    rehearsal: rehearsal.text,
    prerequisites: [
      `Slack: the bot is in ${env.channel}; ${env.requiredApprovals} approval(s) from ${env.approvers.join(', ') || 'nobody (no approvers configured: nothing can be approved)'}${env.allowSelfApproval ? '' : ', never the requester'}.`,
      `Tools on the worker: ${toolsOf(env).join(', ') || 'none'}.`,
      ...(secretNames(env).length
        ? [`Environment variables the worker needs: ${secretNames(env).join(', ')}.`]
        : []),
      `Budget: ${formatDuration(env.timeBudgetMs)} for the whole rollback, verification included; ${env.maxAttempts} attempt(s), retries after ${formatDuration(env.retryDelayMs)} doubling.`,
    ],
    identifyPrevious: previousVersionHelp(env),
    steps,
    dataAndConfig: dataAndConfig(env),
    verification: env.verify.length
      ? [
          ...env.verify.map(checkText),
          `Verification ${verify === undefined ? 'is not yet rehearsed' : `took ~${seconds(verify)} in the last drills`}.`,
        ]
      : ['No verification checks are configured: add a health check and a metrics watch.'],
    troubleshooting: TROUBLESHOOTING,
    contacts: [
      `Incident channel: ${env.channel}.`,
      `Approvers: ${env.approvers.join(', ') || 'none configured'}.`,
      ...(env.alerts.pagerduty.length ? [`PagerDuty services: ${env.alerts.pagerduty.join(', ')}.`] : []),
    ],
    total,
  };
}
