import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signatureFor } from '../../../src/adapters/outbound/notify/webhook-notifier.js';
import {
  approveRequest,
  cardText,
  eventsOf,
  eventually,
  FAST_EXECUTION,
  readLog,
  scratchDir,
  startWorkerHarness,
  threadText,
  timelineTypes,
  waitForState,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

const SECRET = 'notify-secret-0123456789';

/** A receiver for outbound signals: records each body with its signature header. */
async function signalReceiver(): Promise<{
  url: string;
  received: { body: string; signature?: string }[];
  close(): Promise<void>;
}> {
  const received: { body: string; signature?: string }[] = [];
  let failFirst = true;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      // The first delivery fails, so the notifier's retry is part of what is tested.
      if (failFirst) {
        failFirst = false;
        res.writeHead(503).end();
        return;
      }
      received.push({ body, signature: req.headers['x-signature-256'] as string | undefined });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/signals`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('an approved rollback runs to completion', () => {
  let h: Harness;
  const scratch = scratchDir();
  afterEach(async () => h?.close());
  afterAll(() => scratch.remove());

  it('runs the steps in order, updates card, progress and timeline, and writes up the postmortem', async () => {
    const log = scratch.log('complete');
    const receiver = await signalReceiver();
    const yaml = workerCatalogYaml({
      checkout: {
        production: {
          steps: [
            {
              name: 'Undo deployment',
              log,
              env: { STEP_SLEEP_MS: '700' },
              print: 'rolled back to v2.3.0',
            },
            { name: 'Wait for rollout', log },
          ],
          verify: `        verify:\n          - name: Smoke\n            run: ${JSON.stringify([process.execPath, '-e', 'process.exit(0)'])}`,
          notify: `        notify:\n          - url: ${receiver.url}\n            secretEnv: CHECKOUT_NOTIFY_SECRET`,
        },
      },
    });
    h = await startWorkerHarness(yaml, {
      execution: { ...FAST_EXECUTION, notifyEnv: { CHECKOUT_NOTIFY_SECRET: SECRET } },
    });
    h.slack.setUser('U0LEAD', { name: 'dana', real_name: 'Dana Lee' });
    const id = await approveRequest(h, 'checkout production --to v2.3.0 errors after deploy');

    // Live progress while the first step runs: /rollback status and the progress message.
    await eventually(() => (readLog(log).length > 0 ? true : undefined));
    await h.slash(`status ${id}`);
    const status = await eventually(() =>
      h.slack.callsTo('response_url').find((c) => String(c.args.text).includes('running (attempt 1)')),
    );
    expect(String(status.args.text)).toContain('Undo deployment');
    await eventually(async () => ((await threadText(h, id)).includes('…') ? true : undefined));

    await waitForState(h, id, ['completed']);
    const entries = readLog(log);
    expect(entries.map((e) => `${e.event}:${e.argv[0]}`)).toEqual([
      'start:Undo deployment',
      'end:Undo deployment',
      'start:Wait for rollout',
      'end:Wait for rollout',
    ]);
    expect(await timelineTypes(h, id)).toEqual(
      expect.arrayContaining([
        'queued',
        'rollback_started',
        'step_succeeded',
        'verify_passed',
        'rollback_complete',
      ]),
    );
    expect(await eventsOf(h, id, 'rollback_started')).toHaveLength(1);

    const card = await eventually(async () => {
      const text = await cardText(h, id);
      return text.includes('Rolled back') ? text : undefined;
    });
    expect(card).toContain(id);

    // Postmortem: posted in the thread and uploaded as Markdown, with the real facts.
    const upload = await eventually(() =>
      // Complete once files.completeUploadExternal has shared it into the thread.
      h.slack.uploads().find((u) => u.filename === `${id}-postmortem.md` && u.thread_ts),
    );
    const incident = await h.bot.deps.store.get(id);
    expect(upload.thread_ts).toBe(incident?.messageTs);
    expect(upload.channel_id).toBe('C0INCIDENTS');
    expect(upload.content).toContain(id);
    expect(upload.content).toContain('Undo deployment');
    expect(upload.content).toContain('Wait for rollout');
    expect(upload.content).toContain('errors after deploy');
    // People by name (users.info), where Slack knows them.
    expect(upload.content).toContain('Dana Lee approved it');
    expect(upload.content).toContain('| Dana Lee | U0LEAD | Approved |');
    const thread = await threadText(h, id);
    expect(thread).toContain(`Postmortem agenda · ${id}`);
    expect(thread).toMatch(/✓[^"]*Undo deployment|Undo deployment[^"]*✓/);
    expect(thread).toContain('ROLLBACK_COMPLETE');
    expect(thread).not.toContain('Manual intervention is required');

    // Signals: counted, and sent signed (after one failed delivery) to the notify target.
    const metrics = await (await fetch(`${h.bot.url}/metrics`)).text();
    expect(metrics).toMatch(
      /rollback_bot_rollback_signals_total\{signal="ROLLBACK_STARTED",environment="production"\} 1/,
    );
    expect(metrics).toMatch(
      /rollback_bot_rollback_signals_total\{signal="ROLLBACK_COMPLETE",environment="production"\} 1/,
    );
    await eventually(() => (receiver.received.length >= 2 ? true : undefined), 8000);
    const signals = receiver.received.map(
      (r) => JSON.parse(r.body) as { signal: string; incidentId: string },
    );
    expect(signals.map((s) => s.signal).sort()).toEqual(['ROLLBACK_COMPLETE', 'ROLLBACK_STARTED']);
    for (const r of receiver.received) expect(r.signature).toBe(signatureFor(r.body, SECRET));
    expect(signals.every((s) => s.incidentId === id)).toBe(true);
    await receiver.close();
  });
});
