/**
 * Webhook → Redis → ingest → the bot's real open-incident flow → the Slack stand-in: one card per
 * service and environment however many alerts arrive, with the triage on it.
 */
import { pino } from 'pino';
import { createSignalIngest, flowIncidentPort, type SignalIngest } from '../../../src/flows/ingest-signal.js';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';
import {
  amHeaders,
  deployHeaders,
  fixture,
  pdHeaders,
  PD_SECRET,
  startWebhookApp,
  type WebhookApp,
} from './webhook-app.js';

let harness: Harness;
let app: WebhookApp;
let ingest: SignalIngest;

beforeAll(async () => {
  harness = await startHarness();
  const deps = harness.bot.deps;
  // The callbacks run after the 202s, by which time `ingest` is set.
  app = await startWebhookApp({
    onSignalStored: (signal) => ingest.ingest(signal),
    onDuplicateSignal: (duplicate) => ingest.duplicate(duplicate),
    onDeployStored: (record) => ingest.deploy(record),
  });
  ingest = createSignalIngest({
    // The webhook app keeps its signals and deploys under its own prefix: the flows read those.
    incidents: flowIncidentPort({ ...deps, signals: app.signals, deploys: app.deploys }),
    signals: app.signals,
    deploys: app.deploys,
    logger: pino({ level: 'silent' }),
    coalesceMs: 150,
  });
});

afterAll(async () => {
  await ingest.flush();
  await app.close();
  await harness.close();
});

const cards = (channel = 'C0INCIDENTS') =>
  harness.slack
    .callsTo('chat.postMessage')
    .filter((call) => call.args.channel === channel && !call.args.thread_ts);

async function deploy(version: string, deployedAt: string, environment = 'production') {
  const body = JSON.stringify({
    service: 'checkout',
    environment,
    version,
    deployedAt,
    changes: [{ id: 'PR-812', title: 'New payment SDK' }],
  });
  expect((await app.post('/webhooks/deploys', body, deployHeaders(body))).status).toBe(202);
}

it('an alert storm makes one card, targets the previous deploy, and coalesces card updates', async () => {
  await deploy('v2.3.9', '2024-05-13T09:00:00Z');
  await deploy('v2.4.0', '2024-05-14T14:00:00Z');
  const triggered = fixture('pagerduty/incident-triggered.json');
  expect((await app.post('/webhooks/pagerduty', triggered, pdHeaders(triggered, PD_SECRET))).status).toBe(
    202,
  );
  const incidentId = await eventually(async () => (await harness.bot.deps.store.recentIds(5))[0]);
  // The card is posted just after the incident is stored.
  const incident = await eventually(async () => {
    const stored = await harness.bot.deps.store.get(incidentId);
    return stored?.messageTs ? stored : undefined;
  });
  expect(incident).toMatchObject({ source: 'pagerduty', fromVersion: 'v2.4.0', toVersion: 'v2.3.9' });

  // A storm: 60 deliveries, each with a new alert, plus redeliveries of the PagerDuty event.
  const firing = JSON.parse(fixture('alertmanager/firing.json'));
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      const body = JSON.stringify({
        ...firing,
        alerts: [{ ...firing.alerts[0], fingerprint: `storm-${i}` }],
      });
      expect((await app.post('/webhooks/alertmanager', body, amHeaders())).status).toBe(202);
      expect((await app.post('/webhooks/pagerduty', triggered, pdHeaders(triggered, PD_SECRET))).status).toBe(
        202,
      );
    }),
  );
  const card = await eventually(() => {
    const stored = harness.slack.message('C0INCIDENTS', incident?.messageTs ?? '');
    const text = JSON.stringify(stored?.blocks ?? []);
    return text.includes('61 firing') && text.includes('60 repeats') ? text : undefined;
  }, 8000);
  const elapsedMs = Date.now() - started;

  expect(cards()).toHaveLength(1);
  expect(await harness.bot.deps.store.recentIds(5)).toEqual([incidentId]);
  expect(card).toContain('*IMMEDIATE*');
  expect(card).toContain('Alert began 15 minutes after v2.4.0 was deployed at 14:00 UTC.');
  expect(card).toContain('<https://acme.pagerduty.com/incidents/Q2KSMNPQ4WZSXD|PagerDuty incident #1042>');
  expect(card).toContain('PR-812 New payment SDK');
  // At most one update per coalescing window (150 ms), plus the one after the card was posted.
  const updates = harness.slack.callsTo('chat.update').filter((call) => call.args.ts === incident?.messageTs);
  expect(updates.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 150) + 2);
  expect(updates.length).toBeLessThan(30);
  const timeline = await harness.bot.deps.store.timeline(incidentId);
  expect(timeline.filter((event) => event.type === 'alert')).toHaveLength(61);
});

it('a resolution before approval goes on the timeline and the card says so; a deploy goes on the timeline', async () => {
  const staging = (text: string) => text.replaceAll('"env": "production"', '"env": "staging"');
  const firing = staging(fixture('alertmanager/firing.json'));
  expect((await app.post('/webhooks/alertmanager', firing, amHeaders())).status).toBe(202);
  await eventually(() => cards().find((call) => JSON.stringify(call.args.blocks).includes('staging')));
  const incidentId = await eventually(async () =>
    harness.bot.deps.store.openIncidentId('checkout', 'staging'),
  );

  expect(
    (await app.post('/webhooks/alertmanager', staging(fixture('alertmanager/resolved.json')), amHeaders()))
      .status,
  ).toBe(202);
  await deploy('v2.4.1', new Date().toISOString(), 'staging');
  const incident = await eventually(async () => {
    const stored = await harness.bot.deps.store.get(incidentId);
    return stored?.messageTs ? stored : undefined;
  });
  await eventually(() => {
    const text = JSON.stringify(
      harness.slack.message('C0INCIDENTS', incident?.messageTs ?? '')?.blocks ?? [],
    );
    return text.includes('The alert resolved before anyone approved') ? text : undefined;
  }, 5000);
  const timeline = await eventually(async () => {
    const events = await harness.bot.deps.store.timeline(incidentId);
    return events.some((event) => event.type === 'deploy') ? events : undefined;
  });
  expect(timeline.map((event) => (event.type === 'alert' ? `alert:${event.status}` : event.type))).toEqual([
    'requested',
    'alert:firing',
    'alert:resolved',
    'deploy',
  ]);
});
