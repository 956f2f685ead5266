/**
 * The `metrics` verify check against a real Prometheus: backfilled history (healthy baseline, a
 * deploy, a spike) and, after it, a live exporter Prometheus scrapes every second. After the
 * rollback's step the exporter serves recovered traffic (the check passes) or keeps failing (the
 * rollback ends unverified and a human is paged).
 */
import { parseCatalog } from '../../../src/catalog/load.js';
import type { DeployStore } from '../../../src/adapters/outbound/store/deploys.js';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';
import {
  openMetricsHistory,
  startExporter,
  startPrometheus,
  waitForTarget,
  type TestExporter,
  type TestPrometheus,
} from '../../support/prometheus.js';

const ROUTES = ['/api/checkout', '/api/search'];
const start = Date.now();
const at = (secondsAgo: number) => new Date(start - secondsAgo * 1000);

// Short windows ([5s]) so a live recovery shows within seconds; history at 1 s steps to match.
const FAST_QUERIES = `
          errorRate: 'sum(rate(http_requests_total{{selector},status=~"5.."}[5s])) / sum(rate(http_requests_total{{selector}}[5s]))'
          latencyP99: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{selector}}[5s])))'
          throughput: 'sum(rate(http_requests_total{{selector}}[5s]))'`;

function catalogYaml(url: string): string {
  const env = `
        metrics:
          prometheus: "${url}"
          selector: 'service="checkout",env="production"'
          baseline: 5m${FAST_QUERIES}
        verify:
          - name: Back to baseline
            metrics: { watch: 3s, tolerance: 1.5 }
            interval: 500ms`;
  return `version: 1
defaults:
  channel: C0INCIDENTS
  approvers: [U0LEAD]
  rollback: [{ name: Switch back, run: ["true"] }]
services:
  checkout:
    environments:
      production:${env}
      staging:${env}
`;
}

describe('verification watches the metrics come back to the baseline', () => {
  let prometheus: TestPrometheus;
  let exporter: TestExporter;
  let h: Harness;
  let ticker: NodeJS.Timeout;
  let mode: 'recovered' | 'broken' = 'recovered';

  beforeAll(async () => {
    const phases = [
      { from: at(720), errorRatio: 0.001, latencyMs: 200 },
      { from: at(240), errorRatio: 0.3, latencyMs: 450 },
    ];
    prometheus = await startPrometheus({
      history: openMetricsHistory({
        service: 'checkout',
        env: 'production',
        start: at(720),
        end: at(2),
        stepSeconds: 1,
        routes: ROUTES.map((route) => ({ route, rps: 100, phases })),
      }),
      scrapeTargets: [(exporter = await startExporter({ routes: ROUTES })).hostPort],
    });
    // Live traffic, 4 times a second, in whichever state the test put the service.
    ticker = setInterval(() => {
      for (const route of ROUTES)
        exporter.advance(
          route,
          mode === 'recovered'
            ? { requests: 25, latencyMs: 200 }
            : { requests: 25, errors: 10, latencyMs: 450 },
        );
    }, 250);
    await waitForTarget(prometheus.url, exporter.hostPort);
    h = await startHarness({}, { catalog: parseCatalog(catalogYaml(prometheus.url), 'verify.yaml') });
    const deploys = h.bot.deps.deploys as DeployStore;
    for (const environment of ['production', 'staging']) {
      await deploys.record(
        { service: 'checkout', environment, version: 'v2.3.0', deployedAt: at(3 * 86_400).toISOString() },
        new Date(),
      );
      await deploys.record(
        {
          service: 'checkout',
          environment,
          version: 'v2.4.0',
          previousVersion: 'v2.3.0',
          deployedAt: at(360).toISOString(),
        },
        new Date(),
      );
    }
  }, 60_000);

  afterAll(async () => {
    clearInterval(ticker);
    await h?.close();
    await prometheus?.stop();
    await exporter?.stop();
  });

  async function rollBack(environment: string) {
    const known = new Set(await h.bot.deps.store.recentIds(20));
    await h.slash(`checkout ${environment}`);
    const id = await eventually(
      async () => (await h.bot.deps.store.recentIds(20)).find((i) => !known.has(i)),
      10_000,
    );
    await eventually(async () => ((await h.bot.deps.store.get(id))?.messageTs ? true : undefined), 10_000);
    const opened = await h.bot.deps.store.get(id);
    expect(opened?.evidence).toMatchObject({
      status: 'measured',
      baseline: { errorRatePercent: expect.any(Number) },
    });
    await h.click('approve', id, 'U0LEAD');
    return id;
  }

  const finalState = (id: string) =>
    eventually(async () => {
      const incident = await h.bot.deps.store.get(id);
      return incident && ['completed', 'unverified', 'failed', 'manual_intervention'].includes(incident.state)
        ? incident
        : undefined;
    }, 40_000);

  it('passes once error rate and p99 stay within tolerance for the watch, showing each reading', async () => {
    mode = 'recovered';
    const id = await rollBack('production');
    const incident = await finalState(id);
    expect(incident.state).toBe('completed');
    const timeline = await h.bot.deps.store.timeline(id);
    const readings = timeline.filter((e) => e.type === 'verify_watching');
    expect(readings.length).toBeGreaterThanOrEqual(2);
    expect(readings.at(-1)).toMatchObject({ within: true, watchMs: 3_000 });
    expect(timeline.find((e) => e.type === 'verify_passed')).toMatchObject({ check: 'Back to baseline' });
    // The progress message showed the watch live, then the pass.
    const progressTexts = h.slack
      .callsTo('chat.update')
      .concat(h.slack.callsTo('chat.postMessage'))
      .filter((c) => c.args.ts === incident.progressTs || c.args.thread_ts === incident.messageTs)
      .map((c) => JSON.stringify(c.args.blocks ?? ''));
    expect(progressTexts.some((t) => /watching: 0% \/ p99 \d+ ms, \d of 3 s/.test(t))).toBe(true);
    // And the after-rollback chart landed in the thread.
    const chart = await eventually(() =>
      h.slack.uploads().find((u) => u.filename === `${id}-after-rollback.png`),
    );
    expect(chart.bytes.subarray(1, 4).toString()).toBe('PNG');
  }, 60_000);

  it('ends unverified and pages a human when the metrics do not come back', async () => {
    mode = 'broken';
    const id = await rollBack('staging');
    const incident = await finalState(id);
    expect(incident.state).toBe('unverified');
    const failed = (await h.bot.deps.store.timeline(id)).find((e) => e.type === 'verify_failed');
    expect(failed).toMatchObject({ check: 'Back to baseline' });
    expect((failed as { error: string }).error).toMatch(
      /error rate \d+(\.\d)?% \(limit 0\.\d+%\).*not back within 1\.5× the baseline for 3s/,
    );
    const thread = await eventually(() => {
      const replies = h.slack.threadReplies(incident.channel, incident.messageTs as string);
      return replies.find((m) => /ROLLBACK_UNVERIFIED/.test(JSON.stringify(m.blocks ?? m.text)));
    }, 10_000);
    expect(JSON.stringify(thread.blocks ?? thread.text)).toMatch(/Back to baseline/);
  }, 60_000);
});
