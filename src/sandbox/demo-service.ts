/**
 * The sandbox's demo service: "checkout", a small HTTP server with /healthz and Prometheus metrics,
 * running the bad v2.4.0 of the classic incident. Its own traffic (simulated in-process, a few
 * hundred requests a second) fails the way that release fails:
 *   - v2.4.0: the half-migrated payment SDK breaks payment retries and part of checkout (~15%);
 *   - v2.3.0 while `orders.order_metadata` is NOT NULL without a default: every order insert of the
 *     old code fails (checkout and orders at 100%): the outage the card warns about;
 *   - v2.3.0 once the default is set: back to the baseline.
 * The rollback's steps reach it through `demo-ctl` (its admin routes), as a deploy tool would.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry } from 'prom-client';
import { DEFAULT_BUCKETS } from './prometheus.js';

export const DEMO_VERSIONS = ['v2.3.0', 'v2.4.0'] as const;
export type DemoVersion = (typeof DEMO_VERSIONS)[number];
/** The one statement the demo database understands: the precondition the analysis emits. */
export const DEMO_PRECONDITION = "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'";

export const DEMO_ROUTES = [
  '/api/checkout',
  '/api/orders',
  '/api/orders/:id/retry',
  '/api/catalog',
  '/api/search',
] as const;
type Route = (typeof DEMO_ROUTES)[number];
const WRITES_ORDERS = new Set<Route>(['/api/checkout', '/api/orders']);
const BASELINE_ERRORS = 0.001;

export interface DemoState {
  version: DemoVersion;
  /** Whether the demo database's orders.order_metadata has a default (the precondition ran). */
  metadataDefault: boolean;
  /** The share of requests that failed over the last 10 s of traffic. */
  errorRate: number;
}

/** The chance a request to `route` fails in this state: the incident, as numbers. */
export function failureRate(route: Route, version: DemoVersion, metadataDefault: boolean): number {
  if (version === 'v2.4.0') {
    if (route === '/api/orders/:id/retry') return 0.4;
    if (route === '/api/checkout') return 0.25;
    if (route === '/api/orders') return 0.15;
    return BASELINE_ERRORS;
  }
  if (!metadataDefault && WRITES_ORDERS.has(route)) return 1;
  return BASELINE_ERRORS;
}

export interface DemoService {
  url: string;
  state(): DemoState;
  close(): Promise<void>;
}

export async function startDemoService(
  opts: { labels: { service: string; env: string }; tickMs?: number } = {
    labels: { service: 'checkout', env: 'sandbox' },
  },
): Promise<DemoService> {
  const registry = new Registry();
  registry.setDefaultLabels(opts.labels);
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests served, by route and status.',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Request duration.',
    labelNames: ['route'],
    // The backfilled history's buckets: histogram_quantile sums both, so they must agree.
    buckets: [...DEFAULT_BUCKETS],
    registers: [registry],
  });
  let version: DemoVersion = 'v2.4.0';
  let metadataDefault = false;
  const recent: { at: number; total: number; failed: number }[] = [];

  // Deterministic enough to read, random enough to look like traffic.
  const tick = () => {
    let total = 0;
    let failed = 0;
    for (const route of DEMO_ROUTES) {
      const rate = failureRate(route, version, metadataDefault);
      for (let i = 0; i < 20; i++) {
        const fails = Math.random() < rate;
        requests.inc({ route, status: fails ? '500' : '200' });
        const slow = version === 'v2.4.0' && WRITES_ORDERS.has(route) ? 0.25 : 0.08;
        duration.observe({ route }, slow + Math.random() * 0.1);
        total += 1;
        if (fails) failed += 1;
      }
    }
    const now = Date.now();
    recent.push({ at: now, total, failed });
    while (recent.length > 0 && recent[0]!.at < now - 10_000) recent.shift();
  };
  tick();
  const timer = setInterval(tick, opts.tickMs ?? 100);

  const state = (): DemoState => {
    const total = recent.reduce((sum, r) => sum + r.total, 0);
    const failed = recent.reduce((sum, r) => sum + r.failed, 0);
    return { version, metadataDefault, errorRate: total === 0 ? 0 : failed / total };
  };

  const app = express();
  app.use(express.json({ limit: '4kb' }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/admin/state', (_req, res) => {
    res.json(state());
  });
  app.post('/admin/deploy', (req, res) => {
    const wanted: unknown = req.body?.version;
    if (!DEMO_VERSIONS.includes(wanted as DemoVersion)) {
      res.status(400).json({ error: `version must be one of ${DEMO_VERSIONS.join(', ')}` });
      return;
    }
    version = wanted as DemoVersion;
    res.json(state());
  });
  app.post('/admin/sql', (req, res) => {
    const sql = typeof req.body?.sql === 'string' ? req.body.sql.trim().replace(/;$/, '') : '';
    if (sql !== DEMO_PRECONDITION) {
      res.status(400).json({ error: `the demo database only understands: ${DEMO_PRECONDITION}` });
      return;
    }
    metadataDefault = true;
    res.json(state());
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
