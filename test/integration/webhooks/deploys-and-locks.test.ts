import { deployHeaders, settle, startWebhookApp, type WebhookApp } from './webhook-app.js';

const PATH = '/webhooks/deploys';
let app: WebhookApp;

beforeEach(async () => {
  app = await startWebhookApp();
});
afterEach(async () => {
  await app.close();
});

const deploy = (fields: Record<string, unknown>) =>
  JSON.stringify({ service: 'checkout', environment: 'production', ...fields });

describe('POST /webhooks/deploys', () => {
  it('keeps the history, fills the previous version, and ignores redeliveries', async () => {
    const first = deploy({ version: 'v2.3.9', deployedAt: '2024-05-14T10:00:00Z' });
    expect((await app.post(PATH, first, deployHeaders(first))).status).toBe(202);
    const second = deploy({
      version: 'v2.4.0',
      deployedAt: '2024-05-14T14:00:00Z',
      changes: [
        { id: 'PR-812', title: 'New payment SDK', url: 'https://git.example.com/pr/812' },
        { id: 815, title: 'Retry refunds' },
      ],
      commitRange: 'a1b2c3d..e4f5a6b',
    });
    const answer = await app.post(PATH, second, deployHeaders(second));
    expect(answer).toEqual({
      status: 202,
      json: { status: 'accepted', deploy: { version: 'v2.4.0', previousVersion: 'v2.3.9' } },
    });
    expect((await app.post(PATH, second, deployHeaders(second))).json.status).toBe('duplicate');
    await settle();

    expect(app.deployed.map((record) => record.version)).toEqual(['v2.3.9', 'v2.4.0']);
    const latest = await app.deploys.latest('checkout', 'production');
    expect(latest).toMatchObject({
      version: 'v2.4.0',
      previousVersion: 'v2.3.9',
      commitRange: 'a1b2c3d..e4f5a6b',
    });
    expect(latest?.changes.map((change) => change.id)).toEqual(['PR-812', '815']);
    expect((await app.deploys.history('checkout', 'production')).map((record) => record.version)).toEqual([
      'v2.4.0',
      'v2.3.9',
    ]);
    expect(await app.deploys.previousOf('checkout', 'production', 'v2.4.0')).toBe('v2.3.9');
  });

  it('turns a failed deploy into a DEPLOYMENT_FAILED signal, once, after recording the deploy', async () => {
    const base = deploy({ version: 'v2.3.9', deployedAt: '2024-05-14T10:00:00Z' });
    await app.post(PATH, base, deployHeaders(base));
    const failed = deploy({
      version: 'v2.4.0',
      deployedAt: '2024-05-14T14:00:00Z',
      status: 'health_check_failed',
    });
    const answer = await app.post(PATH, failed, deployHeaders(failed));
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({
      status: 'accepted',
      deploy: { version: 'v2.4.0', previousVersion: 'v2.3.9' },
    });
    expect((await app.post(PATH, failed, deployHeaders(failed))).json.status).toBe('duplicate');
    await settle();
    expect(app.stored).toHaveLength(1);
    expect(app.stored[0]).toMatchObject({
      source: 'deploy',
      service: 'checkout',
      environment: 'production',
      status: 'firing',
      summary: 'Deploy of v2.4.0 failed its health check (DEPLOYMENT_FAILED)',
      startedAt: '2024-05-14T14:00:00Z',
    });
    expect(app.deployed.map((record) => record.version)).toEqual(['v2.3.9', 'v2.4.0']);
    const bad = deploy({ version: 'v2.4.1', status: 'exploded' });
    const refused = await app.post(PATH, bad, deployHeaders(bad));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toMatch(/status/);
  });

  it('refuses a bad signature and names an invalid field, storing nothing', async () => {
    const body = deploy({ version: 'v2.4.0' });
    expect((await app.post(PATH, body, deployHeaders(body, 'not-the-secret-123'))).status).toBe(401);
    const dashed = deploy({ version: '--force' });
    const invalid = await app.post(PATH, dashed, deployHeaders(dashed));
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toMatch(/^version: expected a version/);
    const badUrl = deploy({ version: 'v2.4.0', changes: [{ id: 'PR-1', title: 't', url: 'not a url' }] });
    expect((await app.post(PATH, badUrl, deployHeaders(badUrl))).json.error).toMatch(/^changes\.0\.url: /);
    expect(await app.deploys.latest('checkout', 'production')).toBeUndefined();
  });

  it.each(['-a..b..c', 'a..b..c', '--output=x..HEAD', 'a..-b', 'a..', '..b', 'a b..c', 'v1.2.3', 'a....b'])(
    'refuses the commit range %j with a 400 naming commitRange, storing nothing',
    async (commitRange) => {
      const body = deploy({ version: 'v2.4.0', commitRange });
      const answer = await app.post(PATH, body, deployHeaders(body));
      expect(answer.status).toBe(400);
      expect(answer.json.error).toMatch(/^commitRange: expected <from>\.\.<to>/);
      expect(await app.deploys.latest('checkout', 'production')).toBeUndefined();
    },
  );

  it.each(['v2.3.9..v2.4.0', 'a1b2c3d...e4f5a6b', 'origin/main..release/2024-05'])(
    'takes the commit range %j',
    async (commitRange) => {
      const body = deploy({ version: 'v2.4.0', commitRange });
      expect((await app.post(PATH, body, deployHeaders(body))).status).toBe(202);
      await settle();
      expect((await app.deploys.latest('checkout', 'production'))?.commitRange).toBe(commitRange);
    },
  );

  it('answers 202 and stores nothing for a service the catalog does not know', async () => {
    const body = JSON.stringify({ service: 'search', environment: 'production', version: 'v1' });
    const answer = await app.post(PATH, body, deployHeaders(body));
    expect(answer.json).toEqual({ status: 'ignored', reason: 'search/production is not in the catalog' });
    expect(await app.deploys.latest('search', 'production')).toBeUndefined();
  });
});

describe('GET /locks/:service/:environment', () => {
  const get = async (path: string) => {
    const response = await fetch(`${app.url}${path}`);
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('answers 423 with the reason while locked, 200 after unlock', async () => {
    expect(await get('/locks/checkout/production')).toEqual({ status: 200, json: { locked: false } });
    await app.locks.lock('checkout', 'production', {
      version: 'v2.4.0',
      reason: 'rolled back after RB-1042: 5xx on payments',
      incidentId: 'RB-1042',
      at: new Date('2024-05-14T14:30:00Z'),
    });
    expect(await get('/locks/checkout/production')).toEqual({
      status: 423,
      json: {
        locked: true,
        reason: 'rolled back after RB-1042: 5xx on payments',
        version: 'v2.4.0',
        incidentId: 'RB-1042',
        since: '2024-05-14T14:30:00.000Z',
      },
    });
    // Another environment of the same service is not affected.
    expect((await get('/locks/checkout/staging')).status).toBe(200);
    const removed = await app.locks.unlock('checkout', 'production', 'U0LEAD');
    expect(removed).toMatchObject({ version: 'v2.4.0', unlockedBy: 'U0LEAD' });
    expect(await app.locks.unlock('checkout', 'production', 'U0LEAD')).toBeUndefined();
    expect((await get('/locks/checkout/production')).status).toBe(200);
  });

  it('names an unknown service or a malformed name', async () => {
    expect(await get('/locks/search/production')).toEqual({
      status: 404,
      json: { error: 'search/production is not in the catalog' },
    });
    const bad = await get('/locks/-rf/production');
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toMatch(/^service: /);
  });
});
