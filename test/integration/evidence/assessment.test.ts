/**
 * The card's evidence against a real Prometheus, backfilled with deterministic history: baseline,
 * a deploy, then a spike on three of six routes (checkout), and a spike that began before its
 * deploy (search). Slack is the stand-in; alerts come in as signed webhooks.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { parseCatalog } from '../../../src/catalog/load.js';
import type { DeployStore } from '../../../src/adapters/outbound/store/deploys.js';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';
import {
  freePort,
  openMetricsHistory,
  startPrometheus,
  type RouteSpec,
  type TestPrometheus,
} from '../../support/prometheus.js';
import {
  AM_TOKEN,
  DEPLOY_SECRET,
  PD_SECRET,
  amHeaders,
  deployHeaders,
  fixture,
  pdHeaders,
} from '../webhooks/webhook-app.js';

const MIN = 60_000;
// Aligned to the minute, so every run reads the same numbers at the same offsets.
const now = Math.floor(Date.now() / MIN) * MIN;
const at = (minutesAgo: number) => new Date(now - minutesAgo * MIN);
const hhmm = (minutesAgo: number) => at(minutesAgo).toISOString().slice(11, 16);

const healthy = { errorRatio: 0.001, latencyMs: 200 };
function route(name: string, spikeMinutesAgo: number, errorRatio?: number): RouteSpec {
  return {
    route: name,
    rps: 50,
    phases: [
      { from: at(90), ...healthy },
      ...(errorRatio !== undefined ? [{ from: at(spikeMinutesAgo), errorRatio, latencyMs: 450 }] : []),
    ],
  };
}
const CHECKOUT_ROUTES = [
  route('/api/checkout', 15, 0.4),
  route('/api/orders', 15, 0.3),
  route('/api/payments', 15, 0.2),
  route('/api/search', 15),
  route('/api/catalog', 15),
  route('/api/auth', 15),
];

const metrics = (url: string, service: string, extra = '') => `
        metrics:
          prometheus: "${url}"
          selector: 'service="${service}",env="production"'
          endpointLabel: route${extra}`;

function catalogYaml(promUrl: string, deadUrl: string, hangingUrl: string): string {
  return `version: 1
defaults:
  channel: C0INCIDENTS
  approvers: [U0LEAD]
  rollback: [{ name: Undo, run: [kubectl, rollout, undo, deployment/app, "--to-revision={toVersion}"] }]
services:
  checkout:
    environments:
      production:
        alerts: { pagerduty: [PIJ90N7], labels: { service: checkout, env: production } }${metrics(promUrl, 'checkout')}
  search:
    environments:
      production:${metrics(promUrl, 'search')}
      staging:${metrics(promUrl, 'search', `\n          errorRate: 'sum(rate(http_requests_total{{selector}}))'`)}
  ledger:
    environments:
      production:${metrics(deadUrl, 'ledger')}
      staging:${metrics(hangingUrl, 'ledger')}
`;
}

type Block = { type: string; text?: { text: string }; elements?: { text?: string; action_id?: string }[] };
const textOf = (blocks: Block[] | undefined) =>
  (blocks ?? []).map((b) => [b.text?.text, ...(b.elements ?? []).map((e) => e.text)].join(' ')).join('\n');

describe('the assessment card measures against the pre-deploy baseline', () => {
  let prometheus: TestPrometheus;
  let hanging: Server;
  const sockets = new Set<Socket>();
  let h: Harness;

  beforeAll(async () => {
    prometheus = await startPrometheus({
      history: openMetricsHistory([
        { service: 'checkout', env: 'production', start: at(90), end: at(0), routes: CHECKOUT_ROUTES },
        {
          service: 'search',
          env: 'production',
          start: at(90),
          end: at(0),
          routes: [route('/search', 25, 0.3), route('/suggest', 25)],
        },
      ]),
    });
    // Accepts connections and never answers: a Prometheus that hangs.
    hanging = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => hanging.once('listening', resolve));
    const hangingPort = (hanging.address() as { port: number }).port;
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    h = await startHarness(
      {},
      {
        catalog: parseCatalog(
          catalogYaml(prometheus.url, deadUrl, `http://127.0.0.1:${hangingPort}`),
          'evidence.yaml',
        ),
        evidenceTimeBoundMs: 1_500,
        metricsTimeoutMs: 2_500,
      },
      {
        PAGERDUTY_WEBHOOK_SECRET: PD_SECRET,
        ALERTMANAGER_TOKEN: AM_TOKEN,
        DEPLOY_WEBHOOK_SECRET: DEPLOY_SECRET,
        ROLLBACK_ROLE: 'web',
      },
    );
    const deploys = h.bot.deps.deploys as DeployStore;
    for (const [service, version, previousVersion, minutesAgo] of [
      ['checkout', 'v2.3.0', undefined, 3 * 24 * 60],
      ['checkout', 'v2.4.0', 'v2.3.0', 20],
      ['search', 'v5.0.0', undefined, 3 * 24 * 60],
      ['search', 'v5.1.0', 'v5.0.0', 20],
    ] as const) {
      await deploys.record(
        {
          service,
          environment: 'production',
          version,
          ...(previousVersion ? { previousVersion } : {}),
          deployedAt: at(minutesAgo).toISOString(),
        },
        new Date(),
      );
    }
  });

  afterAll(async () => {
    await h?.close();
    await prometheus?.stop();
    for (const socket of sockets) socket.destroy();
    hanging?.close();
  });

  /** Opens an incident by `open()` and returns its id and final card text once `ready` holds. */
  async function cardAfter(open: () => Promise<unknown>, ready: (text: string) => boolean) {
    const known = new Set(await h.bot.deps.store.recentIds(50));
    await open();
    const id = await eventually(
      async () => (await h.bot.deps.store.recentIds(50)).find((i) => !known.has(i)),
      10_000,
    );
    const text = await eventually(async () => {
      const incident = await h.bot.deps.store.get(id);
      const card = incident?.messageTs ? h.slack.message(incident.channel, incident.messageTs) : undefined;
      const shown = textOf(card?.blocks as Block[] | undefined);
      return card && ready(shown) ? shown : undefined;
    }, 15_000);
    return { id, text };
  }

  const reject = async (id: string) => {
    await h.click('reject', id, 'U0LEAD');
    await eventually(async () => ((await h.bot.deps.store.get(id))?.state === 'rejected' ? true : undefined));
  };

  it('shows the numbers, the change point after the deploy and the blast radius, and charts them in the thread', async () => {
    const { id, text } = await cardAfter(
      () => h.slash('checkout production errors after the deploy'),
      (t) => t.includes('Errors '),
    );
    expect(text).toMatch(
      new RegExp(
        `Errors 15(\\.\\d)?% \\(baseline 0\\.1%\\) · p99 4\\d\\d ms \\(200 ms\\) · began ${hhmm(15)}, 5 min after v2\\.4\\.0`,
      ),
    );
    expect(text).toContain(
      '3 of 6 endpoints: /api/checkout 40%, /api/orders 30%, /api/payments 20%; fine: /api/auth, /api/catalog, /api/search',
    );
    expect(text).toMatch(/\*FAST\* \(act within 30 minutes\) — Error rate 15(\.\d)?% is above 10%/);
    expect(text).toContain('Graded from Prometheus metrics');

    const incident = await h.bot.deps.store.get(id);
    const chart = await eventually(() =>
      h.slack
        .uploads()
        .find((u) => u.thread_ts === incident?.messageTs && u.filename === `${id}-assessment.png`),
    );
    expect(chart.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(chart.bytes.length).toBeGreaterThan(10_000);
    expect(chart.bytes.length).toBeLessThan(500_000);
    await reject(id);
  });

  it('gives the same tier whether a responder, PagerDuty, Alertmanager or a failed deploy opened the incident', async () => {
    const pd = fixture('pagerduty/incident-triggered.json'); // "5xx rate 62%": IMMEDIATE by its words
    const am = fixture('alertmanager/firing.json'); // "error rate 23%", critical: FAST by its words
    const failed = JSON.stringify({
      service: 'checkout',
      environment: 'production',
      version: 'v2.4.0',
      previousVersion: 'v2.3.0',
      deployedAt: at(20).toISOString(),
      status: 'smoke_failed',
    });
    const tiers: string[] = [];
    for (const open of [
      () => h.slash('checkout production'),
      () =>
        fetch(`${h.bot.url}/webhooks/pagerduty`, {
          method: 'POST',
          headers: pdHeaders(pd, PD_SECRET),
          body: pd,
        }),
      () => fetch(`${h.bot.url}/webhooks/alertmanager`, { method: 'POST', headers: amHeaders(), body: am }),
      () =>
        fetch(`${h.bot.url}/webhooks/deploys`, {
          method: 'POST',
          headers: deployHeaders(failed),
          body: failed,
        }),
    ]) {
      const { id, text } = await cardAfter(open, (t) => t.includes('Errors '));
      tiers.push(/\*(IMMEDIATE|FAST|PLANNED|MONITOR)\*/.exec(text)?.[1] ?? 'none');
      await reject(id);
    }
    expect(tiers).toEqual(['FAST', 'FAST', 'FAST', 'FAST']);
  });

  it('says a rollback is unlikely to help when the spike began before the deploy, and still offers it', async () => {
    const { id, text } = await cardAfter(
      () => h.slash('search production'),
      (t) => t.includes('Errors '),
    );
    expect(text).toContain(`began ${hhmm(25)}, 5 min before v5.1.0`);
    expect(text).toMatch(
      /before v5\.1\.0 was deployed, so the deploy did not start it and a rollback is unlikely to help/,
    );
    const incident = await h.bot.deps.store.get(id);
    const card = h.slack.message(incident!.channel, incident!.messageTs!);
    const actions = (card?.blocks as Block[]).flatMap((b) => b.elements ?? []).map((e) => e.action_id);
    expect(actions).toContain('rollback_approve');
    await reject(id);
  });

  it('names a Prometheus that is not there, and grades without inventing a number', async () => {
    const { id, text } = await cardAfter(
      () => h.slash('ledger production --to v1.0.0'),
      (t) => t.includes('Metrics unavailable'),
    );
    expect(text).toMatch(/Metrics unavailable: cannot reach Prometheus \(ECONNREFUSED\)/);
    expect(text).not.toMatch(/Errors \d/);
    expect(text).toContain('*FAST*');
    await reject(id);
  });

  it('posts the card without waiting for a Prometheus that hangs, then says why there are no numbers', async () => {
    const before = h.slack.callsTo('chat.postMessage').length;
    const { id, text } = await cardAfter(
      () => h.slash('ledger staging --to v1.0.0'),
      (t) => t.includes('Metrics unavailable'),
    );
    expect(text).toContain('Metrics unavailable: Prometheus did not answer within 2500 ms');
    // The card as first posted said it was still reading: it had not waited for the answer.
    const firstPost = h.slack
      .callsTo('chat.postMessage')
      .slice(before)
      .find((c) => !c.args.thread_ts);
    expect(JSON.stringify(firstPost?.args.blocks)).toContain('Reading metrics from Prometheus');
    await reject(id);
  });

  it('retries a failed outside rollback towards the version it went back to, never to the bad one', async () => {
    const failed = JSON.stringify({
      service: 'search',
      environment: 'production',
      version: 'v5.0.0',
      previousVersion: 'v5.1.0',
      deployedAt: at(1).toISOString(),
      kind: 'rollback',
      status: 'failed',
    });
    const { id, text } = await cardAfter(
      () =>
        fetch(`${h.bot.url}/webhooks/deploys`, {
          method: 'POST',
          headers: deployHeaders(failed),
          body: failed,
        }),
      (t) => t.includes('Rollback of v5.0.0 failed'),
    );
    expect(await h.bot.deps.store.get(id)).toMatchObject({ fromVersion: 'v5.1.0', toVersion: 'v5.0.0' });
    expect(text).toContain('v5.1.0 → v5.0.0');
    await reject(id);
  });

  it('names the query Prometheus refused', async () => {
    const { id, text } = await cardAfter(
      () => h.slash('search staging --to v1.0.0'),
      (t) => t.includes('Metrics unavailable'),
    );
    expect(text).toMatch(/Metrics unavailable: Prometheus refused the query \(bad_data: .*range vector/);
    await reject(id);
  });
});
