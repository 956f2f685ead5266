/**
 * Webhook → card latency: a PagerDuty `incident.triggered` posted to the real router, ingested by
 * the real open-incident flow, until the card reaches the local Slack stand-in. Each round rejects
 * the incident so the next trigger opens a new one.
 *
 *   node --import ./scripts/ts-register.js bench/webhook-card.bench.ts [rounds]
 */
import { pino } from 'pino';
import { createSignalIngest, flowIncidentPort } from '../src/flows/ingest-signal.js';
import startRedis from '../test/support/global-setup.js';
import stopRedis from '../test/support/global-teardown.js';
import { startHarness } from '../test/support/bot-harness.js';
import { fixture, pdHeaders, PD_SECRET, startWebhookApp } from '../test/integration/webhooks/webhook-app.js';

const ROUNDS = Number(process.argv[2] ?? 30);

async function main(): Promise<void> {
  await startRedis();
  const harness = await startHarness({
    steps: '          - name: Undo\n            run: [kubectl, rollout, undo]',
  });
  const deps = harness.bot.deps;
  const app = await startWebhookApp({
    onSignalStored: (signal) => ingest.ingest(signal),
  });
  const ingest = createSignalIngest({
    // The webhook app keeps its signals and deploys under its own prefix: the flows read those.
    incidents: flowIncidentPort({ ...deps, signals: app.signals, deploys: app.deploys }),
    signals: app.signals,
    deploys: app.deploys,
    logger: pino({ level: 'silent' }),
  });

  const template = fixture('pagerduty/incident-triggered.json');
  const answers: number[] = [];
  const cards: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const body = template
      .replace('01BWP5RFDXQK3GKQ8A4ETM7BYM', `card-${round}`)
      .replaceAll('Q2KSMNPQ4WZSXD', `QCARD${round}`);
    const before = harness.slack.callsTo('chat.postMessage').length;
    const t0 = Date.now();
    const answer = await app.post('/webhooks/pagerduty', body, pdHeaders(body, PD_SECRET));
    answers.push(Date.now() - t0);
    if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`);
    for (;;) {
      const card = harness.slack
        .callsTo('chat.postMessage')
        .slice(before)
        .find((call) => !call.args.thread_ts);
      if (card) {
        cards.push(card.at - t0);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const id = await deps.store.openIncidentId('checkout', 'production');
    if (id) await harness.click('reject', id, 'U0LEAD');
    while (await deps.store.openIncidentId('checkout', 'production'))
      await new Promise((r) => setTimeout(r, 5));
  }
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    return { p50: at(50), p90: at(90), max: sorted.at(-1) };
  };
  console.log(
    JSON.stringify(
      { rounds: ROUNDS, webhookAnswerMs: stats(answers), webhookToCardMs: stats(cards) },
      null,
      2,
    ),
  );
  await ingest.flush();
  await app.close();
  await harness.close();
  await stopRedis();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
