/**
 * Least destructive first, through the whole bot: a plan that turns a flag off and rolls the code
 * back offers "turn the flag off" as its own plan with its own Approve; approving it runs only
 * the flag step (against a LaunchDarkly stand-in over HTTP) and never the code step.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { eventually, readLog, scratchDir, startWorkerHarness, type Harness } from '../worker/helpers.js';
import { RECORD_STEP } from '../execution/helpers.js';

describe('alternatives', () => {
  let h: Harness;
  let server: Server;
  const requests: string[] = [];
  let on = true;
  const scratch = scratchDir();
  const log = join(scratch.dir, 'code.jsonl');

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => {
        if (req.method === 'PATCH') on = false;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ key: 'discount_codes', environments: { production: { on } } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    h = await startWorkerHarness(
      `version: 1
defaults: { channel: C0INCIDENTS, approvers: [U0LEAD, U0SECOND], requiredApprovals: 2 }
services:
  checkout:
    environments:
      production:
        rollback:
          - name: Turn the flag off
            flag: { provider: launchdarkly, key: discount_codes, project: default, environment: production, tokenEnv: LD_API_TOKEN, url: "${url}" }
          - name: Roll the code back
            run: ${JSON.stringify([process.execPath, RECORD_STEP, 'code'])}
            env: { STEP_LOG: ${JSON.stringify(log)} }
`,
      { catalogEnv: { LD_API_TOKEN: 'ld-token' } },
    );
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => server.close(resolve));
    scratch.remove();
  });

  it('offers turning the flag off as its own plan, and approving it runs only the flag step', async () => {
    await h.slash('checkout production --to v2.3.0 discount codes broke checkout');
    const id = await eventually(async () => (await h.bot.deps.store.recentIds(1))[0]);
    const incident = await eventually(async () => {
      const found = await h.bot.deps.store.get(id);
      return found?.messageTs ? found : undefined;
    });
    expect(incident.alternatives?.map((a) => a.id)).toEqual(['flag']);
    const card = JSON.stringify(h.slack.message(incident.channel, incident.messageTs!)?.blocks);
    expect(card).toContain(`"value":"${id}:flag"`);
    expect(card).toContain('Less destructive: Turn discount_codes off instead');
    expect(card).toContain('the code stays on');

    await h.click('approve', id, 'U0LEAD', 'flag');
    // The second approver cannot switch the choice to the full plan…
    await h.click('approve', id, 'U0SECOND');
    await eventually(async () =>
      (await h.bot.deps.store.timeline(id)).some((e) => e.type === 'approval_refused') ? true : undefined,
    );
    // …but can approve the same alternative.
    await h.click('approve', id, 'U0SECOND', 'flag');
    const done = await eventually(async () => {
      const current = await h.bot.deps.store.get(id);
      return current?.state === 'completed' ? current : undefined;
    }, 15_000);
    expect(done.choice).toBe('flag');
    expect(done.plan.steps.map((step) => step.name)).toEqual(['Turn the flag off']);
    expect(requests).toEqual([
      'GET /api/v2/flags/default/discount_codes?env=production',
      'PATCH /api/v2/flags/default/discount_codes',
      'GET /api/v2/flags/default/discount_codes?env=production',
    ]);
    expect(readLog(log)).toEqual([]); // the code step never ran
    const note = (await h.bot.deps.store.timeline(id)).find(
      (e) => e.type === 'note' && e.text.startsWith('Approved the alternative'),
    );
    expect(note).toBeDefined();
  });
});
