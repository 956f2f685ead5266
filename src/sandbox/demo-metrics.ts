/**
 * The demo service's last ninety minutes, so the sandbox's card has a real baseline to measure
 * against: v2.3.0 healthy until the deploy, then v2.4.0 failing as the demo service does now. The
 * history is backfilled into a real Prometheus (when `prometheus` and `promtool` are on PATH), which
 * then scrapes the live service.
 */
import { execa } from 'execa';
import { DEMO_ROUTES, failureRate } from './demo-service.js';
import { openMetricsHistory, startPrometheus, type TestPrometheus } from './prometheus.js';

const HISTORY_MS = 90 * 60_000;

export async function prometheusOnPath(): Promise<boolean> {
  const ok = async (tool: string) => (await execa(tool, ['--version'], { reject: false })).exitCode === 0;
  try {
    return (await ok('prometheus')) && (await ok('promtool'));
  } catch {
    return false;
  }
}

export function demoHistory(deployedAt: Date, now: Date): string {
  return openMetricsHistory({
    service: 'checkout',
    env: 'production',
    start: new Date(now.getTime() - HISTORY_MS),
    // Before now: Prometheus drops scraped samples older than the newest backfilled one.
    end: new Date(now.getTime() - 15_000),
    routes: DEMO_ROUTES.map((route) => ({
      route,
      rps: 20,
      phases: [
        {
          from: new Date(now.getTime() - HISTORY_MS),
          errorRatio: failureRate(route, 'v2.3.0', true),
          latencyMs: 180,
        },
        {
          from: deployedAt,
          errorRatio: failureRate(route, 'v2.4.0', false),
          latencyMs: route === '/api/checkout' || route === '/api/orders' ? 340 : 180,
        },
      ],
    })),
  });
}

/** A Prometheus with the demo history that scrapes the demo service every 2 s. */
export function startDemoPrometheus(serviceUrl: string, deployedAt: Date): Promise<TestPrometheus> {
  return startPrometheus({
    history: demoHistory(deployedAt, new Date()),
    scrapeTargets: [new URL(serviceUrl).host],
    scrapeIntervalSeconds: 2,
  });
}
