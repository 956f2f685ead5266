/**
 * Parts of the write-up that failed are tried again by the next write-up (a re-delivered job):
 * the deploy lock after a completed rollback, the escalation, the postmortem message and file.
 * Each is still posted or set only once.
 */
import { jobIdFor } from '../../../src/adapters/outbound/queue/rollback-queues.js';
import { LockStore } from '../../../src/adapters/outbound/store/locks.js';
import { runRollback } from '../../../src/flows/run-rollback.js';
import {
  approveRequest,
  eventsOf,
  eventually,
  scratchDir,
  startWorkerHarness,
  threadText,
  waitForState,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

describe('write-up parts that failed are retried by the next write-up', () => {
  let h: Harness | undefined;
  const scratch = scratchDir();
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  afterAll(() => scratch.remove());

  /** What a re-delivery of the (already ended) rollback job does. */
  async function redeliver(id: string): Promise<void> {
    const verdict = await runRollback(h!.bot.execution.deps, {
      incidentId: id,
      jobId: `rollback-${id}`,
      queue: 'rollback-production',
      attempt: 2,
      maxAttempts: 1,
      signal: new AbortController().signal,
      stopping: new AbortController().signal,
      holdsJob: () => Promise.resolve(true),
    });
    expect(verdict).toEqual({ kind: 'done' });
  }

  async function jobSettled(id: string): Promise<void> {
    const queue = await h!.bot.queues.queueFor('production');
    await eventually(async () => {
      const state = await (await queue.getJob(jobIdFor(id)))?.getState();
      return state === 'completed' || state === 'failed' ? state : undefined;
    });
  }

  it('sets the deploy lock on a later write-up when setting it failed, and only once', async () => {
    h = await startWorkerHarness(
      workerCatalogYaml({
        checkout: { production: { steps: [{ name: 'Undo deployment', log: scratch.log('lock') }] } },
      }),
    );
    const locks = h.bot.execution.deps.locks!;
    const lock = locks.lock.bind(locks);
    let failures = 0;
    locks.lock = (...args) => {
      if (failures++ === 0) return Promise.reject(new Error('Redis went away'));
      return lock(...args);
    };
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    expect(await waitForState(h, id, ['completed', 'failed', 'manual_intervention'])).toBe('completed');
    await jobSettled(id);
    expect(failures).toBe(1);
    expect((await fetch(`${h.bot.url}/locks/checkout/production`)).status).toBe(200);

    await redeliver(id);
    const answer = await fetch(`${h.bot.url}/locks/checkout/production`);
    expect(answer.status).toBe(423);
    expect(await answer.json()).toMatchObject({ locked: true, incidentId: id });
    const lockNotes = async () =>
      (await eventsOf(h!, id, 'note')).filter((note) => note.text.includes('are locked'));
    expect(await lockNotes()).toHaveLength(1);

    // Once set, a later write-up never locks again (not even after someone unlocked).
    await new LockStore(h.redis.redis, h.redis.prefix).unlock('checkout', 'production', 'U0LEAD');
    await redeliver(id);
    expect((await fetch(`${h.bot.url}/locks/checkout/production`)).status).toBe(200);
    expect(await lockNotes()).toHaveLength(1);
    expect(failures).toBe(2);
  });

  it('posts the escalation and the postmortem on a later write-up when Slack failed, and only once', async () => {
    h = await startWorkerHarness(
      workerCatalogYaml({
        checkout: {
          production: {
            steps: [{ name: 'Undo deployment', log: scratch.log('fail'), env: { STEP_EXIT: '1' } }],
          },
        },
      }),
    );
    const slack = h.slack;
    // Slack answers the escalation and the postmortem message with an error, the first time.
    const chat = h.bot.deps.slack.chat;
    const post = chat.postMessage.bind(chat);
    const failed = new Set<string>();
    chat.postMessage = ((args: Parameters<typeof post>[0]) => {
      const text = JSON.stringify(args);
      for (const part of ['Manual intervention is required', 'Postmortem agenda']) {
        if (text.includes(part) && !failed.has(part)) {
          failed.add(part);
          slack.failNext('chat.postMessage', { error: 'internal_error' });
        }
      }
      return post(args);
    }) as typeof chat.postMessage;
    slack.failNext('files.getUploadURLExternal', { error: 'internal_error' });

    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    expect(await waitForState(h, id, ['completed', 'failed', 'manual_intervention'])).toBe('failed');
    await jobSettled(id);
    expect([...failed].sort()).toEqual(['Manual intervention is required', 'Postmortem agenda']);
    const errors = slack.calls.filter((c) => c.error === 'internal_error').map((c) => c.method);
    expect(errors.sort()).toEqual(['chat.postMessage', 'chat.postMessage', 'files.getUploadURLExternal']);
    let thread = await threadText(h, id);
    expect(thread).not.toContain('Manual intervention is required');
    expect(thread).not.toContain('Postmortem agenda');
    expect(slack.uploads()).toHaveLength(0);

    await redeliver(id);
    await redeliver(id);
    thread = await threadText(h, id);
    expect(thread.match(/\*Manual intervention is required\*/g)).toHaveLength(1);
    expect(thread.match(/\*Postmortem agenda/g)).toHaveLength(1);
    expect(slack.uploads().map((u) => u.filename)).toEqual([`${id}-postmortem.md`]);
  });

  it('the reconciler finishes a write-up Slack refused, without any re-delivery', async () => {
    let offsetMs = 0;
    h = await startWorkerHarness(
      workerCatalogYaml({
        checkout: {
          production: {
            steps: [{ name: 'Undo deployment', log: scratch.log('owed'), env: { STEP_EXIT: '1' } }],
          },
        },
      }),
      { now: () => new Date(Date.now() + offsetMs) },
    );
    h.slack.failNext('files.getUploadURLExternal', { error: 'internal_error' });
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    expect(await waitForState(h, id, ['completed', 'failed', 'manual_intervention'])).toBe('failed');
    await jobSettled(id);
    expect(h.slack.uploads()).toHaveLength(0);
    expect(await h.bot.deps.store.writeUpsOwed()).toEqual([id]);

    // Within its grace the reconciler leaves the write-up to the worker; after it, it helps.
    await h.bot.execution.reconcileNow();
    expect(h.slack.uploads()).toHaveLength(0);
    offsetMs = 60_000;
    await h.bot.execution.reconcileNow();
    expect(h.slack.uploads().map((u) => u.filename)).toEqual([`${id}-postmortem.md`]);
    expect(await h.bot.deps.store.writeUpsOwed()).toEqual([]);
    expect((await threadText(h, id)).match(/\*Postmortem agenda/g)).toHaveLength(1);
  });
});
