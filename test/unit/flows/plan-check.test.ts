import type { PlanStep } from '../../../src/domain/plan.js';
import { findPlanProblem } from '../../../src/flows/plan-check.js';

const step = (over: Partial<PlanStep> = {}): PlanStep => ({
  id: 's1',
  name: 'Undo',
  argv: ['kubectl', 'rollout', 'undo'],
  idempotent: true,
  timeoutMs: 1000,
  env: {},
  ...over,
});

describe('findPlanProblem', () => {
  it('accepts a runnable plan', () => {
    expect(
      findPlanProblem({ steps: [step(), step({ id: 's2' })], verify: [], timeBudgetMs: 5000 }),
    ).toBeUndefined();
  });

  it.each([
    [[step({ argv: [] })], 'steps[0] (Undo): argv is empty'],
    [[step({ argv: [''] })], 'steps[0] (Undo): argv is empty'],
    [[step(), step()], 'steps[1] (Undo): id "s1" is used twice'],
    [[step({ timeoutMs: 0 })], 'steps[0] (Undo): timeoutMs must be a positive number'],
    [[step({ env: { 'A-B': 'x' } })], 'steps[0] (Undo): env name "A-B" is not a valid variable name'],
  ])('names what is wrong', (steps, problem) => {
    expect(findPlanProblem({ steps, verify: [], timeBudgetMs: 5000 })).toBe(problem);
  });
});
