import { alternativesFor } from '../../../src/domain/alternatives.js';
import type { PlanStep } from '../../../src/domain/plan.js';

const step = (id: string, name: string, strategy?: PlanStep['strategy']): PlanStep => ({
  id,
  name,
  argv: strategy ? [] : ['kubectl', 'rollout', 'status'],
  idempotent: true,
  timeoutMs: 60_000,
  env: {},
  ...(strategy ? { strategy } : {}),
});
const flag = step('s1', 'Turn the flag off', {
  spec: {
    kind: 'flag',
    provider: 'unleash',
    key: 'discount_codes',
    project: 'default',
    environment: 'production',
    tokenEnv: 'T',
    url: 'http://u',
  },
});
const code = step('s2', 'Roll the code back');
const db = step('s3', 'Undo the migration', {
  spec: { kind: 'sql', databaseEnv: 'DB', file: '/repo/down.sql', backupDir: '/backups' },
});
const plan = (steps: PlanStep[]) => ({
  plan: { steps, verify: [], timeBudgetMs: 60_000 },
  fromVersion: 'v2.4.0',
});

describe('alternatives, least destructive first', () => {
  it('offers the flag alone, then the code without its database rollback', () => {
    const offered = alternativesFor(plan([flag, code, db]));
    expect(offered.map((a) => [a.id, a.title, a.plan.steps.map((s) => s.id)])).toEqual([
      ['flag', 'Turn discount_codes off instead', ['s1']],
      ['code', 'Roll the code back, keep the database', ['s1', 's2']],
    ]);
    expect(offered[0]?.changes).toBe(
      'Only the flag discount_codes; the code stays on v2.4.0 and the database is not touched.',
    );
  });

  it('offers nothing when the plan holds one kind of step', () => {
    expect(alternativesFor(plan([code]))).toEqual([]);
    expect(alternativesFor(plan([flag]))).toEqual([]);
  });

  it('warns on the flag alternative when the release checks that flag only in frontend code', () => {
    const offered = alternativesFor({
      ...plan([flag, code]),
      safety: { frontendOnlyFlags: ['discount_codes'] },
    });
    expect(offered[0]?.changes).toContain(
      "⚠ discount_codes is checked only in frontend code while the release's backend changes run unguarded: turning it off will not stop server-side errors.",
    );
  });
});
