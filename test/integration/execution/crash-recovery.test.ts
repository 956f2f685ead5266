/**
 * kill -9 of a real worker process running executePlan, then the next attempt in another process:
 * what BullMQ's at-least-once redelivery does after a crash.
 */
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { RollbackPlan } from '../../../src/domain/plan.js';
import { testRedis, type TestRedis } from '../../support/redis.js';
import { REPO, isAlive, plan, readLog, recordStep, scratchDir, starts, waitFor } from './helpers.js';

const ENGINE = join(REPO, 'test/fixtures/engine/run-engine.ts');
const REGISTER = join(REPO, 'scripts/ts-register.js');

describe('crash recovery of the execution engine (kill -9)', () => {
  let t: TestRedis;
  let scratch: ReturnType<typeof scratchDir>;
  const orphans: number[] = [];

  beforeEach(async () => {
    t = await testRedis('crash');
    scratch = scratchDir();
  });
  afterEach(async () => {
    for (const pid of orphans.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    scratch.remove();
    await t.cleanup();
  });

  function engine(
    incidentId: string,
    attempt: number,
    p: RollbackPlan,
    hangAfterStep?: string,
  ): ResultPromise {
    const config = { redisUrl: t.url, prefix: t.prefix, incidentId, attempt, plan: p, hangAfterStep };
    return execa(process.execPath, ['--import', REGISTER, ENGINE, JSON.stringify(config)], {
      reject: false,
      cwd: REPO,
    });
  }

  async function outcomeOf(run: ResultPromise): Promise<{ kind: string; stepId?: string; why?: string }> {
    const result = await run;
    const line = String(result.stdout)
      .split('\n')
      .find((l) => l.startsWith('{"outcome"'));
    if (!line) throw new Error(`engine printed no outcome: ${String(result.stderr)}`);
    return (JSON.parse(line) as { outcome: { kind: string; stepId?: string; why?: string } }).outcome;
  }

  it('a worker killed during a non-idempotent step: the next attempt asks for a human and never re-runs it', async () => {
    const [l1, l2] = [scratch.log('s1'), scratch.log('s2')];
    const p = plan([recordStep('s1', l1, { env: { STEP_SLEEP_MS: '1500' } }), recordStep('s2', l2)]);
    const first = engine('RB-7', 1, p);
    await waitFor(() => starts(l1) === 1, 15_000, 's1 to start');
    first.kill('SIGKILL');
    await first;
    const stepPid = readLog(l1)[0]?.pid;
    if (stepPid) orphans.push(stepPid);

    const outcome = await outcomeOf(engine('RB-7', 2, p));
    expect(outcome).toMatchObject({ kind: 'manual_intervention', stepId: 's1' });
    expect(outcome.why).toContain('never finished');
    expect(starts(l1)).toBe(1);
    expect(starts(l2)).toBe(0);
  });

  it('a worker killed between two steps: the next attempt skips the first and runs the second exactly once', async () => {
    const [l1, l2] = [scratch.log('s1'), scratch.log('s2')];
    const p = plan([recordStep('s1', l1), recordStep('s2', l2)]);
    const first = engine('RB-8', 1, p, 's1');
    let printed = '';
    first.stdout?.on('data', (chunk: Buffer) => (printed += String(chunk)));
    await waitFor(() => printed.includes('HANGING'), 15_000, 'the worker to finish s1');
    first.kill('SIGKILL');
    await first;
    expect(starts(l2)).toBe(0);

    const outcome = await outcomeOf(engine('RB-8', 2, p));
    expect(outcome.kind).toBe('completed');
    expect([starts(l1), starts(l2)]).toEqual([1, 1]);
  });
});
