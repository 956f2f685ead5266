import { parseCatalog } from '../../../src/catalog/load.js';
import { SignalStore } from '../../../src/adapters/outbound/store/signals.js';
import type { Signal } from '../../../src/domain/signal.js';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';

const CATALOG = `version: 1
defaults: { channel: C0INCIDENTS, approvers: [U0LEAD] }
services:
  checkout:
    environments:
      production:
        alerts: { pagerduty: [PIJ90N7] }
        rollback:
          - name: Undo
            run: [kubectl, rollout, undo, deployment/checkout, -n, prod]
`;

describe('signals stored but never handled', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('are replayed by the sweep: an alert answered 202 is never lost to a crash', async () => {
    h = await startHarness(
      {},
      { catalog: parseCatalog(CATALOG, 'replay.yaml'), sweepIntervalMs: 200 },
      { ROLLBACK_ROLE: 'web' },
    );
    // As a process that crashed right after its 202 leaves it: stored, pending, no incident.
    const receivedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const signal: Signal = {
      id: 'sig-lost-1',
      source: 'pagerduty',
      service: 'checkout',
      environment: 'production',
      status: 'triggered',
      summary: 'Checkout 5xx rate 40%',
      urgency: 'high',
      startedAt: receivedAt,
      receivedAt,
      externalId: 'Q0LOST',
      links: [],
      dedupeKeys: ['pd-event:lost-1', 'pd-incident:Q0LOST'],
      alertCount: 1,
      rawExcerpt: '{}',
    };
    expect(await new SignalStore(h.bot.redis, h.redis.prefix).intake(signal, 'all')).toMatchObject({
      status: 'stored',
    });

    const [id] = await eventually(async () => {
      const ids = await h.bot.deps.store.recentIds();
      return ids.length ? ids : undefined;
    });
    const incident = await h.bot.deps.store.get(id as string);
    expect(incident).toMatchObject({ source: 'pagerduty', reason: 'PagerDuty: Checkout 5xx rate 40%' });
    await eventually(async () =>
      (await new SignalStore(h.bot.redis, h.redis.prefix).pending()).length === 0 ? true : undefined,
    );
  });
});
