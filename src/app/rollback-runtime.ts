/**
 * The execution side of the bot, assembled: the step journal, the one process runner (redacting
 * the config's secrets), outbound signals, the reconciler (every role: it is idempotent) and, for
 * roles `all` and `worker`, the BullMQ workers. bot.ts starts it and stops it first on shutdown.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { FlowDeps } from '../flows/deps.js';
import { reconcile } from '../flows/reconcile.js';
import { refreshWaitingCards, runRollback, type RollbackDeps } from '../flows/run-rollback.js';
import {
  missingNotifySecrets,
  WebhookNotifier,
  type Notifier,
} from '../adapters/outbound/notify/webhook-notifier.js';
import { RedisStepJournal } from '../adapters/outbound/store/step-journal.js';
import { SignalOutbox } from '../adapters/outbound/store/signal-outbox.js';
import { drainSignals } from '../flows/signal-outbox.js';
import {
  DEFAULT_WORKER_SETTINGS,
  RollbackWorkers,
  type RollbackWorkerSettings,
} from '../adapters/inbound/queue/rollback-worker.js';

/** Tunables of the execution side (tests shorten them); every one has a production default. */
export interface RollbackRuntimeOptions {
  worker?: Partial<RollbackWorkerSettings>;
  /** How often the reconciler runs (also once at start). Default 15 s. */
  reconcileIntervalMs?: number;
  /** Least time between two progress updates of one incident in Slack. Default 500 ms. */
  progressIntervalMs?: number;
  /** Where notify targets' `secretEnv` names are looked up; main.ts passes process.env. */
  notifyEnv?: Readonly<Record<string, string | undefined>>;
  /** How often the outbound-signal outbox is drained. Default 500 ms. */
  signalDrainIntervalMs?: number;
  /** Replaces the webhook notifier (tests). */
  notifier?: Notifier;
}

export interface RollbackRuntime {
  deps: RollbackDeps;
  /** Undefined when the role runs no workers (`web`). */
  workers?: RollbackWorkers;
  /** One reconciler pass now. */
  reconcileNow(): ReturnType<typeof reconcile>;
  /** One pass over the outbound-signal outbox now. */
  drainSignalsNow(): Promise<number>;
  /** Stops taking jobs, lets the running step finish within the grace period, stops the sweeps. */
  stop(): Promise<void>;
}

export async function startRollbackRuntime(
  flowDeps: FlowDeps,
  config: Config,
  redis: Redis,
  options: RollbackRuntimeOptions = {},
): Promise<RollbackRuntime> {
  const { logger, catalog } = flowDeps;
  const notifyEnv = options.notifyEnv ?? {};
  const environments = Object.values(catalog.services).flatMap((s) => Object.values(s.environments));
  const missing = missingNotifySecrets(
    environments.flatMap((e) => e.notify),
    notifyEnv,
  );
  if (missing.length > 0) logger.warn({ missing }, `notify secrets not set: ${missing.join(', ')}`);

  const notifier = options.notifier ?? new WebhookNotifier({ env: notifyEnv, logger });
  const deps: RollbackDeps = {
    ...flowDeps,
    journal: new RedisStepJournal(redis, { keyPrefix: config.redisPrefix }),
    ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
    stepLeaseMs: { ...DEFAULT_WORKER_SETTINGS, ...options.worker }.stepLeaseMs,
  };

  let workers: RollbackWorkers | undefined;
  if (config.role !== 'web') {
    workers = new RollbackWorkers({
      environments: [...new Set(environments.map((e) => e.environment))],
      prefix: `${config.redisPrefix}-bull`,
      connection: redis,
      settings: options.worker ?? {},
      logger,
      handle: (job) => runRollback(deps, job),
      onSettled: (environment) => {
        refreshWaitingCards(deps, environment).catch((error: unknown) =>
          logger.warn({ err: error, environment }, 'could not refresh waiting cards'),
        );
      },
    });
    await workers.ready();
  }

  // Outbound signals: drained often, by every process, from the outbox the changes fill.
  const outbox = new SignalOutbox(redis, config.redisPrefix);
  let draining: Promise<unknown> = Promise.resolve();
  const drain = () => {
    draining = draining
      .then(() => drainSignals(deps, outbox, notifier))
      .catch((error: unknown) => logger.warn({ err: error }, 'signal delivery failed'));
  };
  const drainTimer = setInterval(drain, options.signalDrainIntervalMs ?? 500);
  drainTimer.unref();

  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = reconcile(deps).catch((error: unknown) => logger.warn({ err: error }, 'reconcile failed'));
  };
  sweep();
  const timer = setInterval(sweep, options.reconcileIntervalMs ?? 15_000);
  timer.unref();

  return {
    deps,
    workers,
    reconcileNow: () => reconcile(deps),
    drainSignalsNow: () => drainSignals(deps, outbox, notifier),
    async stop() {
      clearInterval(timer);
      clearInterval(drainTimer);
      await draining;
      await workers?.close();
      await sweeping;
    },
  };
}
