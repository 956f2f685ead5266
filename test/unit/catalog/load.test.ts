import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  CatalogError,
  findEnvironment,
  loadCatalog,
  parseCatalog,
  serviceNames,
} from '../../../src/catalog/load.js';
import { PlanError, resolvePlan } from '../../../src/domain/plan.js';

const fixtures = resolve('test/fixtures/catalogs');

/** The CatalogError's issues as `path: message`, for exact assertions. */
function errorsOf(text: string): string[] {
  try {
    parseCatalog(text, '/etc/rollback/catalog.yaml');
  } catch (err) {
    if (err instanceof CatalogError)
      return err.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
    throw err;
  }
  throw new Error('expected the catalog to be refused');
}

/** A valid catalog (rollback from defaults) with extra production settings spliced in. */
function withProduction(extra: string): string {
  return `version: 1
defaults:
  channel: C0INCIDENTS
  rollback: [{ name: Undo, run: [kubectl, rollout, undo, deployment/checkout] }]
services:
  checkout:
    environments:
      production:
        maxAttempts: 2
${extra.replace(/^/gm, '        ')}
`;
}

describe('loadCatalog', () => {
  it('loads the example catalog with defaults merged and environment keys winning', async () => {
    const catalog = await loadCatalog('manifests/catalog.example.yaml');
    expect(serviceNames(catalog)).toEqual(['checkout', 'payments-api']);
    expect(catalog.services.checkout?.repo).toBe(resolve('checkout'));
    const prod = findEnvironment(catalog, 'checkout', 'production');
    expect(prod).toMatchObject({
      channel: 'C0INCIDENTS',
      approvers: ['U0LEADSRE', 'S0SREONCALL'],
      requiredApprovals: 2,
      timeBudgetMs: 600_000,
      retryDelayMs: 5_000,
      alerts: { labels: { service: 'checkout', env: 'production' }, pagerduty: ['PIJ90N7'] },
      notify: [{ url: 'https://hooks.example.com/rollback-events', secretEnv: 'ROLLBACK_NOTIFY_SECRET' }],
    });
    expect(prod?.rollback[0]).toEqual({
      name: 'Roll back the deployment',
      run: [],
      strategy: { kind: 'kubernetes', deployment: 'checkout', namespace: 'prod', container: 'checkout' },
      idempotent: true,
      timeoutMs: 300_000,
      env: {},
    });
    expect(prod?.verify[0]).toEqual({
      name: 'Health',
      kind: 'http',
      url: 'http://checkout.prod.svc/healthz',
      expectStatus: 200,
      expectBody: '"status":"ok"',
      retries: 5,
      intervalMs: 5_000,
      timeoutMs: 10_000,
    });
    expect(findEnvironment(catalog, 'checkout', 'staging')?.channel).toBe('C0STAGINGOPS');
  });

  it('ships manifests/catalog.yaml as a copy of the example, so npm start works out of the box', async () => {
    expect(await readFile('manifests/catalog.yaml', 'utf8')).toBe(
      await readFile('manifests/catalog.example.yaml', 'utf8'),
    );
  });

  it('applies the built-in defaults and resolves repo against the catalog directory', async () => {
    const env = findEnvironment(await loadCatalog(`${fixtures}/minimal.yaml`), 'web', 'staging');
    expect(env).toEqual({
      service: 'web',
      environment: 'staging',
      channel: 'C0INCIDENTS',
      approvers: [],
      requiredApprovals: 1,
      allowSelfApproval: false,
      maxAttempts: 3,
      retryDelayMs: 5_000,
      stepTimeoutMs: 120_000,
      timeBudgetMs: 300_000,
      approvalTimeoutMs: 1_800_000,
      deployLookbackMs: 7_200_000,
      alerts: { labels: {}, pagerduty: [] },
      rollback: [
        {
          name: 'Undo',
          run: ['kubectl', 'rollout', 'undo', 'deployment/web'],
          idempotent: false,
          timeoutMs: 120_000,
          env: {},
        },
      ],
      verify: [],
      notify: [],
      flagPatterns: [],
    });
    expect((await loadCatalog(`${fixtures}/minimal.yaml`)).services.web?.repo).toBe(
      resolve(fixtures, '../repos/web'),
    );
  });

  it('lists every error with its YAML path and line, in file order', async () => {
    const err: unknown = await loadCatalog(`${fixtures}/many-errors.yaml`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CatalogError);
    const { errors } = err as CatalogError;
    const prod = 'services.checkout.environments.production';
    expect(errors.map((e) => e.path)).toEqual([
      'defaults.channel',
      'defaults.retryDelay',
      `${prod}.requiredApprovals`,
      `${prod}.approvers[1]`,
      `${prod}.requiredApproval`,
      `${prod}.rollback[0].run`,
      `${prod}.rollback[1].run`,
      `${prod}.rollback[1].run`,
      `${prod}.verify[0]`,
      `${prod}.verify[0].http.url`,
      'services["bad name"]',
      'services["bad name"].environments.prod.rollback',
    ]);
    expect(errors.find((e) => e.path === `${prod}.rollback[0].run`)).toEqual({
      path: `${prod}.rollback[0].run`,
      message: 'expected a list of strings',
      line: 14,
      column: 18,
    });
    expect(errors.find((e) => e.path === `${prod}.requiredApproval`)?.message).toBe('unknown key');
    expect(errors.map((e) => e.message)).toContain(
      'unknown placeholder {releaseName} in element 2; expected one of {service} {environment} {fromVersion} {toVersion} {incidentId}',
    );
  });

  it('gives line:column for YAML syntax errors', async () => {
    const err = (await loadCatalog(`${fixtures}/syntax-error.yaml`).catch((e: unknown) => e)) as CatalogError;
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]?.message).toMatch(/^YAML syntax error at 5:1: Flow sequence/);
    expect(err.unreadable).toBe(false);
  });

  it('reports an unreadable file as a CatalogError naming the path', async () => {
    const err = (await loadCatalog(`${fixtures}/missing.yaml`).catch((e: unknown) => e)) as CatalogError;
    expect(err).toBeInstanceOf(CatalogError);
    expect(err.unreadable).toBe(true);
    expect(err.message).toContain(`cannot read ${fixtures}/missing.yaml: file not found`);
  });
});

describe('parseCatalog refuses bad input clearly', () => {
  const prod = 'services.checkout.environments.production';
  it.each([
    [
      'a wrong version',
      'version: 2\nservices: {}',
      ['version: expected version: 1', 'services: expected at least one service'],
    ],
    ['an empty document', '', ['expected a mapping with version: 1 and services']],
    [
      'a duplicate key',
      'version: 1\nversion: 1\nservices: {}',
      [expect.stringMatching(/^YAML syntax error at 2:1: Map keys must be unique/)],
    ],
    [
      'numbers in run',
      withProduction('verify:\n  - { name: Smoke, run: [./smoke.sh, --retries, 3] }'),
      [`${prod}.verify[0].run: expected a list of strings (element 2 is number 3; quote it)`],
    ],
    [
      'an unknown placeholder in a check URL',
      withProduction('verify:\n  - { name: H, http: { url: "http://{host}/healthz" } }'),
      [
        `${prod}.verify[0].http.url: unknown placeholder {host}; expected one of {service} {environment} {fromVersion} {toVersion} {incidentId}`,
      ],
    ],
    [
      'an unknown placeholder in a step name',
      withProduction('stepTimeout: 1m\nrollback:\n  - { name: "Back to {version}", run: [undo] }'),
      [
        `${prod}.rollback[0].name: unknown placeholder {version}; expected one of {service} {environment} {fromVersion} {toVersion} {incidentId}`,
      ],
    ],
    [
      'a placeholder in a step env value',
      withProduction(
        'stepTimeout: 1m\nrollback:\n  - { name: U, run: [undo], env: { VERSION: "{toVersion}" } }',
      ),
      [`${prod}.rollback[0].env.VERSION: placeholders are only filled in run and url, not in env`],
    ],
    [
      'a bad duration and a bad regex',
      withProduction('approvalTimeout: 0s\nflagPatterns: ["flag[("]'),
      [
        `${prod}.approvalTimeout: expected a duration such as 500ms, 5s, 2m or 1h (more than 0), got string "0s"`,
        expect.stringMatching(
          new RegExp(
            `^${prod.replace(/\./g, '\\.')}\\.flagPatterns\\[0\\]: pattern \\(flag\\[\\(\\) is not a valid regular expression`,
          ),
        ),
      ],
    ],
    [
      'a notify target without a URL scheme and a bad secret name',
      withProduction('notify: [{ url: hooks.example.com, secretEnv: "my secret" }]'),
      [
        `${prod}.notify[0].url: expected an http:// or https:// URL`,
        `${prod}.notify[0].secretEnv: expected an environment variable name`,
      ],
    ],
    [
      'a missing channel',
      'version: 1\nservices:\n  web:\n    environments:\n      prod:\n        rollback: [{ name: U, run: [undo] }]',
      ['services.web.environments.prod.channel: required (here or in defaults): a Slack channel id'],
    ],
  ])('refuses %s', (_label, text, expected) => {
    expect(errorsOf(text)).toEqual(expected);
  });

  it('refuses one PagerDuty service or label set routed to two environments', () => {
    const text = `version: 1
defaults: { channel: C0INCIDENTS, rollback: [{ name: Undo, run: [undo, '{service}'] }] }
services:
  checkout:
    environments:
      production: { alerts: { labels: { app: checkout }, pagerduty: [PIJ90N7] } }
  cart:
    environments:
      production: { alerts: { labels: { app: checkout }, pagerduty: [PIJ90N7] } }
`;
    expect(errorsOf(text)).toEqual([
      'services.cart.environments.production.alerts.pagerduty[0]: PIJ90N7 is already mapped to checkout/production',
      'services.cart.environments.production.alerts.labels: the same labels already select checkout/production',
    ]);
  });

  it('stops an alias bomb instead of expanding it', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i += 1)
      lines.push(
        `${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10)
          .fill(i === 1 ? '*a' : `*${'b'.repeat(i - 1)}`)
          .join(', ')}]`,
      );
    expect(errorsOf(`${lines.join('\n')}\nversion: 1\nservices: {}`)[0]).toMatch(
      /^YAML could not be read: .*alias/i,
    );
  });

  it('keeps literal argv elements as written, and fills placeholders only with safe values', () => {
    const catalog = parseCatalog(
      withProduction(
        'rollback:\n  - { name: Undo, run: [helm, rollback, "{service}", "{toVersion}", --wait, "a b"] }',
      ),
      'inline',
    );
    const env = findEnvironment(catalog, 'checkout', 'production');
    expect(env?.rollback[0]?.run).toEqual(['helm', 'rollback', '{service}', '{toVersion}', '--wait', 'a b']);
    const values = { service: 'checkout', environment: 'production', incidentId: 'RB-1' };
    const plan = resolvePlan(env?.rollback ?? [], [], 1000, { ...values, toVersion: '42' });
    expect(plan.steps[0]?.argv).toEqual(['helm', 'rollback', 'checkout', '42', '--wait', 'a b']);
    expect(() => resolvePlan(env?.rollback ?? [], [], 1000, { ...values, toVersion: '--force' })).toThrow(
      PlanError,
    );
  });

  it('finds only real services and environments', () => {
    const catalog = parseCatalog(withProduction(''), 'inline');
    expect(findEnvironment(catalog, 'checkout', 'production')?.service).toBe('checkout');
    expect(findEnvironment(catalog, 'checkout', 'staging')).toBeUndefined();
    expect(findEnvironment(catalog, 'constructor', 'production')).toBeUndefined();
    expect(findEnvironment(catalog, 'checkout', '__proto__')).toBeUndefined();
  });
});
