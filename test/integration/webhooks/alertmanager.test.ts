import { AM_TOKEN, amHeaders, fixture, settle, startWebhookApp, type WebhookApp } from './webhook-app.js';

const PATH = '/webhooks/alertmanager';
let app: WebhookApp;

beforeEach(async () => {
  app = await startWebhookApp();
});
afterEach(async () => {
  await app.close();
});

describe('POST /webhooks/alertmanager', () => {
  it('turns a firing group into one signal for the environment whose labels all match', async () => {
    const answer = await app.post(PATH, fixture('alertmanager/firing.json'), amHeaders());
    expect(answer.status).toBe(202);
    expect(answer.json.signals).toEqual([
      { id: expect.any(String), service: 'checkout', environment: 'production' },
    ]);
    const signal = await app.signals.get(answer.json.signals[0].id);
    expect(signal).toMatchObject({
      source: 'alertmanager',
      status: 'firing',
      severity: 'critical',
      summary: 'Checkout error rate 23% (5xx)',
      startedAt: '2024-05-14T14:15:03.123Z',
      alertCount: 1,
    });
    expect(signal?.links.map((item) => item.label)).toEqual(['Source', 'Runbook', 'Alertmanager']);
  });

  it('dedupes repeats and HA duplicates, counts only new alerts of a storm, and keeps resolutions', async () => {
    const firing = fixture('alertmanager/firing.json');
    expect((await app.post(PATH, firing, amHeaders())).json.status).toBe('accepted');
    // repeat_interval: the same group again.
    expect((await app.post(PATH, firing, amHeaders())).json.status).toBe('duplicate');
    // The second Alertmanager of an HA pair: same alerts, its own external URL.
    const ha = firing.replace(
      'http://alertmanager.example.com:9093',
      'http://alertmanager-1.example.com:9093',
    );
    expect((await app.post(PATH, ha, amHeaders())).json.status).toBe('duplicate');
    // The group grows: one alert already seen, one new.
    const storm = await app.post(PATH, fixture('alertmanager/firing-storm.json'), amHeaders());
    expect(storm.json.status).toBe('accepted');
    const resolved = await app.post(PATH, fixture('alertmanager/resolved.json'), amHeaders());
    expect(resolved.json.status).toBe('accepted');
    await settle();

    expect(app.stored.map((signal) => [signal.status, signal.alertCount])).toEqual([
      ['firing', 1],
      ['firing', 1],
      ['resolved', 1],
    ]);
    expect(app.stored[1]?.summary).toBe('Checkout error rate 31% (5xx)');
    expect(app.duplicates.map((d) => `${d.service}/${d.environment}`)).toEqual([
      'checkout/production',
      'checkout/production',
    ]);
    expect(await app.signals.counters('checkout', 'production')).toMatchObject({
      received: 3,
      duplicates: 2,
      firing: 2,
      resolved: 1,
    });
  });

  it('refuses a missing or wrong bearer token', async () => {
    const body = fixture('alertmanager/firing.json');
    expect((await app.post(PATH, body, { 'content-type': 'application/json' })).status).toBe(401);
    const wrong = await app.post(PATH, body, amHeaders(`${AM_TOKEN}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatch(/bearer token/);
    expect((await app.signals.counters('checkout', 'production')).received).toBe(0);
  });

  it('names the first invalid field', async () => {
    const payload = JSON.parse(fixture('alertmanager/firing.json'));
    const v3 = JSON.stringify({ ...payload, version: '3' });
    const version = await app.post(PATH, v3, amHeaders());
    expect(version.status).toBe(400);
    expect(version.json.error).toMatch(/^version: /);

    delete payload.alerts[0].startsAt;
    const missing = await app.post(PATH, JSON.stringify(payload), amHeaders());
    expect(missing).toEqual({ status: 400, json: { error: 'alerts.0.startsAt: expected string' } });
    expect((await app.signals.counters('checkout', 'production')).received).toBe(0);
  });

  it('answers 202 and stores nothing for alerts no catalog environment claims', async () => {
    const answer = await app.post(PATH, fixture('alertmanager/unknown-service.json'), amHeaders());
    expect(answer).toEqual({
      status: 202,
      json: { status: 'ignored', reason: 'no alert matches a catalog environment' },
    });
    await settle();
    expect(app.stored).toHaveLength(0);
    expect(app.logs.some((line) => line.groupKey !== undefined && line.count === 1)).toBe(true);
  });
});
