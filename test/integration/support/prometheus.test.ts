/**
 * The Prometheus fixture against the real binary: 75 minutes of backfilled history (deploy at
 * now−20 min, a spike on 3 of 6 routes at now−15 min) answer the queries the bot asks, and a live
 * exporter is scraped. Times are offsets from `now` aligned to the 15 s step, so every query lands
 * on the same samples each run and the answers are the same.
 */
import {
  openMetricsHistory,
  promQuery,
  promQueryRange,
  promValue,
  SCRAPE_JOB,
  startExporter,
  startPrometheus,
  waitFor,
  waitForTarget,
  type HistorySpec,
  type TestExporter,
  type TestPrometheus,
} from '../../support/prometheus.js';

const STEP_SECONDS = 15;
const MINUTE = 60_000;
const now = Math.floor(Date.now() / (STEP_SECONDS * 1000)) * STEP_SECONDS * 1000;
const ago = (minutes: number) => new Date(now - minutes * MINUTE);
const DEPLOY_AT = ago(20);
const SPIKE_AT = ago(15);
const HEALTHY = { errorRatio: 0.001, latencyMs: 200 };
const SPIKE = { errorRatio: 0.22, latencyMs: 450 };

const ROUTES = [
  { route: '/api/checkout', rps: 10, spiked: true },
  { route: '/api/payment', rps: 5, spiked: true },
  { route: '/api/cart', rps: 20, spiked: true },
  { route: '/api/products', rps: 30, spiked: false },
  // The deploy makes search slower (within its bucket) but not failing.
  { route: '/api/search', rps: 15, spiked: false, latencyAfterDeployMs: 330 },
  { route: '/api/account', rps: 8, spiked: false },
];

const SPEC: HistorySpec = {
  service: 'checkout',
  env: 'production',
  start: ago(75),
  end: ago(0),
  stepSeconds: STEP_SECONDS,
  routes: ROUTES.map(({ route, rps, spiked, latencyAfterDeployMs }) => ({
    route,
    rps,
    phases: [
      { from: ago(75), ...HEALTHY },
      { from: DEPLOY_AT, ...HEALTHY, latencyMs: latencyAfterDeployMs ?? HEALTHY.latencyMs },
      ...(spiked ? [{ from: SPIKE_AT, ...SPIKE }] : []),
    ],
  })),
};

const TOTAL_RPS = ROUTES.reduce((sum, route) => sum + route.rps, 0);
const SPIKED_RATIO =
  ROUTES.reduce((sum, route) => sum + route.rps * (route.spiked ? SPIKE : HEALTHY).errorRatio, 0) / TOTAL_RPS;

const SELECTOR = 'service="checkout",env="production"';
const ERROR_RATIO =
  `sum(rate(http_requests_total{${SELECTOR},status=~"5.."}[1m]))` +
  ` / sum(rate(http_requests_total{${SELECTOR}}[1m]))`;
const P99 = `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${SELECTOR}}[1m])))`;
const routeP99 = (route: string) =>
  `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${SELECTOR},route="${route}"}[1m])))`;
const ROUTE_ERROR_RATIO =
  `sum by (route) (rate(http_requests_total{${SELECTOR},status=~"5.."}[1m]))` +
  ` / sum by (route) (rate(http_requests_total{${SELECTOR}}[1m]))`;

let prometheus: TestPrometheus;
let exporter: TestExporter;

beforeAll(async () => {
  exporter = await startExporter({ service: 'checkout', env: 'production', routes: ['/api/checkout'] });
  prometheus = await startPrometheus({
    history: openMetricsHistory(SPEC),
    scrapeTargets: [exporter.hostPort],
    scrapeIntervalSeconds: 1,
  });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
});

async function value(expr: string, time: Date): Promise<number> {
  const answer = await promValue(prometheus.url, expr, time);
  if (answer === undefined) throw new Error(`${expr} answered nothing at ${time.toISOString()}`);
  return answer;
}

describe('Prometheus fixture', () => {
  it('backfills the history into blocks that end at its last sample', () => {
    expect(prometheus.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // promtool cuts blocks at 2 h boundaries: the 75 minutes make one or two blocks.
    expect(prometheus.blocks.length).toBeGreaterThanOrEqual(1);
    expect(prometheus.blocks[0]!.minTime).toBe(ago(75).getTime());
    expect(prometheus.blocks.at(-1)!.maxTime).toBe(now + 1);
  });

  it('answers the error ratio: ~0.001 before the deploy, the spiked mix after the spike', async () => {
    expect(await value(`sum(rate(http_requests_total{${SELECTOR}}[1m]))`, ago(40))).toBeCloseTo(TOTAL_RPS, 0);
    // Error counts are integers per series: 0.001 of 88 rps is ~5 errors a minute, so ±1 per route.
    expect(Math.abs((await value(ERROR_RATIO, ago(40))) - 0.001)).toBeLessThan(0.0005);
    expect(SPIKED_RATIO).toBeCloseTo(0.0881, 4);
    expect(Math.abs((await value(ERROR_RATIO, ago(5))) - SPIKED_RATIO)).toBeLessThan(0.002);
  });

  it('answers the same over query_range, every minute of the history up to now', async () => {
    const [series, ...others] = await promQueryRange(prometheus.url, ERROR_RATIO, {
      start: ago(75),
      end: ago(0),
      stepSeconds: 60,
    });
    expect(others).toEqual([]);
    const points = series!.values;
    // The first minute has a single sample, too few for rate(); then one point a minute, now included.
    expect(points.length).toBe(75);
    expect(points[0]![0]).toBe(ago(74).getTime() / 1000);
    expect(points.at(-1)![0]).toBe(now / 1000);
    for (const [time, ratio] of points) {
      if (time * 1000 <= SPIKE_AT.getTime()) expect(ratio).toBeLessThan(0.002);
      else expect(Math.abs(ratio - SPIKED_RATIO)).toBeLessThan(0.002);
    }
  });

  it('answers p99 latency near the configured latency, before and after', async () => {
    expect(Math.abs((await value(P99, ago(40))) - 0.2)).toBeLessThan(0.005);
    // After: 40 % of the traffic at p99 450 ms, the rest below 400 ms, so the mix reads ~0.449.
    expect(Math.abs((await value(P99, ago(5))) - 0.45)).toBeLessThan(0.01);
    for (const { route, spiked } of ROUTES.filter((item) => !item.latencyAfterDeployMs)) {
      // One route at 5–30 rps: within 10 ms (see the fixture's note on accuracy).
      expect(Math.abs((await value(routeP99(route), ago(40))) - 0.2)).toBeLessThan(0.01);
      expect(Math.abs((await value(routeP99(route), ago(5))) - (spiked ? 0.45 : 0.2))).toBeLessThan(0.01);
    }
    // Not on a bucket bound: interpolated within (0.3, 0.4].
    expect(Math.abs((await value(routeP99('/api/search'), ago(10))) - 0.33)).toBeLessThan(0.01);
  });

  it('tells the 3 spiked routes from the 3 healthy ones by route', async () => {
    const byRoute = async (time: Date) =>
      Object.fromEntries(
        (await promQuery(prometheus.url, ROUTE_ERROR_RATIO, time)).map(({ metric, value: ratio }) => [
          metric.route,
          ratio,
        ]),
      );
    const after = await byRoute(ago(5));
    expect(Object.keys(after).sort()).toEqual(ROUTES.map(({ route }) => route).sort());
    for (const { route, spiked } of ROUTES) {
      if (spiked) expect(Math.abs(after[route]! - 0.22)).toBeLessThan(0.01);
      else expect(after[route]).toBeLessThan(0.005);
    }
    const failing = await promQuery(prometheus.url, `${ROUTE_ERROR_RATIO} > 0.05`, ago(5));
    expect(failing.map(({ metric }) => metric.route).sort()).toEqual([
      '/api/cart',
      '/api/checkout',
      '/api/payment',
    ]);
    expect(await promQuery(prometheus.url, `${ROUTE_ERROR_RATIO} > 0.05`, ago(40))).toEqual([]);
  });

  it('scrapes the exporter: set values and live traffic show up in queries', async () => {
    exporter.set({ name: 'fixture_probe', labels: { run: 'a' }, value: 42, type: 'gauge' });
    // Prometheus 2.42 hands discovered targets to the scrape loop every 5 s: the first scrape is ~5 s in.
    await waitForTarget(prometheus.url, exporter.hostPort, 30_000);
    await waitFor(async () => (await promValue(prometheus.url, 'fixture_probe{run="a"}')) === 42, {
      timeoutMs: 30_000,
      description: 'fixture_probe to read 42',
    });
    // Live traffic, a step per scrape, the way a recovering service would be seen.
    for (let i = 0; i < 3; i += 1) {
      exporter.advance('/api/checkout', { requests: 100, errors: 1, latencyMs: 200 });
      await exporter.nextScrape(30_000);
    }
    const live = `job="${SCRAPE_JOB}",${SELECTOR},route="/api/checkout"`;
    await waitFor(
      async () => (await promValue(prometheus.url, `sum(http_requests_total{${live}})`)) === 300,
      {
        timeoutMs: 30_000,
        description: 'the live counters to reach 300 requests',
      },
    );
    const [sample] = await promQuery(prometheus.url, `http_requests_total{${live},status="500"}`);
    expect(sample?.metric).toMatchObject({ instance: exporter.hostPort, job: SCRAPE_JOB, status: '500' });
    expect(sample?.value).toBe(3);
    expect(await promValue(prometheus.url, `sum(rate(http_requests_total{${live}}[1m]))`)).toBeGreaterThan(0);
    expect(
      await promValue(
        prometheus.url,
        `histogram_quantile(0.99, sum by (le) (http_request_duration_seconds_bucket{${live}}))`,
      ),
    ).toBeCloseTo(0.2, 6);
  }, 90_000);

  it("still answers at the history's last sample once live samples are in the head", async () => {
    await waitForTarget(prometheus.url, exporter.hostPort, 30_000);
    expect(Math.abs((await value(ERROR_RATIO, ago(0))) - SPIKED_RATIO)).toBeLessThan(0.002);
    const [series] = await promQueryRange(prometheus.url, ERROR_RATIO, {
      start: ago(2),
      end: ago(0),
      stepSeconds: STEP_SECONDS,
    });
    expect(series!.values.map(([time]) => time)).toEqual(
      [8, 7, 6, 5, 4, 3, 2, 1, 0].map((steps) => (now - steps * STEP_SECONDS * 1000) / 1000),
    );
  }, 60_000);
});
