import { Redis } from 'ioredis';
import { SignalStore } from '../../../src/adapters/outbound/store/signals.js';
import {
  PD_OLD_SECRET,
  PD_SECRET,
  fixture,
  pdHeaders,
  settle,
  startWebhookApp,
  type WebhookApp,
} from './webhook-app.js';

const PATH = '/webhooks/pagerduty';
let app: WebhookApp;

beforeEach(async () => {
  app = await startWebhookApp();
});
afterEach(async () => {
  await app.close();
});

describe('POST /webhooks/pagerduty', () => {
  it('stores a triggered incident, answers 202, then hands the signal on with its PagerDuty link', async () => {
    const body = fixture('pagerduty/incident-triggered.json');
    const answer = await app.post(PATH, body, pdHeaders(body, PD_SECRET));
    expect(answer.status).toBe(202);
    expect(answer.json.status).toBe('accepted');
    const id = answer.json.signals[0].id as string;
    const stored = await app.signals.get(id);
    expect(stored).toMatchObject({
      source: 'pagerduty',
      service: 'checkout',
      environment: 'production',
      status: 'triggered',
      urgency: 'high',
      summary: 'Checkout 5xx rate 62% on /api/payments',
      externalId: 'Q2KSMNPQ4WZSXD',
      links: [
        { label: 'PagerDuty incident #1042', url: 'https://acme.pagerduty.com/incidents/Q2KSMNPQ4WZSXD' },
      ],
    });
    expect(stored?.rawExcerpt).toContain('"incident.triggered"');
    await settle();
    expect(app.stored.map((signal) => signal.id)).toEqual([id]);
    expect(await app.signals.pending()).toEqual([id]);
  });

  it('1,000 concurrent duplicate deliveries store one signal and lose none of the answers', async () => {
    const body = fixture('pagerduty/incident-triggered.json');
    const headers = pdHeaders(body, PD_SECRET);
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        while (next < 1000) {
          next++;
          statuses.push((await app.post(PATH, body, headers)).status);
        }
      }),
    );
    await settle();
    expect(statuses).toHaveLength(1000);
    expect(statuses.every((status) => status === 202)).toBe(true);
    expect(app.stored).toHaveLength(1);
    expect(app.duplicates).toHaveLength(999);
    const counters = await app.signals.counters('checkout', 'production');
    expect(counters).toMatchObject({ received: 1, duplicates: 999, triggered: 1 });
  });

  it('accepts either secret during a rotation, and several signatures in one header', async () => {
    const body = fixture('pagerduty/incident-triggered.json');
    const both = await app.post(PATH, body, pdHeaders(body, 'some-secret-we-do-not-have-1', PD_SECRET));
    expect(both.status).toBe(202);
    const acked = fixture('pagerduty/incident-acknowledged.json');
    const oldOnly = await app.post(PATH, acked, pdHeaders(acked, PD_OLD_SECRET));
    expect(oldOnly.status).toBe(202);
    expect(oldOnly.json.status).toBe('accepted');
    const stranger = await app.post(PATH, acked, pdHeaders(acked, 'some-secret-we-do-not-have-1'));
    expect(stranger.status).toBe(401);
  });

  it('treats the same PagerDuty incident under another event id as a duplicate, but keeps later states', async () => {
    const body = fixture('pagerduty/incident-triggered.json');
    await app.post(PATH, body, pdHeaders(body, PD_SECRET));
    const again = body.replace('01BWP5RFDXQK3GKQ8A4ETM7BYM', '01BWP5RFDXQK3GKQ8A4ETM7ZZZ');
    expect((await app.post(PATH, again, pdHeaders(again, PD_SECRET))).json.status).toBe('duplicate');
    const resolved = fixture('pagerduty/incident-resolved.json');
    expect((await app.post(PATH, resolved, pdHeaders(resolved, PD_SECRET))).json.status).toBe('accepted');
    await settle();
    expect(app.stored.map((signal) => signal.status)).toEqual(['triggered', 'resolved']);
  });

  it('answers 202 and ignores event types it does not handle', async () => {
    const body = fixture('pagerduty/incident-annotated.json');
    const answer = await app.post(PATH, body, pdHeaders(body, PD_SECRET));
    expect(answer).toEqual({
      status: 202,
      json: { status: 'ignored', reason: 'event type incident.annotated' },
    });
    expect((await app.signals.counters('checkout', 'production')).received).toBe(0);
  });

  it('answers 202 for a service the catalog does not know, logs it, and stores nothing', async () => {
    const body = fixture('pagerduty/incident-triggered.json').replaceAll('PIJ90N7', 'PUNKNOWN');
    const answer = await app.post(PATH, body, pdHeaders(body, PD_SECRET));
    expect(answer.status).toBe(202);
    expect(answer.json.reason).toBe('PagerDuty service PUNKNOWN is not in the catalog');
    await settle();
    expect(app.stored).toHaveLength(0);
    expect(await app.signals.pending()).toEqual([]);
    expect(app.logs.some((line) => line.pagerdutyService === 'PUNKNOWN')).toBe(true);
  });

  it('refuses bad credentials and bad bodies with the right status, naming what is wrong, storing nothing', async () => {
    const body = fixture('pagerduty/incident-triggered.json');
    expect((await app.post(PATH, body, { 'content-type': 'application/json' })).status).toBe(401);
    const tampered = body.replace('62%', '12%');
    const wrong = await app.post(PATH, tampered, pdHeaders(body, PD_SECRET));
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatch(/X-PagerDuty-Signature/);

    const notJson = '{"event": ';
    const malformed = await app.post(PATH, notJson, pdHeaders(notJson, PD_SECRET));
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatch(/^body: not valid JSON/);

    const parsed = JSON.parse(body);
    delete parsed.event.data.service.id;
    const missing = JSON.stringify(parsed);
    const invalid = await app.post(PATH, missing, pdHeaders(missing, PD_SECRET));
    expect(invalid).toEqual({ status: 400, json: { error: 'event.data.service.id: expected string' } });

    const huge = JSON.stringify({ event: { padding: 'x'.repeat(1024 * 1024 + 10) } });
    const tooLarge = await app.post(PATH, huge, pdHeaders(huge, PD_SECRET));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.error).toMatch(/larger than/);

    expect(await app.signals.counters('checkout', 'production')).toMatchObject({
      received: 0,
      duplicates: 0,
    });
  });

  it('answers 503 when the signal cannot be stored, so PagerDuty retries', async () => {
    const offline = new Redis(app.redis.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    const broken = await startWebhookApp({ signals: new SignalStore(offline, app.redis.prefix) });
    try {
      const body = fixture('pagerduty/incident-triggered.json');
      const answer = await broken.post(PATH, body, pdHeaders(body, PD_SECRET));
      expect(answer.status).toBe(503);
      expect(answer.json.error).toMatch(/retry/);
      await settle();
      expect(broken.stored).toHaveLength(0);
    } finally {
      offline.disconnect();
      await broken.close();
    }
  });
});
