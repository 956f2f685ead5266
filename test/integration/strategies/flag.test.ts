/**
 * The flag strategy against stand-ins of LaunchDarkly's, Unleash's and Flagsmith's APIs over real HTTP, in
 * their documented shapes: the exact requests (method, path, headers, body), a re-run that finds
 * the flag off and changes nothing, a missing token, and a provider refusal named on the step.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FLAG_PROVIDERS } from '../../../src/adapters/outbound/flags/index.js';
import type { PlanStep } from '../../../src/domain/plan.js';
import type { FlagSpec } from '../../../src/domain/strategies/types.js';
import { executePlan } from '../../../src/flows/execute-rollback.js';
import { engineFixture, plan, readLog, recordStep } from '../execution/helpers.js';

interface Seen {
  method: string;
  path: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

/** LaunchDarkly's flag API, Unleash's and Flagsmith's admin APIs, one flag each, state kept between calls. */
function providers() {
  const seen: Seen[] = [];
  const state = { ld: true, unleash: true, flagsmith: true, refuse: false };
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
        body,
      });
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (state.refuse)
        return json(403, { code: 'forbidden', message: 'Access to the requested resource was denied' });
      const url = req.url ?? '';
      if (url.startsWith('/api/v2/flags/default/discount_codes')) {
        if (req.method === 'PATCH') state.ld = false;
        return json(200, {
          key: 'discount_codes',
          environments: { production: { on: state.ld, version: 3 } },
        });
      }
      if (url === '/api/admin/projects/default/features/discount_codes')
        return json(200, {
          name: 'discount_codes',
          environments: [{ name: 'production', enabled: state.unleash }],
        });
      if (
        url === '/api/admin/projects/default/features/discount_codes/environments/production/off' &&
        req.method === 'POST'
      ) {
        state.unleash = false;
        return res.writeHead(200).end();
      }
      // Flagsmith: the environment default (id 41) and a segment override (id 42) that stays on.
      if (url === '/api/v1/environments/production/featurestates/?feature_name=discount_codes')
        return json(200, {
          count: 2,
          next: null,
          previous: null,
          results: [
            { id: 42, feature: 7, enabled: true, feature_segment: 3, environment: 5 },
            { id: 41, feature: 7, enabled: state.flagsmith, feature_segment: null, environment: 5 },
          ],
        });
      if (url === '/api/v1/environments/production/featurestates/41/' && req.method === 'PATCH') {
        state.flagsmith = (JSON.parse(body) as { enabled: boolean }).enabled;
        return json(200, { id: 41, feature: 7, enabled: state.flagsmith, feature_segment: null });
      }
      return json(404, { message: 'not found' });
    });
  });
  return { server, seen, state };
}

describe('the flag strategy', () => {
  const engine = engineFixture('flag');
  const stub = providers();
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => stub.server.close(resolve)));
  beforeEach(() => {
    stub.seen.length = 0;
    Object.assign(stub.state, { ld: true, unleash: true, flagsmith: true, refuse: false });
  });

  const flagStep = (provider: FlagSpec['provider']): PlanStep => ({
    id: 's1',
    name: 'Turn the flag off',
    argv: [],
    idempotent: true,
    timeoutMs: 10_000,
    env: {},
    strategy: {
      spec: {
        kind: 'flag',
        provider,
        key: 'discount_codes',
        project: 'default',
        environment: 'production',
        tokenEnv: 'FLAG_TOKEN',
        url,
      },
    },
  });
  const run = (step: PlanStep, token = 'api-secret-token') =>
    executePlan(
      engine.context(plan([step]), {
        flags: FLAG_PROVIDERS,
        lookupEnv: (name) => (name === 'FLAG_TOKEN' ? token : undefined),
      }).ctx,
    );

  it('LaunchDarkly: turns the flag off with a semantic patch, then proves it is off', async () => {
    const outcome = await run(flagStep('launchdarkly'));
    expect(outcome.kind).toBe('completed');
    expect(stub.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /api/v2/flags/default/discount_codes?env=production',
      'PATCH /api/v2/flags/default/discount_codes',
      'GET /api/v2/flags/default/discount_codes?env=production',
    ]);
    const patch = stub.seen[1]!;
    expect(patch.authorization).toBe('api-secret-token');
    expect(patch.contentType).toBe('application/json; domain-model=launchdarkly.semanticpatch');
    expect(JSON.parse(patch.body)).toEqual({
      environmentKey: 'production',
      instructions: [{ kind: 'turnFlagOff' }],
      comment: expect.stringMatching(/^rollback-bot RB-\d+: turned off instead of a rollback$/),
    });
    expect(outcome.steps[0]?.outputTail).toBe('discount_codes turned off in launchdarkly default/production');
    expect(JSON.stringify(outcome)).not.toContain('api-secret-token');
  });

  it('Unleash: posts to the environment’s off endpoint; a re-run finds it off and changes nothing', async () => {
    expect((await run(flagStep('unleash'))).kind).toBe('completed');
    expect(stub.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /api/admin/projects/default/features/discount_codes',
      'POST /api/admin/projects/default/features/discount_codes/environments/production/off',
      'GET /api/admin/projects/default/features/discount_codes',
    ]);
    stub.seen.length = 0;
    const again = await run(flagStep('unleash'));
    expect(again.steps[0]?.outputTail).toBe('discount_codes was already off in default/production');
    expect(stub.seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('Flagsmith: patches the environment default’s feature state off with a Token header', async () => {
    const outcome = await run(flagStep('flagsmith'));
    expect(outcome.kind).toBe('completed');
    const query = '/api/v1/environments/production/featurestates/?feature_name=discount_codes';
    expect(stub.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      `GET ${query}`,
      `GET ${query}`,
      'PATCH /api/v1/environments/production/featurestates/41/',
      `GET ${query}`,
    ]);
    expect(stub.seen.every((s) => s.authorization === 'Token api-secret-token')).toBe(true);
    expect(JSON.parse(stub.seen[2]!.body)).toEqual({ enabled: false });
    expect(stub.state.flagsmith).toBe(false);
    expect(outcome.steps[0]?.outputTail).toBe('discount_codes turned off in flagsmith production');
  });

  it('a flag turned off in an earlier attempt does not open the schema gate for the code step', async () => {
    const log = join(engine.scratch().dir, 'code.jsonl');
    const steps = [flagStep('unleash'), recordStep('s2', log, { idempotent: true })];
    const closed = async () => ({
      open: false as const,
      why: 'orders.order_metadata is still NOT NULL',
      whatToCheck: 'run the precondition',
    });
    const attempt = (n: number) =>
      executePlan(
        engine.context(plan(steps), {
          incidentId: 'RB-GATE',
          attempt: n,
          gate: closed,
          flags: FLAG_PROVIDERS,
          lookupEnv: (name) => (name === 'FLAG_TOKEN' ? 'api-secret-token' : undefined),
        }).ctx,
      );
    expect(await attempt(1)).toMatchObject({ kind: 'manual_intervention', stepId: 's2' });
    expect(stub.state.unleash).toBe(false);
    // A retry of the same rollback finds the flag step done; the gate must still stop the code.
    expect(await attempt(2)).toMatchObject({ kind: 'manual_intervention', stepId: 's2' });
    expect(readLog(log)).toEqual([]);
  });

  it('refuses without the token and names a provider refusal, changing nothing', async () => {
    expect(await run(flagStep('launchdarkly'), '')).toMatchObject({
      kind: 'step_failed',
      failure: 'bad_plan',
      error: 'FLAG_TOKEN (the launchdarkly API token) is not set',
    });
    expect(stub.seen).toEqual([]);
    stub.state.refuse = true;
    expect(await run(flagStep('launchdarkly'))).toMatchObject({
      kind: 'step_failed',
      error: 'LaunchDarkly answered HTTP 403: Access to the requested resource was denied',
    });
    expect(stub.state.ld).toBe(true);
  });
});
