import { writeFileSync } from 'node:fs';
import { SIGNING_SECRET } from '../../support/bot-harness.js';
import {
  readLog,
  approveRequest,
  cardText,
  eventsOf,
  eventually,
  scratchDir,
  starts,
  startWorkerHarness,
  threadText,
  waitForState,
  workerCatalogYaml,
  type EnvSpec,
  type Harness,
} from './helpers.js';

describe('retries, timeouts and the time budget', () => {
  let h: Harness | undefined;
  const scratch = scratchDir();
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  afterAll(() => scratch.remove());

  async function run(spec: EnvSpec, endStates: Parameters<typeof waitForState>[2]) {
    h = await startWorkerHarness(workerCatalogYaml({ checkout: { production: spec } }));
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    const state = await waitForState(h, id, endStates, 15_000);
    return { h, id, state };
  }

  it('retries a failed step after the backoff and completes, running earlier steps once', async () => {
    const first = scratch.log('retry-first');
    const flaky = scratch.log('retry-flaky');
    const { h, id, state } = await run(
      {
        maxAttempts: 3,
        retryDelay: '100ms',
        steps: [
          { name: 'Scale down', log: first },
          { name: 'Undo deployment', log: flaky, env: { STEP_FAIL_TIMES: '1' }, idempotent: true },
        ],
      },
      ['completed', 'failed'],
    );
    expect(state).toBe('completed');
    expect(starts(first)).toBe(1);
    expect(starts(flaky)).toBe(2);
    const [retry] = await eventsOf(h, id, 'retry_scheduled');
    expect(retry).toMatchObject({ attempt: 2, delayMs: 100, error: 'exited with code 1' });
    const started = await eventsOf(h, id, 'rollback_started');
    expect(started.map((e) => e.attempt)).toEqual([1, 2]);
    // The second attempt began no sooner than the configured delay after the retry was scheduled.
    expect(Date.parse(started[1]!.at) - Date.parse(retry!.at)).toBeGreaterThanOrEqual(90);
    expect((await eventsOf(h, id, 'step_skipped')).map((e) => e.name)).toEqual(['Scale down']);
  });

  it('escalates to the approvers after the last attempt and marks the card failed', async () => {
    const log = scratch.log('exhausted');
    const printed = `${log}.print`;
    writeFileSync(printed, `signing secret is ${SIGNING_SECRET}`);
    const { h, id, state } = await run(
      {
        maxAttempts: 2,
        retryDelay: '50ms',
        steps: [
          {
            name: 'Undo deployment',
            log,
            // A step that prints one of the bot's own secrets: it must never reach Slack or Redis.
            env: { STEP_EXIT: '3' },
            printFile: printed,
            idempotent: true,
          },
        ],
      },
      ['failed'],
    );
    expect(state).toBe('failed');
    expect(starts(log)).toBe(2);
    const [failed] = await eventsOf(h, id, 'rollback_failed');
    expect(failed?.attempts).toBe(2);
    expect(failed?.error).toContain('exited with code 3');
    const thread = await eventually(async () => {
      const text = await threadText(h, id);
      return text.includes('Postmortem agenda') ? text : undefined;
    });
    expect(thread).toContain('Manual intervention is required');
    expect(thread).toContain('<@U0LEAD>');
    expect(thread).toContain('<@U0SECOND>');
    expect(thread).toContain('Attempt 1');
    expect(thread).toContain('Attempt 2');
    expect(thread).toContain('exited with code 3');
    expect(await cardText(h, id)).toContain('Rollback failed');
    const [stepFailed] = await eventsOf(h, id, 'step_failed');
    expect(stepFailed?.outputTail).toContain('signing secret is [REDACTED]');
    const everything = JSON.stringify(await h.bot.deps.store.timeline(id)) + thread;
    expect(everything).not.toContain(SIGNING_SECRET);
    expect(JSON.stringify(h.slack.uploads())).not.toContain(SIGNING_SECRET);
    // Exactly one escalation, however many attempts.
    expect(thread.match(/\*Manual intervention is required\*/g)).toHaveLength(1);
    // The failing step's own last words, redacted, where a responder looks: the escalation, the
    // progress message and /rollback status.
    const incident = (await h.bot.deps.store.get(id))!;
    const replies = h.slack.threadReplies(incident.channel, incident.messageTs!);
    const escalation = JSON.stringify(
      replies.find((m) => m.text?.includes('Manual intervention is required'))?.blocks,
    );
    const progress = JSON.stringify(h.slack.message(incident.channel, incident.progressTs!)?.blocks);
    await h.slash(`status ${id}`);
    const status = await eventually(() =>
      h.slack.callsTo('response_url').find((c) => String(c.args.text).includes('Undo deployment: ✗ failed')),
    );
    for (const shown of [escalation, progress, String(status.args.text)]) {
      expect(shown).toMatch(/```[^`]*step failing with exit code 3[^`]*```/);
      expect(shown).toContain('signing secret is [REDACTED]');
      expect(shown).not.toContain(SIGNING_SECRET);
    }
  });

  it('does not retry a step whose executable is missing', async () => {
    const log = scratch.log('missing');
    h = await startWorkerHarness(
      workerCatalogYaml({
        checkout: { production: { maxAttempts: 3, steps: [{ name: 'Undo deployment', log }] } },
      }).replace(JSON.stringify(process.execPath), '"/nonexistent/kubectl"'),
    );
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    expect(await waitForState(h, id, ['failed'])).toBe('failed');
    expect(await eventsOf(h, id, 'rollback_started')).toHaveLength(1);
    expect(await eventsOf(h, id, 'retry_scheduled')).toHaveLength(0);
    const [failed] = await eventsOf(h, id, 'rollback_failed');
    expect(failed?.error).toContain('"/nonexistent/kubectl" not found');
  });

  it('kills a step at its timeout; a non-idempotent one is never re-run', async () => {
    const log = scratch.log('timeout');
    const { h, id, state } = await run(
      {
        maxAttempts: 3,
        steps: [{ name: 'Migrate', log, env: { STEP_SLEEP_MS: '5000' }, timeout: '300ms' }],
      },
      ['manual_intervention', 'failed', 'completed'],
    );
    expect(state).toBe('manual_intervention');
    // Started once and never again. Under load the child can be killed at 300 ms before it has
    // written its own start line, so the bot's record is the count; the log may only agree.
    expect(await eventsOf(h, id, 'step_started')).toHaveLength(1);
    expect(starts(log)).toBeLessThanOrEqual(1);
    expect(await eventsOf(h, id, 'retry_scheduled')).toHaveLength(0);
    const [manual] = await eventsOf(h, id, 'manual_intervention_required');
    expect(manual?.stepId).toBe('s1');
    expect(manual?.why).toMatch(/timed out after 300ms/);
    // The escalation is posted just after the ending is recorded.
    await eventually(async () =>
      (await threadText(h, id)).includes('Manual intervention is required') ? true : undefined,
    );
  });

  it('fails the rollback when its time budget runs out, without another attempt', async () => {
    const log = scratch.log('budget');
    const { h, id, state } = await run(
      {
        maxAttempts: 3,
        timeBudget: '600ms',
        steps: [{ name: 'Undo deployment', log, env: { STEP_SLEEP_MS: '5000' }, idempotent: true }],
      },
      ['failed', 'completed', 'manual_intervention'],
    );
    expect(state).toBe('failed');
    // Killed when the budget ran out, not left to sleep its 5 s. Under load the child may be
    // killed before it wrote its start line; either way it never reached its end.
    expect(await eventsOf(h, id, 'step_started')).toHaveLength(1);
    expect(readLog(log).map((e) => e.event)).not.toContain('end');
    expect(await eventsOf(h, id, 'retry_scheduled')).toHaveLength(0);
    const [failed] = await eventsOf(h, id, 'rollback_failed');
    expect(failed?.error).toMatch(/time budget/);
  });
});
