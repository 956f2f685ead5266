import { PlanError, displayArgv, resolvePlan, type StepTemplate } from '../../../src/domain/plan.js';

const step = (run: string[]): StepTemplate => ({
  name: 'Step',
  run,
  idempotent: false,
  timeoutMs: 1000,
  env: {},
});
const values = { service: 'checkout', environment: 'production', incidentId: 'RB-1042', toVersion: 'v2.3.0' };

describe('resolvePlan', () => {
  it('fills placeholders inside argv elements and keeps every element separate', () => {
    const plan = resolvePlan(
      [step(['helm', 'rollback', '{service}-{environment}', '--version={toVersion}', '{incidentId}'])],
      [],
      5000,
      values,
    );
    expect(plan.steps[0]).toMatchObject({
      id: 's1',
      argv: ['helm', 'rollback', 'checkout-production', '--version=v2.3.0', 'RB-1042'],
    });
  });

  it('fills step and check names for the card, and says in words what is unknown', () => {
    const plan = resolvePlan(
      [{ ...step(['undo']), name: 'Back to {toVersion} from {fromVersion}' }],
      [
        {
          kind: 'run',
          name: 'Smoke {service} in {environment}',
          run: ['smoke'],
          env: {},
          retries: 0,
          intervalMs: 0,
          timeoutMs: 1000,
        },
      ],
      5000,
      values,
    );
    expect(plan.steps[0]?.name).toBe('Back to v2.3.0 from (fromVersion unknown)');
    expect(plan.verify[0]?.name).toBe('Smoke checkout in production');
  });

  it('refuses an unknown value rather than running an unfilled argv', () => {
    expect(() => resolvePlan([step(['deploy', '{fromVersion}'])], [], 5000, values)).toThrow(
      new PlanError('{fromVersion} is unknown for this rollback'),
    );
  });

  it('refuses a value that fails the contract pattern', () => {
    expect(() =>
      resolvePlan([step(['deploy', '{toVersion}'])], [], 5000, { ...values, toVersion: 'v1 && rm -rf /' }),
    ).toThrow(/does not match the allowed pattern/);
  });

  it('shows argv as a responder reads it, quoting what a shell would split', () => {
    expect(displayArgv(['kubectl', 'annotate', 'deploy/x', 'note=rolled back by bot'])).toBe(
      'kubectl annotate deploy/x "note=rolled back by bot"',
    );
  });
});
