/**
 * Who may run the next step: the worker that still holds the job (checked before every step),
 * not one that is shutting down, and a worker taking over only once the previous owner's lease
 * on a started step has lapsed — by then the previous owner has stopped the step's process.
 */
import { executePlan } from '../../../src/flows/execute-rollback.js';
import { engineFixture, intervals, plan, readLog, recordStep, starts, waitFor } from './helpers.js';

describe('executePlan ownership (real processes, real Redis)', () => {
  const engine = engineFixture('ownership');
  const { context } = engine;

  it('proves it holds the job before every step and starts none once it does not', async () => {
    const [l1, l2] = [engine.scratch().log('s1'), engine.scratch().log('s2')];
    const answers = [true, false];
    const { ctx, events } = context(plan([recordStep('s1', l1), recordStep('s2', l2)]), {
      holdsJob: () => Promise.resolve(answers.shift() ?? false),
    });
    const outcome = await executePlan(ctx);
    expect(outcome).toMatchObject({ kind: 'lost_job', stepId: 's2' });
    expect(starts(l1)).toBe(1);
    expect(starts(l2)).toBe(0);
    expect((await engine.journal().read(ctx.incidentId)).steps.s2).toBeUndefined();
    expect(events.types()).toEqual(['step_started', 'step_succeeded']);
  });

  it('once shutdown begins, lets the running step finish and starts no other', async () => {
    const [l1, l2] = [engine.scratch().log('s1'), engine.scratch().log('s2')];
    const stopping = new AbortController();
    const p = plan([recordStep('s1', l1, { env: { STEP_SLEEP_MS: '600' } }), recordStep('s2', l2)]);
    const { ctx } = context(p, { stopping: stopping.signal });
    const running = executePlan(ctx);
    await waitFor(() => starts(l1) === 1, 5000, 'step 1 to start');
    stopping.abort(new Error('SIGTERM'));
    expect(await running).toMatchObject({ kind: 'cancelled', stepId: 's2' });
    expect(readLog(l1).map((e) => e.event)).toEqual(['start', 'end']);
    expect((await engine.journal().read(ctx.incidentId)).steps.s1?.status).toBe('succeeded');
    expect(starts(l2)).toBe(0);
  });

  it.each([
    ['idempotent: re-run only after the first run was stopped, never two at once', true],
    ['not idempotent: never re-run, a human is asked', false],
  ] as const)(
    'a worker taking over a started step waits for its lease; the step is %s',
    async (_what, idempotent) => {
      const l1 = engine.scratch().log('s1');
      const p = plan([recordStep('s1', l1, { idempotent, env: { STEP_SLEEP_MS: '3000' } })]);
      const first = context(p, { stepLeaseMs: 900 });
      const firstRun = executePlan(first.ctx);
      await waitFor(() => starts(l1) === 1, 5000, 'the first run to start');

      // A second delivery of the same rollback (the first worker looked stalled).
      const second = context(p, { incidentId: first.ctx.incidentId, attempt: 2, stepLeaseMs: 900 });
      const outcome = await executePlan(second.ctx);
      // The first worker's next lease renewal was refused: it stopped its own process.
      expect(await firstRun).toMatchObject({ kind: 'fenced_out' });
      const [killed] = intervals(l1);
      expect(readLog(l1).find((e) => e.event === 'killed')?.signal).toBe('SIGTERM');
      if (idempotent) {
        expect(outcome).toMatchObject({ kind: 'completed' });
        const runs = intervals(l1);
        expect(runs).toHaveLength(2);
        expect(runs[1]!.start).toBeGreaterThanOrEqual(killed!.end);
      } else {
        expect(outcome).toMatchObject({ kind: 'manual_intervention', stepId: 's1' });
        expect(starts(l1)).toBe(1);
      }
    },
  );
});
