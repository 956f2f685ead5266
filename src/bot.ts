/**
 * Assembles the bot from its configuration: Redis, the catalog, Slack (HTTP or Socket Mode), the
 * HTTP routes, the queues and the periodic sweeps. main.ts runs it; tests start it in-process
 * against real Redis and the local Slack stand-in.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import bolt from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loadCatalog } from './catalog/load.js';
import type { Catalog } from './catalog/types.js';
import { secretsOf, type Config } from './config.js';
import { createLogger } from './adapters/outbound/logger.js';
import { secretValuesOf } from './adapters/outbound/shell/redact.js';
import { createMetrics } from './adapters/outbound/metrics.js';
import { redisDurabilityProblems } from './adapters/outbound/redis-checks.js';
import { MAX_BODY_BYTES, createHttpApp, finishHttpApp } from './adapters/inbound/http/server.js';
import { noteOutsideRollback } from './flows/outside-rollback.js';
import { DrillStore } from './adapters/outbound/store/drills.js';
import { queueDashboard } from './adapters/inbound/http/queue-dashboard.js';
import { refuseFutureTimestamps } from './adapters/inbound/http/slack-guards.js';
import { RollbackQueues } from './adapters/outbound/queue/rollback-queues.js';
import { boltLogger } from './adapters/outbound/slack/bolt-logger.js';
import { registerListeners } from './adapters/inbound/slack/index.js';
import { GroupDirectory } from './adapters/outbound/slack/usergroups.js';
import { PeopleDirectory } from './adapters/outbound/slack/people.js';
import { IncidentStore } from './adapters/outbound/store/incidents.js';
import { SignalStore } from './adapters/outbound/store/signals.js';
import { DeployStore } from './adapters/outbound/store/deploys.js';
import { LockStore } from './adapters/outbound/store/locks.js';
import { webhookRouter } from './adapters/inbound/webhooks/router.js';
import { GitSafetyAnalyzer } from './adapters/outbound/release-source/safety-analyzer.js';
import { SafetyReportCache } from './adapters/outbound/release-source/report-cache.js';
import {
  startRollbackRuntime,
  type RollbackRuntime,
  type RollbackRuntimeOptions,
} from './app/rollback-runtime.js';
import type { FlowDeps } from './flows/deps.js';
import { DEFAULT_WORKER_SETTINGS } from './adapters/inbound/queue/rollback-worker.js';
import { STOP_MARGIN_MS } from './app/shutdown.js';
import { expireStale } from './flows/decide.js';
import { postMissingCards } from './flows/open-incident.js';
import { BackgroundTasks } from './flows/background.js';
import { createSignalIngest, flowIncidentPort } from './flows/ingest-signal.js';
import { replayPendingSignals } from './flows/replay-signals.js';
import { DEFAULT_SAFETY_TIME_BOUND_MS, resumePendingAnalyses } from './flows/safety-analysis.js';
import { DEFAULT_EVIDENCE_TIME_BOUND_MS, resumePendingEvidence } from './flows/evidence.js';
import { PrometheusSource } from './adapters/outbound/prometheus/prometheus-source.js';
import { PostgresLiveSchema } from './adapters/outbound/postgres/live-schema.js';
import { FLAG_PROVIDERS } from './adapters/outbound/flags/index.js';
import { ExecaCommandRunner } from './adapters/outbound/shell/command-runner.js';
import { createRedactor } from './adapters/outbound/shell/redact.js';
import { renderIncidentChart } from './adapters/outbound/render/incident-chart.js';

const { App, ExpressReceiver } = bolt;

/**
 * What no log line may show: the bot's own secrets and the values of variables whose names look
 * secret, in the process's environment or a step's `env`. (Step output is redacted at the source,
 * by the runner, of every value of its step's env; here a step env value such as `production`
 * would blank out every log line that names the environment.)
 */
function secretsToRedact(
  config: Config,
  catalog: Catalog,
  env: Readonly<Record<string, string | undefined>>,
  catalogEnv: Readonly<Record<string, string | undefined>>,
): string[] {
  const environments = Object.values(catalog.services).flatMap((service) =>
    Object.values(service.environments),
  );
  const stepEnv = environments.flatMap((environment) =>
    environment.rollback.flatMap((step) => secretValuesOf(step.env)),
  );
  // Prometheus bearer tokens and database URLs (with their passwords), by the names the catalog gives.
  const metricsTokens = environments.flatMap((environment) =>
    [environment.metrics?.bearerTokenEnv, environment.database?.urlEnv].flatMap((name) => {
      const value = name ? catalogEnv[name] : undefined;
      return value ? [value] : [];
    }),
  );
  return [...secretsOf(config), ...stepEnv, ...secretValuesOf(env), ...metricsTokens];
}

export interface BotOptions {
  config: Config;
  /** Already loaded (tests); otherwise read from config.catalogPath. */
  catalog?: Catalog;
  logger?: Logger;
  now?: () => Date;
  /** How often unapproved requests are checked for expiry. */
  sweepIntervalMs?: number;
  /** Workers, reconciler and outbound signals (timings, notify secrets); defaults suit production. */
  execution?: RollbackRuntimeOptions;
  /** How long opening an incident waits for the safety analysis before "analysis running". */
  safetyTimeBoundMs?: number;
  /** How long opening an incident waits for the metrics before "reading metrics". */
  evidenceTimeBoundMs?: number;
  /** One Prometheus request's limit. */
  metricsTimeoutMs?: number;
  /** Where the catalog's `metrics.bearerTokenEnv` names are looked up; main.ts passes process.env. */
  catalogEnv?: Readonly<Record<string, string | undefined>>;
}

export interface Bot {
  url: string;
  port: number;
  deps: FlowDeps;
  redis: Redis;
  /** The BullMQ queues behind `deps.queues` (tests inspect jobs). */
  queues: RollbackQueues;
  /** The execution side: workers (roles all and worker), reconciler, signals. */
  execution: RollbackRuntime;
  /** How long stop() may take before the process should give up on it (shutdown.ts). */
  stopBoundMs: number;
  stop(): Promise<void>;
}

export async function startBot(options: BotOptions): Promise<Bot> {
  const { config } = options;
  const catalog = options.catalog ?? (await loadCatalog(config.catalogPath));
  const secrets = secretsToRedact(
    config,
    catalog,
    options.execution?.notifyEnv ?? {},
    options.catalogEnv ?? {},
  );
  const logger = options.logger ?? createLogger({ level: config.logLevel, pretty: config.pretty, secrets });
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  await redis.connect();
  for (const problem of await redisDurabilityProblems(redis)) logger.warn(problem);

  const store = new IncidentStore(redis, config.redisPrefix);
  // BullMQ leaves a connection it was given open; this one is ours to close.
  const queueConnection = redis.duplicate();
  const queues = new RollbackQueues({ prefix: `${config.redisPrefix}-bull`, connection: queueConnection });
  const slack = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger),
    retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 3000 },
  });
  const metrics = createMetrics({
    incidentStates: () => store.stateCounts(),
    queueDepths: () => queues.depths(),
  });
  const deploys = new DeployStore(redis, config.redisPrefix);
  const signals = new SignalStore(redis, config.redisPrefix);
  const locks = new LockStore(redis, config.redisPrefix);
  const background = new BackgroundTasks();
  // The one process runner, its output redacted of every secret the bot knows.
  const runner = new ExecaCommandRunner({ redactor: createRedactor(secrets) });
  const deps: FlowDeps = {
    catalog,
    store,
    slack,
    groups: new GroupDirectory(slack),
    people: new PeopleDirectory(slack),
    queues,
    signals,
    deploys,
    drills: new DrillStore(redis, config.redisPrefix),
    locks,
    safety: {
      analyzer: new GitSafetyAnalyzer(catalog, deploys, logger),
      reports: new SafetyReportCache(redis, config.redisPrefix),
      timeBoundMs: options.safetyTimeBoundMs ?? DEFAULT_SAFETY_TIME_BOUND_MS,
      tasks: background,
      liveSchema: new PostgresLiveSchema({ env: options.catalogEnv ?? {} }),
    },
    evidence: {
      source: new PrometheusSource({
        timeoutMs: options.metricsTimeoutMs ?? 5_000,
        env: options.catalogEnv ?? {},
      }),
      charts: { render: renderIncidentChart },
      timeBoundMs: options.evidenceTimeBoundMs ?? DEFAULT_EVIDENCE_TIME_BOUND_MS,
      tasks: background,
    },
    runner,
    catalogEnv: options.catalogEnv ?? {},
    flags: FLAG_PROVIDERS,
    logger,
    metrics,
    now: options.now ?? (() => new Date()),
  };
  const ingest = createSignalIngest({
    incidents: flowIncidentPort(deps),
    signals,
    deploys,
    logger,
  });

  const http = createHttpApp({
    metrics,
    logger,
    ready: async () => {
      const problems: string[] = [];
      if ((await redis.ping().catch(() => 'down')) !== 'PONG') problems.push('Redis is not reachable');
      if (Object.keys(catalog.services).length === 0) problems.push('the catalog lists no services');
      return { ok: problems.length === 0, problems };
    },
  });

  // Webhooks come first: they read their raw bodies themselves, before any other parser.
  http.use(
    webhookRouter({
      logger,
      catalog,
      secrets: {
        pagerduty: config.pagerdutySecrets,
        alertmanagerToken: config.alertmanagerToken,
        deploy: config.deployWebhookSecret,
      },
      signals,
      deploys,
      locks,
      onSignalStored: ingest.ingest,
      onDuplicateSignal: ingest.duplicate,
      onDeployStored: (record) =>
        Promise.all([
          ingest.deploy(record),
          noteOutsideRollback(deps, record).catch((error: unknown) =>
            logger.warn({ err: error }, 'could not post the outside rollback'),
          ),
        ]),
      now: deps.now,
    }),
  );

  if (config.adminToken) {
    const environments = new Set(
      Object.values(catalog.services).flatMap((service) => Object.keys(service.environments)),
    );
    http.use(
      queueDashboard(
        config.adminToken,
        [...environments].map((name) => queues.queueFor(name)),
      ),
    );
  }

  // Role `worker` runs rollbacks only: no Slack listener (health, readiness and metrics remain).
  const serveSlack = config.role !== 'worker';
  const socketMode = serveSlack && Boolean(config.slack.appToken);
  const clientOptions = { slackApiUrl: config.slack.apiUrl };
  let app: InstanceType<typeof App> | undefined;
  if (socketMode) {
    app = new App({
      token: config.slack.botToken,
      appToken: config.slack.appToken,
      socketMode: true,
      // Bolt hands these to the Socket Mode client too, so apps.connections.open honours SLACK_API_URL
      // (test/integration/slack/socket-mode.test.ts connects through the stand-in that way).
      clientOptions,
      logger: boltLogger(logger),
    });
  } else if (serveSlack) {
    http.use('/slack/events', refuseFutureTimestamps());
    const receiver = new ExpressReceiver({
      signingSecret: config.slack.signingSecret ?? '',
      endpoints: '/slack/events',
      app: http,
      processBeforeResponse: false,
      // 413 over 1 MiB, also for chunked bodies that declare no length.
      bodyLimit: MAX_BODY_BYTES,
      logger: boltLogger(logger),
    });
    app = new App({ token: config.slack.botToken, receiver, clientOptions, logger: boltLogger(logger) });
  }
  if (app) registerListeners(app, deps);
  finishHttpApp(http, logger);

  const server: Server = await new Promise((resolve) => {
    const listening = http.listen(config.port, () => resolve(listening));
  });
  if (socketMode) await app?.start();
  const port = (server.address() as AddressInfo).port;
  const execution = await startRollbackRuntime(deps, config, redis, options.execution);

  // Expire stale requests, post cards Slack refused, finish orphaned analyses, replay lost signals.
  const sweepOnce = () => {
    const warn = (what: string) => (error: unknown) => logger.warn({ err: error }, what);
    expireStale(deps).catch(warn('expiry sweep failed'));
    postMissingCards(deps).catch(warn('could not post a missing card'));
    resumePendingAnalyses(deps).catch(warn('could not resume safety analyses'));
    resumePendingEvidence(deps).catch(warn('could not resume metrics readings'));
    replayPendingSignals(deps, ingest.ingest).catch(warn('could not replay pending signals'));
  };
  sweepOnce();
  const sweep = setInterval(sweepOnce, options.sweepIntervalMs ?? 15_000);
  sweep.unref();

  logger.info(
    {
      port,
      role: config.role,
      mode: socketMode ? 'socket' : 'http',
      services: Object.keys(catalog.services),
    },
    'rollback bot started',
  );
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    deps,
    redis,
    queues,
    execution,
    stopBoundMs:
      { ...DEFAULT_WORKER_SETTINGS, ...options.execution?.worker }.shutdownGraceMs + STOP_MARGIN_MS,
    async stop() {
      clearInterval(sweep);
      // First: stop taking rollbacks and let the running step finish (bounded) while Redis is up.
      await execution.stop();
      await ingest.flush();
      await background.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (socketMode) await app?.stop();
      await queues.close();
      await store.close();
      queueConnection.disconnect();
      redis.disconnect();
    },
  };
}
