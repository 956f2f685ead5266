/**
 * Starts the real bot in-process: real HTTP server on a free port, real Redis under a unique
 * prefix, Slack reached through the local stand-in. Requests are signed exactly as Slack signs them.
 */
import { parseCatalog } from '../../src/catalog/load.js';
import { loadConfig } from '../../src/config.js';
import { startBot, type Bot, type BotOptions } from '../../src/bot.js';
import { pino } from 'pino';
import { SlackStub } from './slack-stub.js';
import { blockActionBody, postSigned, slashCommandBody, type SendOptions } from './slack-signing.js';
import { testRedis, type TestRedis } from './redis.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-token';

export interface CatalogOptions {
  approvers?: string[];
  requiredApprovals?: number;
  allowSelfApproval?: boolean;
  approvalTimeout?: string;
  steps?: string;
  /** Absolute path of a git checkout for the checkout service (rollback-safety analysis). */
  repo?: string;
  /** The production environment's sqlRunner argv prefix. */
  sqlRunner?: string[];
  /** Extra YAML for the production environment, indented to its keys (e.g. `database:`). */
  extraProduction?: string;
}

export function testCatalogYaml(o: CatalogOptions = {}): string {
  return `version: 1
defaults:
  channel: C0INCIDENTS
  approvers: ${JSON.stringify(o.approvers ?? ['U0LEAD', 'S0SRE'])}
  requiredApprovals: ${o.requiredApprovals ?? 1}
  allowSelfApproval: ${o.allowSelfApproval ?? false}
  approvalTimeout: ${o.approvalTimeout ?? '30m'}
services:
  checkout:
${o.repo !== undefined ? `    repo: ${JSON.stringify(o.repo)}\n` : ''}    environments:
      staging:
        rollback:
          - name: Undo deployment
            run: [kubectl, rollout, undo, deployment/checkout, -n, staging]
      production:
${o.sqlRunner !== undefined ? `        sqlRunner: ${JSON.stringify(o.sqlRunner)}\n` : ''}${o.extraProduction ?? ''}        rollback:
${
  o.steps ??
  `          - name: Roll back to the target
            run: [kubectl, rollout, undo, deployment/checkout, -n, prod, "--to-revision={toVersion}"]
            idempotent: true
          - name: Wait for rollout
            run: [kubectl, rollout, status, deployment/checkout, -n, prod]
            idempotent: true`
}
`;
}

const ACTIONS = {
  approve: 'rollback_approve',
  reject: 'rollback_reject',
  waive: 'rollback_waive_gate',
  'dry-run': 'rollback_dry_run',
  stop: 'rollback_stop',
} as const;

export interface Harness {
  bot: Bot;
  slack: SlackStub;
  redis: TestRedis;
  slash(
    text: string,
    userId?: string,
    opts?: Partial<SendOptions> & { triggerId?: string },
  ): Promise<{ status: number; text: string; ms: number }>;
  click(
    action: keyof typeof ACTIONS,
    incidentId: string,
    userId: string,
    /** An alternative plan's id: the button's value is `<incident>:<choice>`. */
    choice?: string,
  ): Promise<{ status: number; text: string }>;
  /** Stops the bot only (Redis keys and the stand-in stay): for restart tests. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  catalog: CatalogOptions = {},
  overrides: Partial<BotOptions> = {},
  /** Extra environment for the bot, e.g. `{ ROLLBACK_ROLE: 'web' }`. */
  env: Record<string, string> = {},
  /** Set up the Slack stand-in before the bot starts (e.g. its Socket Mode URL). */
  prepare: (slack: SlackStub) => void = () => undefined,
): Promise<Harness> {
  const slack = await SlackStub.start({ token: BOT_TOKEN });
  prepare(slack);
  const redis = await testRedis('bot');
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const options: BotOptions = {
    config,
    catalog: parseCatalog(testCatalogYaml(catalog), 'test-catalog.yaml'),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...overrides,
  };
  const harness: Harness = {
    bot: await startBot(options),
    slack,
    redis,
    async slash(text, userId = 'U0REQUESTER', opts = {}) {
      const body = slashCommandBody({
        text,
        userId,
        triggerId: opts.triggerId,
        responseUrl: `${slack.responseUrlBase}cmd-${Math.random().toString(36).slice(2)}`,
      });
      return postSigned(`${harness.bot.url}/slack/events`, body, { secret: SIGNING_SECRET, ...opts });
    },
    async click(action, incidentId, userId, choice) {
      const incident = await harness.bot.deps.store.get(incidentId);
      const body = blockActionBody({
        actionId: ACTIONS[action],
        value: choice ? `${incidentId}:${choice}` : incidentId,
        userId,
        messageTs: incident?.messageTs,
        responseUrl: `${slack.responseUrlBase}act-${Math.random().toString(36).slice(2)}`,
      });
      return postSigned(`${harness.bot.url}/slack/events`, body, { secret: SIGNING_SECRET });
    },
    async restart() {
      await harness.bot.stop();
      harness.bot = await startBot(options);
    },
    async close() {
      await harness.bot.stop();
      await slack.close();
      await redis.cleanup();
    },
  };
  return harness;
}

/** Polls until `check` returns a value (Slack work happens after the ack). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
