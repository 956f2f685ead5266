/**
 * Alert → card with metrics: a signed PagerDuty `incident.triggered` to the real bot, until the card
 * that reaches the Slack stand-in carries the Prometheus numbers ("Errors …"), against a real
 * Prometheus backfilled with 90 minutes of history (a deploy and a spike on three of six routes).
 * Then the bot's memory with 20 incidents open at once (20 environments, each graded from metrics).
 *
 *   node --expose-gc --import ./scripts/ts-register.js bench/alert-evidence-card.bench.ts [rounds]
 */
import { parseCatalog } from '../src/catalog/load.js';
import type { DeployStore } from '../src/adapters/outbound/store/deploys.js';
import startRedis from '../test/support/global-setup.js';
import stopRedis from '../test/support/global-teardown.js';
import { startHarness } from '../test/support/bot-harness.js';
import { openMetricsHistory, startPrometheus } from '../test/support/prometheus.js';
import { AM_TOKEN, PD_SECRET, fixture, pdHeaders } from '../test/integration/webhooks/webhook-app.js';

const ROUNDS = Number(process.argv[2] ?? 30);
const OPEN_INCIDENTS = 20;
const MIN = 60_000;
const now = Math.floor(Date.now() / MIN) * MIN;
const at = (minutesAgo: number) => new Date(now - minutesAgo * MIN);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: pick(50), p90: pick(90), p99: pick(99), max: sorted.at(-1) };
}
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  await startRedis();
  const routes = [
    '/api/checkout',
    '/api/orders',
    '/api/payments',
    '/api/search',
    '/api/catalog',
    '/api/auth',
  ].map((route, i) => ({
    route,
    rps: 50,
    phases: [
      { from: at(90), errorRatio: 0.001, latencyMs: 200 },
      ...(i < 3 ? [{ from: at(15), errorRatio: 0.2 + i * 0.1, latencyMs: 450 }] : []),
    ],
  }));
  const prometheus = await startPrometheus({
    history: openMetricsHistory({
      service: 'checkout',
      env: 'production',
      start: at(90),
      end: at(0),
      routes,
    }),
  });
  const metrics = `
        metrics:
          prometheus: "${prometheus.url}"
          selector: 'service="checkout",env="production"'
          endpointLabel: route`;
  const extra = Array.from({ length: OPEN_INCIDENTS }, (_, i) => `      env${i}:${metrics}`).join('\n');
  const yaml = `version: 1
defaults:
  channel: C0INCIDENTS
  approvers: [U0LEAD]
  rollback: [{ name: Undo, run: [kubectl, rollout, undo, deployment/checkout, "--to-revision={toVersion}"] }]
services:
  checkout:
    environments:
      production:
        alerts: { pagerduty: [PIJ90N7] }${metrics}
${extra}
`;
  const h = await startHarness(
    {},
    { catalog: parseCatalog(yaml, 'bench.yaml') },
    { PAGERDUTY_WEBHOOK_SECRET: PD_SECRET, ALERTMANAGER_TOKEN: AM_TOKEN, ROLLBACK_ROLE: 'web' },
  );
  const deploys = h.bot.deps.deploys as DeployStore;
  for (const environment of ['production', ...Array.from({ length: OPEN_INCIDENTS }, (_, i) => `env${i}`)]) {
    await deploys.record(
      { service: 'checkout', environment, version: 'v2.3.0', deployedAt: at(3000).toISOString() },
      new Date(),
    );
    await deploys.record(
      {
        service: 'checkout',
        environment,
        version: 'v2.4.0',
        previousVersion: 'v2.3.0',
        deployedAt: at(20).toISOString(),
      },
      new Date(),
    );
  }

  const template = fixture('pagerduty/incident-triggered.json');
  const cards: number[] = [];
  let withoutNumbers = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const body = template
      .replace('01BWP5RFDXQK3GKQ8A4ETM7BYM', `evidence-${round}`)
      .replaceAll('Q2KSMNPQ4WZSXD', `QEVID${round}`);
    const before = h.slack.callsTo('chat.postMessage').length;
    const t0 = Date.now();
    const answer = await fetch(`${h.bot.url}/webhooks/pagerduty`, {
      method: 'POST',
      headers: pdHeaders(body, PD_SECRET),
      body,
    });
    if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`);
    for (;;) {
      const card = h.slack
        .callsTo('chat.postMessage')
        .slice(before)
        .find((call) => !call.args.thread_ts);
      if (card) {
        if (!JSON.stringify(card.args.blocks).includes('Errors ')) withoutNumbers++;
        cards.push(card.at - t0);
        break;
      }
      await sleep(2);
    }
    const id = await h.bot.deps.store.openIncidentId('checkout', 'production');
    if (id) await h.click('reject', id, 'U0LEAD');
    while (await h.bot.deps.store.openIncidentId('checkout', 'production')) await sleep(5);
  }

  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  for (let i = 0; i < OPEN_INCIDENTS; i++) await h.slash(`checkout env${i} memory round`);
  for (let i = 0; i < OPEN_INCIDENTS; i++)
    while (!(await h.bot.deps.store.openIncidentId('checkout', `env${i}`))) await sleep(10);
  await sleep(3000); // charts render and upload in the background
  gc?.();
  const after = process.memoryUsage();

  console.log(
    JSON.stringify(
      {
        rounds: ROUNDS,
        alertToCardWithNumbersMs: stats(cards),
        cardsPostedWithoutNumbers: withoutNumbers,
        memory: {
          openIncidents: OPEN_INCIDENTS,
          gcExposed: Boolean(gc),
          rssMb: { before: mb(before.rss), after: mb(after.rss) },
          heapUsedMb: { before: mb(before.heapUsed), after: mb(after.heapUsed) },
        },
        chartsUploaded: h.slack.uploads().filter((u) => u.filename?.endsWith('.png')).length,
      },
      null,
      2,
    ),
  );
  await h.close();
  await prometheus.stop();
  await stopRedis();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
