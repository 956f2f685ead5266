/**
 * Signals to a real worker process, as Kubernetes and an operator send them: SIGTERM lets the
 * running step finish and starts no other; a second signal exits at once; a bot whose Redis went
 * away still exits on SIGTERM, within its bound, instead of retrying for ever.
 */
import type { Bot } from '../../../src/bot.js';
import { startRedisServer, type RedisServer } from '../../support/global-setup.js';
import {
  approveRequest,
  eventually,
  extraBot,
  readLog,
  scratchDir,
  startChildWorker,
  startWorkerHarness,
  starts,
  waitForState,
  workerCatalogYaml,
  type ChildWorker,
  type Harness,
} from './helpers.js';

describe('a worker process receiving SIGTERM', () => {
  let h: Harness | undefined;
  let child: ChildWorker | undefined;
  let rescuer: Bot | undefined;
  let redis: RedisServer | undefined;
  const orphans: number[] = [];
  const scratch = scratchDir();
  afterEach(async () => {
    child?.process.kill('SIGKILL');
    await child?.process.catch(() => undefined);
    for (const pid of orphans.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rescuer?.stop();
    await h?.close();
    await redis?.stop('SIGKILL');
    h = rescuer = child = redis = undefined;
  });
  afterAll(() => scratch.remove());

  async function webAndChildWorker(yaml: string): Promise<void> {
    h = await startWorkerHarness(yaml);
    await h.bot.stop();
    h.bot = await extraBot(h, yaml, 'web');
    child = await startChildWorker(h, yaml, { logLevel: 'info' });
  }

  it('lets the running step finish, starts no new one, exits 0; the next worker carries on', async () => {
    const [l1, l2] = [scratch.log('term-s1'), scratch.log('term-s2')];
    const yaml = workerCatalogYaml({
      checkout: {
        production: {
          steps: [
            { name: 'Scale down', log: l1, env: { STEP_SLEEP_MS: '800' } },
            { name: 'Undo deployment', log: l2 },
          ],
        },
      },
    });
    await webAndChildWorker(yaml);
    const id = await approveRequest(h!, 'checkout production --to v2.3.0 bad deploy');
    await eventually(() => (starts(l1) === 1 ? true : undefined));
    child!.process.kill('SIGTERM');
    const exit = await child!.process;

    expect(exit.exitCode).toBe(0);
    expect(readLog(l1).map((e) => e.event)).toEqual(['start', 'end']);
    expect(starts(l2)).toBe(0);
    expect((await h!.bot.deps.store.get(id))?.state).toBe('running');

    rescuer = await extraBot(h!, yaml, 'worker');
    expect(await waitForState(h!, id, ['completed', 'failed', 'manual_intervention'])).toBe('completed');
    expect([starts(l1), starts(l2)]).toEqual([1, 1]);
  });

  it('exits at once on a second signal, without waiting for the running step', async () => {
    const l1 = scratch.log('twice-s1');
    const yaml = workerCatalogYaml({
      checkout: { production: { steps: [{ name: 'Scale down', log: l1, env: { STEP_SLEEP_MS: '60000' } }] } },
    });
    await webAndChildWorker(yaml);
    await approveRequest(h!, 'checkout production --to v2.3.0 bad deploy');
    await eventually(() => (starts(l1) === 1 ? true : undefined));
    orphans.push(...readLog(l1).map((e) => e.pid));
    child!.process.kill('SIGTERM');
    await eventually(() => (child!.output().includes('"msg":"stopping') ? true : undefined));
    child!.process.kill('SIGINT');
    const exit = await child!.process;

    expect(exit.exitCode).toBe(130);
    expect(child!.output()).toContain('second signal: exiting now');
    // It did not wait for the grace period to kill the step: the step is still running.
    expect(readLog(l1).map((e) => e.event)).toEqual(['start']);
  });

  it('exits on SIGTERM within its bound when Redis has gone away', async () => {
    redis = await startRedisServer();
    const yaml = workerCatalogYaml({
      checkout: { production: { steps: [{ name: 'Scale down', log: scratch.log('gone-s1') }] } },
    });
    h = await startWorkerHarness(yaml);
    child = await startChildWorker(h, yaml, { redisUrl: redis.url, logLevel: 'info' });
    await redis.stop('SIGKILL');
    child.process.kill('SIGTERM');
    const exit = await child.process;

    // Either stop() finished without Redis, or the bound cut it short and said why.
    expect(exit.exitCode === 0 || child.output().includes('could not stop cleanly in time')).toBe(true);
    expect([0, 1]).toContain(exit.exitCode);
  });
});
