/**
 * A worker frozen (SIGSTOP, as a paused VM or a long GC pause would) in the middle of a rollback,
 * past its BullMQ lock, while another worker is ready to take the job over. Whichever way the
 * wake-up and the takeover interleave, no step starts without the job's lock, no step runs twice
 * at the same time, and only the step that was in flight may run again (idempotent) or stop the
 * rollback for a human (not idempotent).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import type { Bot } from '../../../src/bot.js';
import {
  approveRequest,
  eventually,
  extraBot,
  intervals,
  scratchDir,
  startChildWorker,
  startWorkerHarness,
  starts,
  waitForState,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

describe('a worker frozen past its lock while another takes over', () => {
  let h: Harness | undefined;
  let frozen: ResultPromise | undefined;
  let rescuer: Bot | undefined;
  const scratch = scratchDir();
  afterEach(async () => {
    frozen?.kill('SIGCONT');
    frozen?.kill('SIGKILL');
    await frozen?.catch(() => undefined);
    await rescuer?.stop();
    await h?.close();
    h = rescuer = frozen = undefined;
  });
  afterAll(() => scratch.remove());

  it.each([
    ['idempotent', true],
    ['not idempotent', false],
  ] as const)('the step in flight is %s', async (_what, idempotent) => {
    const [l1, l2, l3] = ['s1', 's2', 's3'].map((s) => scratch.log(`stall-${s}-${idempotent}`)) as [
      string,
      string,
      string,
    ];
    const marker = join(scratch.dir, `frozen-${idempotent}`);
    const yaml = workerCatalogYaml({
      checkout: {
        production: {
          steps: [
            { name: 'Scale down', log: l1, idempotent: true },
            {
              name: 'Undo deployment',
              log: l2,
              idempotent,
              env: { STEP_FREEZE_PARENT: marker, STEP_SLEEP_MS: '300' },
            },
            // Long enough that a step started without the lock would still run when the rescuer arrives.
            { name: 'Scale up', log: l3, idempotent: true, env: { STEP_SLEEP_MS: '1500' } },
          ],
        },
      },
    });
    h = await startWorkerHarness(yaml);
    await h.bot.stop();
    h.bot = await extraBot(h, yaml, 'web');
    frozen = (await startChildWorker(h, yaml)).process;
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');

    // Step 2 froze its worker; the second worker is started only now, so the job is the first's.
    await eventually(() => (existsSync(marker) ? true : undefined), 10_000);
    rescuer = await extraBot(h, yaml, 'worker');
    const lock = `${h.redis.prefix}-bull:rollback-production:rollback-${id}:lock`;
    await eventually(async () => ((await h!.redis.redis.exists(lock)) === 0 ? true : undefined), 10_000);
    // The frozen worker wakes with its lock gone, racing the rescuer for the job.
    frozen.kill('SIGCONT');

    const end = await waitForState(h, id, ['completed', 'manual_intervention', 'failed'], 20_000);
    // Let the woken worker finish what it was doing and exit, so its every step is in the logs.
    frozen.kill('SIGTERM');
    await frozen;

    expect(starts(l1)).toBe(1);
    const second = intervals(l2);
    for (const [earlier, later] of second.slice(0, -1).map((run, i) => [run, second[i + 1]!] as const))
      expect(later.start).toBeGreaterThanOrEqual(earlier.end);
    if (idempotent) {
      expect(end).toBe('completed');
      expect(second.length).toBeLessThanOrEqual(2);
      expect(starts(l3)).toBe(1);
    } else {
      // Either the woken worker journaled step 2 before the rescuer looked (then it completes
      // with every step once), or the rescuer found it started and unfinished (a human decides).
      expect(second).toHaveLength(1);
      expect(starts(l3)).toBe(end === 'completed' ? 1 : 0);
      if (end !== 'completed') expect(end).toBe('manual_intervention');
    }
  });
});
