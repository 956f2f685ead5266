import { executePlan } from '../../../src/flows/execute-rollback.js';
import { engineFixture, plan, readLog, recordStep, starts, waitFor } from './helpers.js';

describe('executePlan (real processes, real Redis)', () => {
  const engine = engineFixture('exec');
  const { context } = engine;

  it('runs every step in order, one after the other, and reports completed', async () => {
    const log = engine.scratch().log('all');
    const { ctx, events } = context(
      plan([recordStep('s1', log), recordStep('s2', log), recordStep('s3', log)]),
    );
    const outcome = await executePlan(ctx);
    expect(outcome.kind).toBe('completed');
    expect(readLog(log).map((e) => `${e.event}:${e.argv[0]}`)).toEqual([
      'start:s1',
      'end:s1',
      'start:s2',
      'end:s2',
      'start:s3',
      'end:s3',
    ]);
    expect(events.types()).toEqual([
      'step_started',
      'step_succeeded',
      'step_started',
      'step_succeeded',
      'step_started',
      'step_succeeded',
    ]);
    expect((await engine.journal().read(ctx.incidentId)).steps.s3).toMatchObject({
      status: 'succeeded',
      exitCode: 0,
    });
  });

  it('stops at a failing step (retryable) and the retry resumes after the last succeeded step', async () => {
    const [l1, l2, l3] = [engine.scratch().log('s1'), engine.scratch().log('s2'), engine.scratch().log('s3')];
    const p = plan([
      recordStep('s1', l1),
      recordStep('s2', l2, { env: { STEP_FAIL_TIMES: '1' } }),
      recordStep('s3', l3),
    ]);
    const first = context(p);
    const failed = await executePlan(first.ctx);
    expect(failed).toMatchObject({
      kind: 'step_failed',
      stepId: 's2',
      failure: 'step_failed',
      exitCode: 1,
    });
    expect(failed.kind === 'step_failed' && failed.outputTail).toContain('step failing with exit code 1');
    expect(starts(l3)).toBe(0);

    const second = context(p, { incidentId: first.ctx.incidentId, attempt: 2 });
    expect((await executePlan(second.ctx)).kind).toBe('completed');
    expect([starts(l1), starts(l2), starts(l3)]).toEqual([1, 2, 1]);
    expect(second.events.events[0]).toMatchObject({
      type: 'step_skipped',
      stepId: 's1',
      why: 'succeeded in attempt 1',
    });
  });

  it('after a crash mid-step, does not re-run a non-idempotent step: manual intervention naming it', async () => {
    const [l1, l2] = [engine.scratch().log('s1'), engine.scratch().log('s2')];
    const { ctx, events } = context(plan([recordStep('s1', l1), recordStep('s2', l2)]), { attempt: 2 });
    const crashed = await engine.journal().acquireFence(ctx.incidentId);
    await engine.journal().markStarted(crashed, 's1', { attempt: 1, startedAt: '2024-05-01T10:00:00.000Z' });

    const outcome = await executePlan(ctx);
    expect(outcome).toMatchObject({ kind: 'manual_intervention', stepId: 's1', stepName: 'Step s1' });
    if (outcome.kind !== 'manual_intervention') return;
    expect(outcome.why).toContain('was started in attempt 1 at 2024-05-01T10:00:00.000Z but never finished');
    expect(outcome.whatToCheck).toContain('record.mjs s1');
    expect([starts(l1), starts(l2)]).toEqual([0, 0]);
    expect(events.events).toEqual([]);
  });

  it('after a crash mid-step, re-runs an idempotent step and carries on', async () => {
    const l1 = engine.scratch().log('s1');
    const { ctx } = context(plan([recordStep('s1', l1, { idempotent: true })]), { attempt: 2 });
    await engine
      .journal()
      .markStarted(await engine.journal().acquireFence(ctx.incidentId), 's1', { attempt: 1 });
    expect((await executePlan(ctx)).kind).toBe('completed');
    expect(starts(l1)).toBe(1);
  });

  it('reports a missing executable as not retryable and runs nothing after it', async () => {
    const l2 = engine.scratch().log('s2');
    const missing = { ...recordStep('s1', l2), argv: ['kubectl-not-installed-here', 'rollout', 'undo'] };
    const { ctx, events } = context(plan([missing, recordStep('s2', l2)]));
    const outcome = await executePlan(ctx);
    expect(outcome).toMatchObject({
      kind: 'step_failed',
      stepId: 's1',
      failure: 'not_found',
    });
    expect(events.events[1]).toMatchObject({
      type: 'step_failed',
      error: 'executable "kubectl-not-installed-here" not found',
    });
    expect(starts(l2)).toBe(0);
  });

  it('refuses a bad plan before running any step', async () => {
    const l1 = engine.scratch().log('s1');
    const { ctx } = context(plan([recordStep('s1', l1), { ...recordStep('s2', l1), argv: [] }]));
    const outcome = await executePlan(ctx);
    expect(outcome).toMatchObject({
      kind: 'step_failed',
      failure: 'bad_plan',
      error: 'steps[1] (Step s2): argv is empty',
    });
    expect(starts(l1)).toBe(0);
  });

  it('kills a step past its own timeout: idempotent → retryable; not idempotent → manual intervention, never re-run', async () => {
    const l1 = engine.scratch().log('s1');
    const slow = { timeoutMs: 300, env: { STEP_SLEEP_MS: '5000' } };
    const idem = context(plan([recordStep('s1', l1, { ...slow, idempotent: true })]));
    expect(await executePlan(idem.ctx)).toMatchObject({
      kind: 'step_failed',
      failure: 'step_timed_out',
    });
    expect(readLog(l1).map((e) => e.event)).toEqual(['start', 'killed']);

    const l2 = engine.scratch().log('s2');
    const p = plan([recordStep('s2', l2, slow)]);
    const once = context(p);
    expect(await executePlan(once.ctx)).toMatchObject({ kind: 'manual_intervention', stepId: 's2' });
    const again = context(p, { incidentId: once.ctx.incidentId, attempt: 2 });
    const outcome = await executePlan(again.ctx);
    expect(outcome.kind === 'manual_intervention' && outcome.why).toContain('was killed in attempt 1');
    expect(starts(l2)).toBe(1);
  });

  it('bounds a step by the remaining time budget and stops with budget_exhausted', async () => {
    const [l1, l2] = [engine.scratch().log('s1'), engine.scratch().log('s2')];
    const p = plan([recordStep('s1', l1, { env: { STEP_SLEEP_MS: '5000' } }), recordStep('s2', l2)], [], 500);
    const { ctx } = context(p);
    const outcome = await executePlan(ctx);
    expect(outcome).toMatchObject({ kind: 'budget_exhausted', stepId: 's1' });
    expect(readLog(l1).map((e) => e.event)).toEqual(['start', 'killed']);
    expect(starts(l2)).toBe(0);

    const late = context(plan([recordStep('s3', l2)]), { deadline: Date.now() - 1 });
    expect(await executePlan(late.ctx)).toMatchObject({
      kind: 'budget_exhausted',
      error: 'time budget exhausted before step "Step s3"',
    });
    expect(starts(l2)).toBe(0);
  });

  it('cancels on the AbortSignal: the running step is killed and the outcome is cancelled', async () => {
    const l1 = engine.scratch().log('s1');
    const controller = new AbortController();
    const { ctx } = context(plan([recordStep('s1', l1, { env: { STEP_SLEEP_MS: '10000' } })]), {
      signal: controller.signal,
    });
    const running = executePlan(ctx);
    await waitFor(() => starts(l1) === 1, 5000, 's1 to start');
    controller.abort(new Error('SIGTERM'));
    expect(await running).toMatchObject({ kind: 'cancelled', stepId: 's1' });
    expect(readLog(l1).map((e) => e.event)).toEqual(['start', 'killed']);
  });

  it('fences out a worker whose rollback was taken over: it records nothing and starts no further step', async () => {
    const [l1, l2] = [engine.scratch().log('s1'), engine.scratch().log('s2')];
    const p = plan([recordStep('s1', l1, { env: { STEP_SLEEP_MS: '400' } }), recordStep('s2', l2)]);
    const { ctx } = context(p);
    const stalled = executePlan(ctx);
    await waitFor(() => starts(l1) === 1, 5000, 's1 to start');
    const newer = await engine.journal().acquireFence(ctx.incidentId);

    expect(await stalled).toMatchObject({ kind: 'fenced_out', current: newer.value });
    expect(starts(l2)).toBe(0);
    expect((await engine.journal().read(ctx.incidentId)).steps.s1?.status).toBe('started');
  });

  it('reports unverified when a check fails, and a later call does not re-run the steps', async () => {
    const l1 = engine.scratch().log('s1');
    const failingCheck = {
      name: 'Smoke',
      kind: 'run' as const,
      run: [process.execPath, '-e', 'console.log("checkout returns 502"); process.exit(2)'],
      env: {},
      retries: 1,
      intervalMs: 50,
      timeoutMs: 5000,
    };
    const p = plan([recordStep('s1', l1)], [failingCheck]);
    const { ctx, events } = context(p);
    const outcome = await executePlan(ctx);
    expect(outcome).toMatchObject({
      kind: 'unverified',
      error: 'Smoke: exited with code 2: checkout returns 502',
    });
    expect(events.events.at(-1)).toMatchObject({ type: 'verify_failed', check: 'Smoke', tries: 2 });

    const again = context(p, { incidentId: ctx.incidentId, attempt: 2 });
    expect((await executePlan(again.ctx)).kind).toBe('unverified');
    expect(starts(l1)).toBe(1);
  });
});
