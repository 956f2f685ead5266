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
