import type { ResultPromise } from 'execa';
import type { Bot } from '../../../src/bot.js';
import {
  approveRequest,
  eventsOf,
  eventually,
  extraBot,
  readLog,
  scratchDir,
  startChildWorker,
  starts,
  startWorkerHarness,
  threadText,
  waitForState,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

describe('a worker process killed with SIGKILL mid-rollback', () => {
  let h: Harness | undefined;
  let child: ResultPromise | undefined;
  let rescuer: Bot | undefined;
  const scratch = scratchDir();
  afterEach(async () => {
    child?.kill('SIGKILL');
    await child?.catch(() => undefined);
    await rescuer?.stop();
    await h?.close();
    h = rescuer = child = undefined;
  });
  afterAll(() => scratch.remove());

  it.each([
    ['not idempotent: it is never re-run and a human is asked to check it', false],
    ['idempotent: it is run again and the rollback completes', true],
  ] as const)('the interrupted step is %s', async (_what, idempotent) => {
    const first = scratch.log(`kill-first-${idempotent}`);
    const second = scratch.log(`kill-second-${idempotent}`);
    const yaml = workerCatalogYaml({
      checkout: {
        production: {
          steps: [
            { name: 'Scale down', log: first },
            { name: 'Run data migration', log: second, env: { STEP_SLEEP_MS: '1500' }, idempotent },
          ],
        },
      },
    });
    // Only the child process runs rollbacks until it is killed; this bot takes the clicks.
    h = await startWorkerHarness(yaml);
    await h.bot.stop();
    h.bot = await extraBot(h, yaml, 'web');
    child = (await startChildWorker(h, yaml)).process;

    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    await eventually(() => (starts(second) === 1 ? true : undefined), 10_000);
    child.kill('SIGKILL');
    await child;
    expect(await h.bot.deps.store.get(id)).toMatchObject({ state: 'running' });

    // Another worker notices the stalled job once its lock expires and takes it over.
    rescuer = await extraBot(h, yaml, 'worker');
    const end = await waitForState(h, id, ['manual_intervention', 'completed', 'failed'], 15_000);
    expect(starts(first)).toBe(1);
    if (idempotent) {
      expect(end).toBe('completed');
      expect(starts(second)).toBe(2);
    } else {
      expect(end).toBe('manual_intervention');
      // Give a wrongly re-run step time to show up in the log before asserting it did not.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(readLog(second).filter((e) => e.event === 'start')).toHaveLength(1);
      const [manual] = await eventsOf(h, id, 'manual_intervention_required');
      expect(manual?.stepId).toBe('s2');
      expect(manual?.why).toContain('never finished');
      const thread = await eventually(async () => {
        const text = await threadText(h!, id);
        return text.includes('Manual intervention is required') ? text : undefined;
      });
      expect(thread).toContain('Run data migration');
      expect(thread).toContain('<@U0LEAD>');
    }
  });
});
