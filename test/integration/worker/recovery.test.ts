import { jobIdFor } from '../../../src/adapters/outbound/queue/rollback-queues.js';
import {
  approveRequest,
  cardText,
  eventsOf,
  eventually,
  extraBot,
  readLog,
  scratchDir,
  starts,
  startWorkerHarness,
  threadText,
  waitForState,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

const failingCheck = (tries: number) =>
  `        verify:\n          - name: Health\n            run: ${JSON.stringify([process.execPath, '-e', 'console.log("status 503"); process.exit(1)'])}\n            retries: ${tries}\n            interval: 20ms`;

describe('verification, shutdown and reconciliation', () => {
  let h: Harness | undefined;
  const scratch = scratchDir();
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  afterAll(() => scratch.remove());

  it('marks a rollback unverified and escalates when verification fails; steps are not re-run', async () => {
    const log = scratch.log('unverified');
    h = await startWorkerHarness(
      workerCatalogYaml({
        checkout: {
          production: {
            maxAttempts: 3,
            steps: [{ name: 'Undo deployment', log, idempotent: true }],
            verify: failingCheck(2),
          },
        },
      }),
    );
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    expect(await waitForState(h, id, ['unverified', 'completed', 'failed'])).toBe('unverified');
    expect(starts(log)).toBe(1);
    expect(await eventsOf(h, id, 'retry_scheduled')).toHaveLength(0);
    const [check] = await eventsOf(h, id, 'verify_failed');
    expect(check).toMatchObject({ check: 'Health', tries: 3 });
    const thread = await eventually(async () => {
      const text = await threadText(h!, id);
      return text.includes('Postmortem agenda') ? text : undefined;
    });
    expect(thread).toContain('Manual intervention is required');
    expect(thread).toContain('verification failed');
    expect(thread).toContain('<@U0LEAD>');
    expect(await cardText(h, id)).toContain('verification failed');
  });

  it('on stop, lets the running step finish within the grace period', async () => {
    const log = scratch.log('stop-finish');
    const yaml = workerCatalogYaml({
      checkout: { production: { steps: [{ name: 'Undo deployment', log, env: { STEP_SLEEP_MS: '500' } }] } },
    });
    h = await startWorkerHarness(yaml, {
      execution: { worker: { lockDurationMs: 1500, stalledIntervalMs: 500, shutdownGraceMs: 5000 } },
    });
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    await eventually(() => (starts(log) === 1 ? true : undefined));
    await h.bot.stop();
    expect(readLog(log).map((e) => e.event)).toEqual(['start', 'end']);
    h.bot = await extraBot(h, yaml, 'web');
    expect((await h.bot.deps.store.get(id))?.state).toBe('completed');
  });

  it.each([
    ['an idempotent step is run again and the rollback completes', true, 'completed'],
    ['a step that is not idempotent is never re-run: manual intervention', false, 'manual_intervention'],
  ] as const)(
    'on stop, kills a step that outlasts the grace period; on resume %s',
    async (_what, idempotent, end) => {
      const first = scratch.log(`stop-first-${idempotent}`);
      const second = scratch.log(`stop-second-${idempotent}`);
      const yaml = workerCatalogYaml({
        checkout: {
          production: {
            steps: [
              { name: 'Scale down', log: first },
              { name: 'Undo deployment', log: second, env: { STEP_SLEEP_MS: '1500' }, idempotent },
            ],
          },
        },
      });
      h = await startWorkerHarness(yaml, {
        execution: { worker: { lockDurationMs: 1500, stalledIntervalMs: 500, shutdownGraceMs: 300 } },
      });
      const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
      await eventually(() => (starts(second) === 1 ? true : undefined));
      await h.bot.stop();
      // The step outlasted the grace period: by the time stop() returns it has been killed.
      expect(readLog(second).map((e) => e.event)).toEqual(['start', 'killed']);
      // Left running for whoever takes the job next (read directly: the stopped bot's store is closed).
      const stored = JSON.parse((await h.redis.redis.get(`${h.redis.prefix}:incident:${id}`)) ?? '{}');
      expect(stored.state).toBe('running');

      h.bot = await extraBot(h, yaml, 'all');
      expect(await waitForState(h, id, ['completed', 'manual_intervention', 'failed'])).toBe(end);
      expect(starts(first)).toBe(1);
      expect(starts(second)).toBe(idempotent ? 2 : 1);
      expect((await eventsOf(h, id, 'step_skipped')).map((e) => e.name)).toEqual(['Scale down']);
      // The shutdown did not use up an attempt, nor announce a second start.
      expect((await eventsOf(h, id, 'rollback_started')).map((e) => e.attempt)).toEqual([1]);
      const notes = (await eventsOf(h, id, 'note')).map((e) => e.text);
      expect(notes.filter((text) => text.includes('resumed'))).toEqual([
        'Attempt 1 resumed: the worker running it stopped before it finished',
      ]);
      if (!idempotent) {
        const [manual] = await eventsOf(h, id, 'manual_intervention_required');
        expect(manual?.stepId).toBe('s2');
        expect(manual?.why).toContain('Undo deployment');
      }
    },
  );

  it('marks a running incident whose job is gone as needing manual intervention', async () => {
    const log = scratch.log('orphan');
    const yaml = workerCatalogYaml({
      checkout: { production: { steps: [{ name: 'Undo deployment', log, env: { STEP_SLEEP_MS: '300' } }] } },
    });
    // A web-only bot: it queues but never runs, so the job can be taken away under it.
    h = await startWorkerHarness(yaml);
    await h.bot.stop();
    h.bot = await extraBot(h, yaml, 'web');
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    await waitForState(h, id, ['queued']);
    // As if a worker had started it and its job had then vanished (e.g. removed by hand).
    await h.bot.deps.store.mutate(id, (incident) => ({
      incident: { ...incident, state: 'running' },
      events: [{ type: 'rollback_started', at: new Date().toISOString(), attempt: 1 }],
      result: undefined,
    }));
    const queue = await h.bot.queues.queueFor('production');
    await (await queue.getJob(jobIdFor(id)))?.remove();
    expect(await waitForState(h, id, ['manual_intervention'], 5000)).toBe('manual_intervention');
    const [manual] = await eventsOf(h, id, 'manual_intervention_required');
    expect(manual?.why).toContain('its job is missing from the queue');
    const thread = await eventually(async () => {
      const text = await threadText(h!, id);
      return text.includes('Manual intervention is required') ? text : undefined;
    });
    expect(thread).toContain('<@U0LEAD>');
    expect(starts(log)).toBe(0);
    // A second pass changes nothing and posts nothing more.
    await h.bot.execution.reconcileNow();
    expect(await eventsOf(h, id, 'manual_intervention_required')).toHaveLength(1);
    expect((await threadText(h, id)).match(/\*Manual intervention is required\*/g)).toHaveLength(1);
  });

  it('queues an approved incident that never reached the queue', async () => {
    const log = scratch.log('approved-only');
    const yaml = workerCatalogYaml({
      checkout: { production: { steps: [{ name: 'Undo deployment', log }] } },
    });
    h = await startWorkerHarness(yaml);
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    await waitForState(h, id, ['completed']);
    // Now as if the bot had crashed between approval and enqueue for a second request.
    const other = await h.bot.deps.store.nextId();
    const incident = (await h.bot.deps.store.get(id))!;
    await h.bot.deps.store.create({ ...incident, id: other, state: 'awaiting_approval' }, []);
    await h.bot.deps.store.mutate(other, (current) => ({
      incident: { ...current, state: 'approved' },
      events: [],
      result: undefined,
    }));
    expect(await waitForState(h, other, ['completed'], 5000)).toBe('completed');
    expect(starts(log)).toBe(2);
  });
});
