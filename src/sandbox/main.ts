/**
 * `npm run sandbox`: the whole product on one machine, no Slack workspace, tokens or configuration.
 * It starts (and on Ctrl-C stops, in reverse) a Redis unless REDIS_URL is set, the Slack stand-in,
 * the demo service running the bad v2.4.0, its git history, the bot itself with a demo catalog,
 * and the page that stands in for a Slack client. The deploy of v2.4.0 reaches the bot as CI would
 * send it: a signed deploy event.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startBot, type Bot } from '../bot.js';
import { loadConfig } from '../config.js';
import { demoCatalogYaml, SANDBOX_CHANNEL, SANDBOX_USERS } from './demo-catalog.js';
import { writeDemoRepo } from './demo-release.js';
import { startDemoService } from './demo-service.js';
import { prometheusOnPath, startDemoPrometheus } from './demo-metrics.js';
import { startPageServer } from './page-server.js';
import { startRedisServer } from './redis-server.js';
import { SlackStandIn } from './slack/stand-in.js';

export interface Sandbox {
  url: string;
  /** The Prometheus the card reads, when `prometheus` and `promtool` are on PATH. */
  prometheusUrl?: string;
  stop(): Promise<void>;
}

type Stopper = () => Promise<unknown>;

/** Starts everything; on a failure part way, stops what already started before rethrowing. */
export async function startSandbox(env: NodeJS.ProcessEnv = process.env): Promise<Sandbox> {
  const stoppers: Stopper[] = [];
  const stop = async () => {
    for (const stopper of stoppers.reverse()) await stopper().catch(() => undefined);
    stoppers.length = 0;
  };
  try {
    const work = await mkdtemp(join(tmpdir(), 'rollback-sandbox-'));
    stoppers.push(() => rm(work, { recursive: true, force: true }));

    let redisUrl = env.REDIS_URL;
    if (!redisUrl) {
      const redis = await startRedisServer();
      stoppers.push(() => redis.stop());
      redisUrl = redis.url;
    }
    const prefix = `rb-sandbox-${randomBytes(4).toString('hex')}`;
    // A shared Redis keeps nothing of ours after Ctrl-C.
    if (env.REDIS_URL) stoppers.push(() => deleteKeys(env.REDIS_URL!, prefix));

    const token = 'xoxb-sandbox-token';
    const slack = await SlackStandIn.start({ token });
    stoppers.push(() => slack.close());
    for (const user of SANDBOX_USERS) slack.setUser(user.id, { name: user.name, real_name: user.name });

    const demo = await startDemoService({ labels: { service: 'checkout', env: 'production' } });
    stoppers.push(() => demo.close());
    const repo = join(work, 'checkout');
    await writeDemoRepo(repo);

    // v2.4.0 went out seven minutes ago: the deploy event and the metrics history agree on it.
    const deployedAt = new Date(Date.now() - 7 * 60_000);
    let prometheusUrl: string | undefined;
    if (env.SANDBOX_PROMETHEUS !== 'off' && (await prometheusOnPath())) {
      const prometheus = await startDemoPrometheus(demo.url, deployedAt);
      stoppers.push(() => prometheus.stop());
      prometheusUrl = prometheus.url;
    }
    const catalogPath = join(work, 'catalog.yaml');
    await writeFile(
      catalogPath,
      demoCatalogYaml({
        repo,
        serviceUrl: demo.url,
        ctl: demoCtlArgv(),
        ...(prometheusUrl ? { prometheusUrl } : {}),
      }),
    );
    const signingSecret = randomBytes(16).toString('hex');
    const deploySecret = randomBytes(16).toString('hex');
    const config = loadConfig({
      SLACK_BOT_TOKEN: token,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      ROLLBACK_CATALOG: catalogPath,
      DEPLOY_WEBHOOK_SECRET: deploySecret,
      LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
    });
    const bot: Bot = await startBot({
      config,
      logger: pino({ level: config.logLevel }, pino.destination(2)),
      catalogEnv: {},
    });
    stoppers.push(() => bot.stop());
    await announceDeploy(bot.url, deploySecret, deployedAt);

    const page = await startPageServer({
      port: sandboxPort(env.PORT),
      ...(env.SANDBOX_HOST ? { host: env.SANDBOX_HOST } : {}),
      slack,
      botUrl: bot.url,
      signingSecret,
      channel: SANDBOX_CHANNEL,
      users: SANDBOX_USERS,
      demo: () => demo.state(),
    });
    stoppers.push(() => page.close());
    return { url: page.url, ...(prometheusUrl ? { prometheusUrl } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * How the demo catalog's steps run demo-ctl: the built file beside this one, or, when the sandbox
 * itself runs from source (its end-to-end test), the source through the same TypeScript loader.
 */
function demoCtlArgv(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return [process.execPath, join(dirname(here), 'demo-ctl.js')];
  const loader = resolve(dirname(here), '../../scripts/ts-register.js');
  return [process.execPath, '--import', loader, join(dirname(here), 'demo-ctl.ts')];
}

function sandboxPort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT: expected a port number (0-65535), not "${value}"`);
  return port;
}

/** The deploy event CI would have sent for v2.4.0, signed. */
async function announceDeploy(botUrl: string, secret: string, deployedAt: Date): Promise<void> {
  const body = JSON.stringify({
    service: 'checkout',
    environment: 'production',
    version: 'v2.4.0',
    previousVersion: 'v2.3.0',
    deployedAt: deployedAt.toISOString(),
    commitRange: 'v2.3.0..v2.4.0',
    changes: [
      { id: '#482', title: 'Order metadata for discount codes (migration 002)' },
      { id: '#479', title: 'Upgrade stripe to 15 (payments)' },
      { id: '#486', title: 'Discount form behind discount-codes' },
    ],
  });
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const res = await fetch(`${botUrl}/webhooks/deploys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature-256': signature },
    body,
  });
  if (res.status !== 202) throw new Error(`the bot refused the demo deploy event: HTTP ${res.status}`);
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The `sandbox` verb: ready line, then wait for Ctrl-C (or SIGTERM) and stop everything. */
export async function sandboxCommand(): Promise<number> {
  const sandbox = await startSandbox();
  console.log(`Sandbox ready: ${sandbox.url}`);
  console.log(
    sandbox.prometheusUrl
      ? `Prometheus (the demo service's last 90 minutes, scraped live): ${sandbox.prometheusUrl}`
      : 'No prometheus/promtool on PATH: the card grades the request without metrics.',
  );
  console.log('Type /rollback checkout production in the page. Ctrl-C stops everything.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('Stopping the sandbox…');
  await sandbox.stop();
  console.log('Sandbox stopped.');
  return 0;
}
