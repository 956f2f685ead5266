/**
 * A real express server on a free port mounting the real webhook router, with real stores on real
 * Redis (unique prefix). Records what the router hands on after its 202s.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { parseCatalog } from '../../../src/catalog/load.js';
import type { DeployRecord, Signal } from '../../../src/domain/signal.js';
import { DeployStore } from '../../../src/adapters/outbound/store/deploys.js';
import { LockStore } from '../../../src/adapters/outbound/store/locks.js';
import { SignalStore } from '../../../src/adapters/outbound/store/signals.js';
import { hmacSha256Hex } from '../../../src/adapters/inbound/webhooks/verify.js';
import { webhookRouter, type WebhookDeps } from '../../../src/adapters/inbound/webhooks/router.js';
import type { DuplicateSignal } from '../../../src/domain/signal.js';
import { testRedis, type TestRedis } from '../../support/redis.js';

export const PD_SECRET = 'pd-secret-current-0123456789';
export const PD_OLD_SECRET = 'pd-secret-previous-0123456789';
export const AM_TOKEN = 'am-token-0123456789';
export const DEPLOY_SECRET = 'deploy-secret-0123456789';

export const CATALOG_YAML = `version: 1
defaults:
  channel: C0INCIDENTS
  approvers: [U0LEAD]
services:
  checkout:
    environments:
      production:
        alerts:
          labels: { service: checkout, env: production }
          pagerduty: [PIJ90N7]
        rollback:
          - name: Undo
            run: [kubectl, rollout, undo, deployment/checkout, -n, prod]
      staging:
        alerts:
          labels: { service: checkout, env: staging }
        rollback:
          - name: Undo
            run: [kubectl, rollout, undo, deployment/checkout, -n, staging]
`;

export function fixture(path: string): string {
  return readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
}

export interface WebhookApp {
  url: string;
  redis: TestRedis;
  signals: SignalStore;
  deploys: DeployStore;
  locks: LockStore;
  stored: Signal[];
  duplicates: DuplicateSignal[];
  deployed: DeployRecord[];
  logs: Record<string, unknown>[];
  post(
    path: string,
    body: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export const pdHeaders = (body: string, ...secrets: string[]) => ({
  'content-type': 'application/json',
  'x-pagerduty-signature': secrets
    .map((secret) => `v1=${hmacSha256Hex(secret, Buffer.from(body))}`)
    .join(','),
});

export const amHeaders = (token = AM_TOKEN) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${token}`,
});

export const deployHeaders = (body: string, secret = DEPLOY_SECRET) => ({
  'content-type': 'application/json',
  'x-signature-256': `sha256=${hmacSha256Hex(secret, Buffer.from(body))}`,
});

export async function startWebhookApp(overrides: Partial<WebhookDeps> = {}): Promise<WebhookApp> {
  const redis = await testRedis('wh');
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const signals = new SignalStore(redis.redis, redis.prefix);
  const deploys = new DeployStore(redis.redis, redis.prefix);
  const locks = new LockStore(redis.redis, redis.prefix);
  const stored: Signal[] = [];
  const duplicates: DuplicateSignal[] = [];
  const deployed: DeployRecord[] = [];
  const app = express();
  app.use(
    webhookRouter({
      logger: pino({ level: 'info' }, sink),
      catalog: parseCatalog(CATALOG_YAML, 'webhook-test.yaml'),
      secrets: { pagerduty: [PD_SECRET, PD_OLD_SECRET], alertmanagerToken: AM_TOKEN, deploy: DEPLOY_SECRET },
      signals,
      deploys,
      locks,
      onSignalStored: (signal) => void stored.push(signal),
      onDuplicateSignal: (duplicate) => void duplicates.push(duplicate),
      onDeployStored: (record) => void deployed.push(record),
      ...overrides,
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    redis,
    signals,
    deploys,
    locks,
    stored,
    duplicates,
    deployed,
    logs,
    async post(path, body, headers = {}) {
      const response = await fetch(`${url}${path}`, { method: 'POST', body, headers });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await redis.cleanup();
    },
  };
}

/** Lets the router's after-202 callbacks (setImmediate) run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
