import { parseCatalog } from '../../../src/catalog/load.js';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';
import { AM_TOKEN, PD_SECRET, amHeaders, fixture, pdHeaders } from '../webhooks/webhook-app.js';

const CATALOG = `version: 1
defaults: { channel: C0INCIDENTS, approvers: [U0LEAD] }
services:
  checkout:
    environments:
      production:
        alerts: { pagerduty: [PIJ90N7], labels: { service: checkout, env: production } }
        rollback:
          - name: Undo
            run: [kubectl, rollout, undo, deployment/checkout, -n, prod]
`;

describe('alerts through the whole bot', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('1,000 redeliveries and an Alertmanager storm open one incident with one card, and lose nothing', async () => {
    h = await startHarness(
      {},
      { catalog: parseCatalog(CATALOG, 'storm.yaml') },
      { PAGERDUTY_WEBHOOK_SECRET: PD_SECRET, ALERTMANAGER_TOKEN: AM_TOKEN, ROLLBACK_ROLE: 'web' },
    );
    const pd = fixture('pagerduty/incident-triggered.json');
    const am = fixture('alertmanager/firing.json');
    const statuses: number[] = [];
    let sent = 0;
    const stormStarted = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (sent < 1000) {
          const n = sent++;
          const [path, body, headers] =
            n % 2 === 0
              ? ['/webhooks/pagerduty', pd, pdHeaders(pd, PD_SECRET)]
              : ['/webhooks/alertmanager', am, amHeaders()];
          const answer = await fetch(`${h.bot.url}${path}`, { method: 'POST', headers, body });
          statuses.push(answer.status);
          await answer.arrayBuffer();
        }
      }),
    );
    expect(statuses).toHaveLength(1000);
    expect(statuses.every((status) => status === 202)).toBe(true);

    const [id, ...others] = await eventually(async () => {
      const ids = await h.bot.deps.store.recentIds();
      return ids.length ? ids : undefined;
    });
    expect(others).toEqual([]);
    const incident = await eventually(async () => {
      const current = await h.bot.deps.store.get(id as string);
      return current?.messageTs ? current : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const cards = h.slack.callsTo('chat.postMessage').filter((call) => !call.args.thread_ts);
    expect(cards).toHaveLength(1);
    // Card updates are coalesced to one a second: a storm never becomes a storm of chat.update
    // calls, however long a loaded machine takes to deliver it.
    const cardUpdates = h.slack.callsTo('chat.update').filter((call) => call.args.ts === incident.messageTs);
    const seconds = Math.ceil((Date.now() - stormStarted) / 1000);
    expect(cardUpdates.length).toBeLessThanOrEqual(seconds + 2);
    expect(cardUpdates.length).toBeLessThan(50);
    const card = JSON.stringify(h.slack.message(incident.channel, incident.messageTs as string)?.blocks);
    expect(card).toContain('opened by PagerDuty');
    expect(card).toContain('https://acme.pagerduty.com/incidents/Q2KSMNPQ4WZSXD');
    const alerts = (await h.bot.deps.store.timeline(id as string)).filter((event) => event.type === 'alert');
    expect(alerts.map((event) => (event as { source: string }).source).sort()).toEqual([
      'alertmanager',
      'pagerduty',
    ]);
  });
});
