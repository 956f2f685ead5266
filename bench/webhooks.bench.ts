/**
 * Sustained webhook intake: concurrent keep-alive PagerDuty deliveries (80% new events, 20%
 * redeliveries) against the real router and real Redis on 127.0.0.1, for a fixed number of
 * requests. Prints throughput and latency percentiles. Target: ≥ 1,000 deliveries/s, p99 < 50 ms.
 *
 *   node --import ./scripts/ts-register.js bench/webhooks.bench.ts [requests] [concurrency]
 *
 * Uses REDIS_URL when set, else starts a throwaway redis-server.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseCatalog } from '../src/catalog/load.js';
import { DeployStore } from '../src/adapters/outbound/store/deploys.js';
import { LockStore } from '../src/adapters/outbound/store/locks.js';
import { SignalStore } from '../src/adapters/outbound/store/signals.js';
import { webhookRouter } from '../src/adapters/inbound/webhooks/router.js';
import { hmacSha256Hex } from '../src/adapters/inbound/webhooks/verify.js';
import startRedis from '../test/support/global-setup.js';
import stopRedis from '../test/support/global-teardown.js';
import { CATALOG_YAML } from '../test/integration/webhooks/webhook-app.js';

const TOTAL = Number(process.argv[2] ?? 10_000);
const CONCURRENCY = Number(process.argv[3] ?? 32);
const SECRET = 'bench-pagerduty-secret';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  await startRedis();
  const redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const signals = new SignalStore(redis, prefix);
  let handedOn = 0;
  const app = express();
  app.use(
    webhookRouter({
      logger: pino({ level: 'silent' }),
      catalog: parseCatalog(CATALOG_YAML, 'bench.yaml'),
      secrets: { pagerduty: [SECRET] },
      signals,
      deploys: new DeployStore(redis, prefix),
      locks: new LockStore(redis, prefix),
      onSignalStored: () => void handedOn++,
    }),
  );
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const template = readFileSync(
    new URL('../test/fixtures/pagerduty/incident-triggered.json', import.meta.url),
    'utf8',
  );

  const bodyFor = (i: number): string => {
    // Every fifth delivery repeats an earlier one, as PagerDuty's retries would.
    const n = i % 5 === 4 ? i - 1 : i;
    return template
      .replace('01BWP5RFDXQK3GKQ8A4ETM7BYM', `bench-event-${n}`)
      .replaceAll('Q2KSMNPQ4WZSXD', `QBENCH${n}`);
  };
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/webhooks/pagerduty',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-pagerduty-signature': `v1=${hmacSha256Hex(SECRET, Buffer.from(body))}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  // Warm-up (JIT, connections), not measured.
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => post(bodyFor(TOTAL + 10 + i * 5))));

  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL) {
        const body = bodyFor(next++);
        const t0 = process.hrtime.bigint();
        const status = await post(body);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await new Promise((resolve) => setTimeout(resolve, 50));
  latencies.sort((a, b) => a - b);
  const counters = await signals.counters('checkout', 'production');

  const rate = TOTAL / seconds;
  const p99 = percentile(latencies, 99);
  console.log(
    JSON.stringify(
      {
        requests: TOTAL,
        concurrency: CONCURRENCY,
        seconds: Number(seconds.toFixed(2)),
        deliveriesPerSecond: Math.round(rate),
        latencyMs: {
          p50: Number(percentile(latencies, 50).toFixed(2)),
          p90: Number(percentile(latencies, 90).toFixed(2)),
          p99: Number(p99.toFixed(2)),
          max: Number((latencies.at(-1) ?? NaN).toFixed(2)),
        },
        statuses: Object.fromEntries(statuses),
        stored: counters.received,
        duplicates: counters.duplicates,
        handedOn,
        target: rate >= 1000 && p99 < 50 ? 'met' : 'NOT met',
      },
      null,
      2,
    ),
  );

  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  await stopRedis();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
