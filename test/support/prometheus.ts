/**
 * The tests' Prometheus: the backfilled, scraped Prometheus of src/sandbox/prometheus.ts (history,
 * queries, start and stop), plus an exporter whose counters a test drives.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_BUCKETS,
  DURATION_METRIC,
  REQUESTS_METRIC,
  formatBound,
  formatSum,
  labelText,
  latencyDistribution,
  promValue,
  waitFor,
} from '../../src/sandbox/prometheus.js';

export * from '../../src/sandbox/prometheus.js';
export { freePort } from '../../src/sandbox/redis-server.js';
// ---------------------------------------------------------------------------------------------
// Exporter

export interface ExporterOptions {
  service?: string;
  env?: string;
  buckets?: readonly number[];
  /** Routes whose series exist (at 0) from the first scrape, so their first increase counts in rate(). */
  routes?: string[];
}

export interface Traffic {
  /** Requests served (status 200 and 500 together). */
  requests: number;
  /** How many of them were status 500; 0 by default. */
  errors?: number;
  /** p99 of these requests, placed in the buckets like the history's; 100 ms by default. */
  latencyMs?: number;
}

export interface LiveSeries {
  name: string;
  labels?: Record<string, string>;
  value: number;
  /** The `# TYPE` of a family the exporter does not know yet; untyped by default. */
  type?: 'counter' | 'gauge' | 'untyped';
}

export interface TestExporter {
  /** 127.0.0.1:<port>, for {@link PrometheusOptions.scrapeTargets}. */
  hostPort: string;
  /** How many times /metrics was served. */
  readonly scrapes: number;
  /** Adds traffic to a route's cumulative counters and histogram (buckets are exposed rounded, from exact totals). */
  advance(route: string, traffic: Traffic): void;
  /** Sets one sample as given (any metric name; the same name and labels as a request counter overrides it). */
  set(series: LiveSeries): void;
  /** Resolves when /metrics has been served once more after this call. */
  nextScrape(timeoutMs?: number): Promise<void>;
  /** The text /metrics serves now. */
  render(): string;
  stop(): Promise<void>;
}

interface Family {
  type: string;
  series: Map<string, { labels: Record<string, string>; value: number }>;
}

interface LiveHistogram {
  labels: Record<string, string>;
  buckets: number[];
  count: number;
  sum: number;
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** A /metrics endpoint in the Prometheus text format whose counters the test drives. */
export async function startExporter(options: ExporterOptions = {}): Promise<TestExporter> {
  const service = options.service ?? 'checkout';
  const env = options.env ?? 'production';
  const buckets = options.buckets ?? DEFAULT_BUCKETS;
  const families = new Map<string, Family>([[REQUESTS_METRIC, { type: 'counter', series: new Map() }]]);
  const histograms = new Map<string, LiveHistogram>();
  let scrapes = 0;
  let waiters: (() => void)[] = [];

  const counter = (route: string, status: string) => {
    const labels = { service, env, route, status };
    const family = families.get(REQUESTS_METRIC)!;
    const key = seriesKey(labels);
    let series = family.series.get(key);
    if (!series) family.series.set(key, (series = { labels, value: 0 }));
    return series;
  };
  const histogram = (route: string) => {
    let live = histograms.get(route);
    if (!live) {
      live = { labels: { service, env, route }, buckets: buckets.map(() => 0), count: 0, sum: 0 };
      histograms.set(route, live);
    }
    return live;
  };
  const touch = (route: string) => {
    counter(route, '200');
    counter(route, '500');
    histogram(route);
  };
  for (const route of options.routes ?? []) touch(route);

  const render = () => {
    const lines: string[] = [];
    for (const [name, family] of families) {
      if (name === REQUESTS_METRIC) lines.push(`# HELP ${name} HTTP requests by route and status.`);
      lines.push(`# TYPE ${name} ${family.type}`);
      for (const { labels, value } of family.series.values())
        lines.push(
          `${name}${Object.keys(labels).length ? labelText(labels) : ''} ${Math.round(value * 1000) / 1000}`,
        );
      if (name === REQUESTS_METRIC) {
        lines.push(`# HELP ${DURATION_METRIC} HTTP request latency.`, `# TYPE ${DURATION_METRIC} histogram`);
        for (const live of histograms.values()) {
          [...buckets, Infinity].forEach((bound, j) => {
            const value = j < buckets.length ? live.buckets[j]! : live.count;
            lines.push(
              `${DURATION_METRIC}_bucket${labelText({ ...live.labels, le: formatBound(bound) })} ${Math.round(value)}`,
            );
          });
          lines.push(`${DURATION_METRIC}_sum${labelText(live.labels)} ${formatSum(live.sum)}`);
          lines.push(`${DURATION_METRIC}_count${labelText(live.labels)} ${Math.round(live.count)}`);
        }
      }
    }
    return `${lines.join('\n')}\n`;
  };

  const server = createHttpServer((request, response) => {
    if (request.method === 'GET' && request.url?.split('?')[0] === '/metrics') {
      const body = render();
      scrapes += 1;
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(body, () => {
        const woken = waiters;
        waiters = [];
        for (const wake of woken) wake();
      });
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    hostPort: `127.0.0.1:${port}`,
    get scrapes() {
      return scrapes;
    },
    advance(route, { requests, errors = 0, latencyMs = 100 }) {
      if (requests < 0 || errors < 0 || errors > requests) throw new Error('need 0 ≤ errors ≤ requests');
      touch(route);
      // Counters are exposed rounded, so exact totals are kept (Math.round of the stored value).
      counter(route, '200').value += requests - errors;
      counter(route, '500').value += errors;
      const live = histogram(route);
      const distribution = latencyDistribution(latencyMs, buckets);
      distribution.cumulative.forEach((share, j) => (live.buckets[j]! += share * requests));
      live.count += requests;
      live.sum += distribution.meanSeconds * requests;
    },
    set({ name, labels = {}, value, type = 'untyped' }) {
      let family = families.get(name);
      if (!family) families.set(name, (family = { type, series: new Map() }));
      family.series.set(seriesKey(labels), { labels, value });
    },
    nextScrape(timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== wake);
          reject(new Error(`the exporter at 127.0.0.1:${port} was not scraped within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(wake);
      });
    },
    render,
    stop() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Waits until Prometheus has scraped `hostPort` successfully (`up == 1`), by polling its query API. */
export async function waitForTarget(url: string, hostPort: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => (await promValue(url, `up{instance="${hostPort}"}`)) === 1, {
    timeoutMs,
    description: `Prometheus at ${url} to scrape ${hostPort}`,
  });
}
