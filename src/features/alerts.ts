/**
 * Alerts and deploys (PagerDuty, Alertmanager, CI): mounts the webhook routes, turns stored
 * signals into incidents after the 202, and gives `/rollback` the deploy history and the deploy lock.
 */
import type { Express } from 'express';
import type { Config } from '../config.js';
import type { FlowDeps } from '../flows/deps.js';
import { findEnvironment } from '../catalog/load.js';
import type { CommandHooks } from '../adapters/slack/listeners/index.js';
import { webhookRouter } from '../adapters/webhooks/router.js';
import { SignalStore } from '../adapters/store/signals.js';
import { DeployStore } from '../adapters/store/deploys.js';
import { LockStore } from '../adapters/store/locks.js';
import { createSignalIngest, flowIncidentPort, triageBlocks } from '../flows/ingest-signal.js';
import { refreshViews } from '../flows/views.js';
import type { Redis } from 'ioredis';

export interface AlertsFeature {
  hooks: CommandHooks;
  locks: LockStore;
  deploys: DeployStore;
  /**
   * Re-ingests signals stored (202 given) but not turned into incidents within `olderThanMs`:
   * a crash or a Redis or Slack failure after the answer must not lose the alert.
   */
  replayPending(olderThanMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export function wireAlerts(deps: FlowDeps, config: Config, redis: Redis, http: Express): AlertsFeature {
  const prefix = config.redisPrefix;
  const signals = new SignalStore(redis, prefix);
  const deploys = new DeployStore(redis, prefix);
  const locks = new LockStore(redis, prefix);
  const ingest = createSignalIngest({
    incidents: flowIncidentPort(deps),
    signals,
    deploys,
    logger: deps.logger,
  });
  deps.locks = locks;
  const triageDeps = { catalog: deps.catalog, signals, deploys, now: deps.now };
  deps.cardExtras = async (incident) => ({ triage: await triageBlocks(triageDeps, incident) });

  http.use(
    webhookRouter({
      logger: deps.logger,
      catalog: deps.catalog,
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
      onDeployStored: ingest.deploy,
      now: deps.now,
    }),
  );

  const hooks: CommandHooks = {
    async requestContext(service, environment, toVersion) {
      const latest = await deploys.latest(service, environment);
      if (!latest) return {};
      return { fromVersion: latest.version, toVersion: toVersion ?? latest.previousVersion };
    },
    async unlock(service, environment, userId) {
      if (!(await locks.get(service, environment)))
        return `${service}/${environment} is not locked; deploys may proceed.`;
      // The lock guards production from the version that broke it: lifting it takes an approver.
      const approvers = findEnvironment(deps.catalog, service, environment)?.approvers ?? [];
      const members = await deps.groups.membersOf(approvers);
      if (!approvers.includes(userId) && !members.has(userId)) {
        return `Only an approver of ${service}/${environment} can lift its deploy lock; it stays in place.`;
      }
      const removed = await locks.unlock(service, environment, userId);
      if (!removed) return `${service}/${environment} is not locked; deploys may proceed.`;
      if (removed.incidentId) {
        await deps.store.append(removed.incidentId, {
          type: 'unlocked',
          at: deps.now().toISOString(),
          by: userId,
        });
        await refreshViews(deps, removed.incidentId);
      }
      return `Unlocked ${service}/${environment}: deploys may proceed again (it was locked against ${removed.version} after ${removed.incidentId ?? 'a rollback'}).`;
    },
  };

  return {
    hooks,
    locks,
    deploys,
    async replayPending(olderThanMs = 60_000) {
      const ids = await signals.pendingSince(new Date(deps.now().getTime() - olderThanMs));
      let replayed = 0;
      for (const id of ids) {
        // Every process sweeps: one of them takes each signal.
        if (await deps.store.claim(`signal-replay:${id}`, 'replay', 120)) continue;
        const signal = await signals.get(id);
        if (signal) await ingest.ingest(signal);
        else await signals.markProcessed(id);
        replayed++;
      }
      return replayed;
    },
    stop: () => ingest.flush(),
  };
}
