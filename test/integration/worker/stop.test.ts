/**
 * The progress message's Stop button: the running step finishes (or, declared interruptible, is
 * killed at once), nothing after it starts, the rollback ends for a human with the stop on its
 * timeline, and a later request runs clean.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  eventually,
  readLog,
  scratchDir,
  startWorkerHarness,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

describe('Stop', () => {
  let h: Harness;
  const scratch = scratchDir();
  afterAll(() => scratch.remove());
  afterEach(async () => h?.close());

  /** Requests and approves a rollback, and waits until its first step runs and Stop is offered. */
  async function runningRollback(log: string): Promise<string> {
    await h.slash('checkout production --to v2.3.0 stop me');
    const id = await eventually(async () => (await h.bot.deps.store.recentIds(1))[0]);
    await eventually(async () => ((await h.bot.deps.store.get(id))?.messageTs ? true : undefined));
    await h.click('approve', id, 'U0LEAD');
    await eventually(() => (readLog(log).some((e) => e.event === 'start') ? true : undefined), 15_000);
    const running = await eventually(async () => {
      const incident = await h.bot.deps.store.get(id);
      return incident?.progressTs ? incident : undefined;
    });
    // The progress message offers Stop while the rollback runs.
    await eventually(() =>
      JSON.stringify(h.slack.message(running.channel, running.progressTs!)?.blocks ?? '').includes(
        'rollback_stop',
      )
        ? true
        : undefined,
    );
    return id;
  }

  const endedFor = (id: string) =>
    eventually(async () => {
      const incident = await h.bot.deps.store.get(id);
      return incident?.state === 'manual_intervention' ? incident : undefined;
    }, 15_000);

  it('lets the running step finish, starts nothing after it, and ends for a human', async () => {
    const log = join(scratch.dir, 'steps.jsonl');
    const release = join(scratch.dir, 'release-first-step');
    h = await startWorkerHarness(
      workerCatalogYaml({
        checkout: {
          production: {
            steps: [
              { name: 'First', log, label: 'first', env: { STEP_WAIT_FILE: release } },
              { name: 'Second', log, label: 'second' },
            ],
          },
        },
      }),
    );
    const id = await runningRollback(log);

    await h.click('stop', id, 'U0REQUESTER'); // not an approver: refused
    await h.click('stop', id, 'U0LEAD');
    await eventually(async () =>
      (await h.bot.deps.store.timeline(id)).some((e) => e.type === 'stop_requested') ? true : undefined,
    );
    writeFileSync(release, '');
    const ended = await endedFor(id);
    expect(readLog(log).map((e) => `${e.event}:${e.argv[0]}`)).toEqual(['start:first', 'end:first']);
    const timeline = await h.bot.deps.store.timeline(id);
    expect(timeline.filter((e) => e.type === 'stop_requested')).toEqual([
      expect.objectContaining({ by: 'U0LEAD' }),
    ]);
    expect(timeline.find((e) => e.type === 'manual_intervention_required')).toMatchObject({
      why: expect.stringContaining('stopped by <@U0LEAD> before step "Second"'),
    });
    expect(ended.stopRequested?.by).toBe('U0LEAD');
    // The environment is free again: a new request opens.
    await h.slash('checkout production --to v2.3.0 again');
    await eventually(async () => ((await h.bot.deps.store.recentIds(1))[0] !== id ? true : undefined));
  });

  it('kills a step declared interruptible at once, without waiting for it to finish', async () => {
    const log = join(scratch.dir, 'interruptible.jsonl');
    const never = join(scratch.dir, 'never-created');
    h = await startWorkerHarness(
      workerCatalogYaml({
        checkout: {
          production: {
            steps: [
              { name: 'Drain', log, label: 'drain', env: { STEP_WAIT_FILE: never }, interruptible: true },
              { name: 'Second', log, label: 'second' },
            ],
          },
        },
      }),
    );
    const id = await runningRollback(log);
    await h.click('stop', id, 'U0LEAD');
    await endedFor(id);
    const told = await eventually(() =>
      h.slack
        .callsTo('chat.postEphemeral')
        .map((call) => String(call.args.text))
        .find((text) => text.includes('Stopping')),
    );
    expect(told).toContain('"Drain" is declared interruptible and is killed now');
    // The step was waiting for a file nobody creates: only Stop could have ended it.
    expect(readLog(log).map((e) => `${e.event}:${e.argv[0]}`)).toEqual(['start:drain', 'killed:drain']);
    const timeline = await h.bot.deps.store.timeline(id);
    expect(timeline.find((e) => e.type === 'step_failed')).toMatchObject({
      error: 'killed at once by Stop (<@U0LEAD>): the step is declared interruptible',
    });
    expect(timeline.find((e) => e.type === 'manual_intervention_required')).toMatchObject({
      why: expect.stringContaining(
        'stopped by <@U0LEAD> during step "Drain", killed at once. Steps done: none.',
      ),
    });
  });
});
