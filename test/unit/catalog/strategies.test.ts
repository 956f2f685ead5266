import { CatalogError, findEnvironment, parseCatalog } from '../../../src/catalog/load.js';
import { resolvePlan } from '../../../src/domain/plan.js';
import { stepCommandText } from '../../../src/domain/strategies/registry.js';

const catalog = (steps: string) => `version: 1
defaults: { channel: C0INCIDENTS }
services:
  checkout:
    environments:
      production:
        rollback:
${steps.replace(/^/gm, '          ')}
`;

function errorsOf(text: string): string[] {
  try {
    parseCatalog(text, 'inline');
  } catch (err) {
    if (err instanceof CatalogError) return err.errors.map((e) => `${e.path}: ${e.message}`);
    throw err;
  }
  throw new Error('expected the catalog to be refused');
}

describe('strategy steps in the catalog', () => {
  it('resolves a kubernetes step: idempotent from the strategy, the target filled from the request', () => {
    const env = findEnvironment(
      parseCatalog(
        catalog('- name: Roll back\n  kubernetes: { deployment: checkout, namespace: prod }\n  timeout: 3m'),
        'inline',
      ),
      'checkout',
      'production',
    );
    const plan = resolvePlan(env!.rollback, [], 60_000, {
      service: 'checkout',
      environment: 'production',
      toVersion: 'v2.3.0',
      incidentId: 'RB-1',
    });
    expect(plan.steps[0]).toMatchObject({
      argv: [],
      idempotent: true,
      timeoutMs: 180_000,
      strategy: {
        spec: { kind: 'kubernetes', deployment: 'checkout', namespace: 'prod' },
        toVersion: 'v2.3.0',
      },
    });
    expect(stepCommandText(plan.steps[0]!)).toMatch(
      /^kubectl rollout undo deployment\/checkout -n prod --to-revision=N, then rollout status; N = the revision whose image tag is v2\.3\.0/,
    );
  });

  it('needs a target version: without one a retried strategy would pick the bad revision again', () => {
    const env = findEnvironment(
      parseCatalog(catalog('- name: Roll back\n  helm: { release: checkout, namespace: prod }'), 'inline'),
      'checkout',
      'production',
    );
    expect(() =>
      resolvePlan(env!.rollback, [], 60_000, {
        service: 'checkout',
        environment: 'production',
        incidentId: 'RB-1',
      }),
    ).toThrow('{toVersion} is unknown for this rollback');
  });

  it('names what is wrong with a strategy step at its path', () => {
    const at = 'services.checkout.environments.production.rollback[0]';
    expect(errorsOf(catalog('- name: A\n  kubernetes: { deployment: checkout }'))).toEqual([
      `${at}.kubernetes.namespace: required: a string`,
    ]);
    expect(
      errorsOf(catalog('- name: A\n  run: ["true"]\n  helm: { release: checkout, namespace: prod }')),
    ).toEqual([`${at}: expected exactly one of run, kubernetes, helm, argoRollouts, sql or flag`]);
    expect(errorsOf(catalog('- name: A\n  terraform: { workspace: prod }'))).toEqual([
      `${at}: expected exactly one of run, kubernetes, helm, argoRollouts, sql or flag`,
      `${at}.terraform: unknown key`,
    ]);
    expect(errorsOf(catalog('- name: A\n  helm: { release: "Checkout;rm", namespace: prod }'))).toEqual([
      `${at}.helm.release: expected a Helm release name (lower case, digits and -, at most 53)`,
    ]);
    expect(
      errorsOf(catalog('- name: A\n  helm: { release: checkout, namespace: prod }\n  idempotent: false')),
    ).toEqual([`${at}.idempotent: a strategy decides whether its step may be re-run; remove idempotent`]);
    expect(
      errorsOf(catalog('- name: A\n  helm: { release: checkout, namespace: prod }\n  interruptible: true')),
    ).toEqual([
      `${at}.interruptible: only a \`run\` step can be declared interruptible; a strategy step finishes before Stop takes effect`,
    ]);
    expect(
      errorsOf(
        catalog(
          '- name: A\n  flag: { provider: flagd, key: discount_codes, environment: prod, tokenEnv: T }',
        ),
      ),
    ).toEqual([
      `${at}.flag.provider: flagd has no API to change a flag: edit its source (for example a \`run\` step: kubectl patch featureflag …)`,
    ]);
  });
});
