/**
 * Builders for worker tests: a catalog whose steps are real node processes (record.mjs) logging to
 * files, the real bot with short worker timings, and helpers to approve and wait for endings.
 */
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { parseCatalog } from '../../../src/catalog/load.js';
import { loadConfig } from '../../../src/config.js';
import { startBot, type Bot, type BotOptions } from '../../../src/bot.js';
import type { IncidentState } from '../../../src/domain/incident.js';
import type { TimelineEvent } from '../../../src/domain/timeline.js';
import { pino } from 'pino';
import {
  BOT_TOKEN,
  SIGNING_SECRET,
  eventually,
  startHarness,
  type Harness,
} from '../../support/bot-harness.js';
import { RECORD_STEP, REPO } from '../execution/helpers.js';

const REGISTER = join(REPO, 'scripts/ts-register.js');
const WORKER = join(REPO, 'test/integration/worker/fixtures/worker-process.ts');

export { RECORD_STEP, readLog, scratchDir, starts, isAlive, intervals } from '../execution/helpers.js';
export { eventually, type Harness } from '../../support/bot-harness.js';

/** A step of the test catalog. */
export interface StepSpec {
  name: string;
  /** Log file of record.mjs. */
  log: string;
  /** First argv element after the script (the step's label in the log). */
  label?: string;
  env?: Record<string, string>;
  /** Printed by the step (passed in argv: values of a step's env are redacted from its output). */
  print?: string;
  /** A file whose text the step prints (for text that must not appear in the argv the card shows). */
  printFile?: string;
  idempotent?: boolean;
  interruptible?: boolean;
  timeout?: string;
}

/** One environment's settings in the test catalog. */
export interface EnvSpec {
  steps: StepSpec[];
  verify?: string;
  maxAttempts?: number;
  retryDelay?: string;
  timeBudget?: string;
  notify?: string;
}

function stepYaml(step: StepSpec): string {
  const env = { STEP_LOG: step.log, ...step.env };
  return [
    `          - name: ${JSON.stringify(step.name)}`,
    `            run: ${JSON.stringify([process.execPath, RECORD_STEP, step.label ?? step.name, ...(step.print ? ['--print', step.print] : []), ...(step.printFile ? ['--print-file', step.printFile] : [])])}`,
    `            env: ${JSON.stringify(env)}`,
    `            idempotent: ${step.idempotent ?? false}`,
    ...(step.interruptible ? ['            interruptible: true'] : []),
    ...(step.timeout ? [`            timeout: ${step.timeout}`] : []),
  ].join('\n');
}

function envYaml(name: string, spec: EnvSpec): string {
  return [
    `      ${name}:`,
    `        maxAttempts: ${spec.maxAttempts ?? 1}`,
    `        retryDelay: ${spec.retryDelay ?? '50ms'}`,
    `        timeBudget: ${spec.timeBudget ?? '1m'}`,
    '        rollback:',
    ...spec.steps.map(stepYaml),
    ...(spec.verify ? [spec.verify] : []),
    ...(spec.notify ? [spec.notify] : []),
  ].join('\n');
}

/** A catalog: services → environments → steps. Approver U0LEAD; requester U0REQUESTER. */
export function workerCatalogYaml(services: Record<string, Record<string, EnvSpec>>): string {
  const lines = [
    'version: 1',
    'defaults:',
    '  channel: C0INCIDENTS',
    '  approvers: [U0LEAD, U0SECOND]',
    '  requiredApprovals: 1',
    'services:',
  ];
  for (const [service, envs] of Object.entries(services)) {
    lines.push(`  ${service}:`, '    environments:');
    for (const [name, spec] of Object.entries(envs)) lines.push(envYaml(name, spec));
  }
  return `${lines.join('\n')}\n`;
}

/** Short timings so stalls, shutdowns and the reconciler act within a test's patience. */
export const FAST_EXECUTION: NonNullable<BotOptions['execution']> = {
  worker: {
    lockDurationMs: 1500,
    stalledIntervalMs: 500,
    maxStalledCount: 1,
    shutdownGraceMs: 2000,
    stepLeaseMs: 1500,
  },
  reconcileIntervalMs: 300,
  progressIntervalMs: 50,
};

export async function startWorkerHarness(
  yaml: string,
  overrides: Partial<BotOptions> = {},
): Promise<Harness> {
  return startHarness(
    {},
    {
      catalog: parseCatalog(yaml, 'worker-test-catalog.yaml'),
      execution: FAST_EXECUTION,
      ...overrides,
    },
  );
}

/** Another bot process-alike on the same Redis prefix and Slack stand-in (e.g. role `worker`). */
export async function extraBot(
  h: Harness,
  yaml: string,
  role: 'all' | 'web' | 'worker',
  execution = FAST_EXECUTION,
): Promise<Bot> {
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: h.slack.apiUrl,
    PORT: '0',
    REDIS_URL: h.redis.url,
    REDIS_PREFIX: h.redis.prefix,
    ROLLBACK_ROLE: role,
    LOG_LEVEL: 'silent',
  });
  return startBot({
    config,
    catalog: parseCatalog(yaml, 'worker-test-catalog.yaml'),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    execution,
  });
}

/** Opens a request by slash command and returns its id (the newest incident). */
export async function openRequest(h: Harness, text: string): Promise<string> {
  const before = (await h.bot.deps.store.recentIds(1))[0];
  const answer = await h.slash(text);
  expect(answer.status).toBe(200);
  return eventually(async () => {
    const [id] = await h.bot.deps.store.recentIds(1);
    const incident = id && id !== before ? await h.bot.deps.store.get(id) : undefined;
    return incident?.messageTs ? id : undefined;
  });
}

/** Opens and approves a request; returns its id. */
export async function approveRequest(h: Harness, text: string, approver = 'U0LEAD'): Promise<string> {
  const id = await openRequest(h, text);
  const clicked = await h.click('approve', id, approver);
  expect(clicked.status).toBe(200);
  return id;
}

export async function waitForState(
  h: Harness,
  id: string,
  states: IncidentState[],
  timeoutMs = 10_000,
): Promise<IncidentState> {
  return eventually(async () => {
    const state = (await h.bot.deps.store.get(id))?.state;
    return state && states.includes(state) ? state : undefined;
  }, timeoutMs);
}

export async function timelineTypes(h: Harness, id: string): Promise<string[]> {
  return (await h.bot.deps.store.timeline(id)).map((e) => e.type);
}

export async function eventsOf<T extends TimelineEvent['type']>(
  h: Harness,
  id: string,
  type: T,
): Promise<Extract<TimelineEvent, { type: T }>[]> {
  return (await h.bot.deps.store.timeline(id)).filter(
    (e): e is Extract<TimelineEvent, { type: T }> => e.type === type,
  );
}

/** Everything posted in an incident's thread, as text (text field and blocks). */
export async function threadText(h: Harness, id: string): Promise<string> {
  const incident = await h.bot.deps.store.get(id);
  if (!incident?.messageTs) return '';
  return h.slack
    .threadReplies(incident.channel, incident.messageTs)
    .map((m) => `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`)
    .join('\n');
}

export async function cardText(h: Harness, id: string): Promise<string> {
  const incident = await h.bot.deps.store.get(id);
  if (!incident?.messageTs) return '';
  return JSON.stringify(h.slack.message(incident.channel, incident.messageTs)?.blocks ?? []);
}

/** A worker process started by {@link startChildWorker}. */
export interface ChildWorker {
  process: ResultPromise;
  /** Everything it printed so far (stdout, and its log lines on stderr). */
  output(): string;
}

/**
 * A worker-only bot in a process of its own (fixtures/worker-process.ts), to kill or freeze.
 * Wrapped in an object: an execa process is a thenable, so returning it from an async function
 * would wait for its exit.
 */
export async function startChildWorker(
  harness: Harness,
  yaml: string,
  options: { redisUrl?: string; logLevel?: string } = {},
): Promise<ChildWorker> {
  const started = execa(
    process.execPath,
    [
      '--import',
      REGISTER,
      WORKER,
      JSON.stringify({
        redisUrl: options.redisUrl ?? harness.redis.url,
        prefix: harness.redis.prefix,
        slackApiUrl: harness.slack.apiUrl,
        catalogYaml: yaml,
        execution: FAST_EXECUTION,
      }),
    ],
    // No SIGKILL from execa 5 s after a SIGTERM: how the process handles signals is under test.
    {
      cwd: REPO,
      reject: false,
      forceKillAfterDelay: false,
      env: { WORKER_LOG_LEVEL: options.logLevel ?? 'silent' },
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  started.stdout?.on('data', collect);
  started.stderr?.on('data', collect);
  await eventually(() => (output.includes('READY') ? true : undefined), 20_000);
  return { process: started, output: () => output };
}
