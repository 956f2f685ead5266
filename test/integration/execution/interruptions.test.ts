/**
 * Interruptions the engine must not mistake for ordinary results: a shutdown during verification,
 * a step killed by a signal the bot did not send, a timeline write failing as a step starts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyCheck } from '../../../src/domain/plan.js';
import { executePlan } from '../../../src/flows/execute-rollback.js';
import { engineFixture, plan, readLog, recordStep, starts, waitFor } from './helpers.js';

describe('executePlan interruptions (real processes, real Redis)', () => {
  const engine = engineFixture('interrupt');
  const { context } = engine;

  /** A `run` check that touches `marker`, then sleeps `sleepMs` and exits with `exit`. */
  function check(marker: string, sleepMs: number, exit = 0): VerifyCheck {
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); setTimeout(() => process.exit(${exit}), ${sleepMs})`;
    return {
      name: 'Health',
      kind: 'run',
      run: [process.execPath, '-e', script],
      env: {},
      retries: 2,
      intervalMs: 50,
      timeoutMs: 10_000,
    };
  }

  it('a shutdown during verification ends the attempt as cancelled, not unverified; the next one verifies again', async () => {
    const l1 = engine.scratch().log('s1');
    const marker = join(engine.scratch().dir, 'checking');
    const controller = new AbortController();
    const p = plan([recordStep('s1', l1)], [check(marker, 10_000)]);
    const first = context(p, { signal: controller.signal });
    const running = executePlan(first.ctx);
    await waitFor(() => existsSync(marker), 5000, 'the check to start');
    controller.abort(new Error('the bot is shutting down'));
    expect(await running).toMatchObject({ kind: 'cancelled', error: 'cancelled during verification' });
    // Nothing claims the service failed its checks.
    expect(first.events.types()).toEqual(['step_started', 'step_succeeded']);

    const again = context(plan(p.steps, [check(join(engine.scratch().dir, 'again'), 10)]), {
      incidentId: first.ctx.incidentId,
      attempt: 2,
    });
    expect((await executePlan(again.ctx)).kind).toBe('completed');
    expect(starts(l1)).toBe(1);
    expect(again.events.types()).toEqual(['step_skipped', 'verify_passed']);
  });

  it('a shutdown between failed tries of a check is cancelled too', async () => {
    const marker = join(engine.scratch().dir, 'failing');
    const controller = new AbortController();
    const p = plan(
      [recordStep('s1', engine.scratch().log('s1'))],
      [{ ...check(marker, 10, 1), intervalMs: 10_000 }],
    );
    const { ctx, events } = context(p, { signal: controller.signal });
    const running = executePlan(ctx);
    await waitFor(() => existsSync(marker), 5000, 'the check to run');
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort(new Error('the bot is shutting down'));
    expect((await running).kind).toBe('cancelled');
    expect(events.types()).not.toContain('verify_failed');
  });

  /** Waits for the step's process to start, then SIGKILLs it as the OOM killer would. */
  async function killFromOutside(log: string): Promise<void> {
    await waitFor(() => starts(log) >= 1, 5000, 'the step to start');
    const pid = readLog(log).find((e) => e.event === 'start')?.pid;
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
  }

  it('a non-idempotent step killed by a signal the bot did not send stops for a human, then and on re-delivery', async () => {
    const [l1, l2] = [engine.scratch().log('s1'), engine.scratch().log('s2')];
    const p = plan([recordStep('s1', l1, { env: { STEP_SLEEP_MS: '10000' } }), recordStep('s2', l2)]);
    const first = context(p);
    const running = executePlan(first.ctx);
    await killFromOutside(l1);
    const outcome = await running;
    expect(outcome).toMatchObject({ kind: 'manual_intervention', stepId: 's1', stepName: 'Step s1' });
    expect(outcome.kind === 'manual_intervention' && outcome.why).toContain('killed by SIGKILL');
    expect((await engine.journal().read(first.ctx.incidentId)).steps.s1).toMatchObject({
      status: 'failed',
      result: 'killed',
    });

    // A re-delivery (e.g. the worker crashed before recording the ending) does not run it again.
    const again = context(p, { incidentId: first.ctx.incidentId, attempt: 2 });
    const second = await executePlan(again.ctx);
    expect(second).toMatchObject({ kind: 'manual_intervention', stepId: 's1' });
    expect(second.kind === 'manual_intervention' && second.why).toContain('was killed in attempt 1');
    expect([starts(l1), starts(l2)]).toEqual([1, 0]);
  });

  it('an idempotent step killed by a signal the bot did not send is retryable and runs again', async () => {
    const l1 = engine.scratch().log('s1');
    const p = plan([recordStep('s1', l1, { idempotent: true, env: { STEP_SLEEP_MS: '1000' } })]);
    const first = context(p);
    const running = executePlan(first.ctx);
    await killFromOutside(l1);
    expect(await running).toMatchObject({
      kind: 'step_failed',
      stepId: 's1',
      failure: 'step_failed',
      error: 'killed by SIGKILL',
    });
    const again = context(p, { incidentId: first.ctx.incidentId, attempt: 2 });
    expect((await executePlan(again.ctx)).kind).toBe('completed');
    expect(starts(l1)).toBe(2);
  });

  it('a timeline write failing as a step starts leaves the step unstarted: the retry runs it', async () => {
    const l1 = engine.scratch().log('s1');
    const p = plan([recordStep('s1', l1)]);
    const { ctx } = context(p, {
      emit: (event) => {
        if (event.type === 'step_started') throw new Error('the timeline write failed');
      },
    });
    await expect(executePlan(ctx)).rejects.toThrow('the timeline write failed');
    expect(starts(l1)).toBe(0);
    expect((await engine.journal().read(ctx.incidentId)).steps.s1).toBeUndefined();

    const again = context(p, { incidentId: ctx.incidentId, attempt: 2 });
    expect((await executePlan(again.ctx)).kind).toBe('completed');
    expect(starts(l1)).toBe(1);
  });
});
