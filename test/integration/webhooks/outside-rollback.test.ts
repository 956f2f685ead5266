/**
 * A rollback done outside the bot, as CI reports it: `kind: rollback`, or a version older than the
 * one it replaced. The bot records it in a thread of its own, once however often it is redelivered;
 * an ordinary deploy posts nothing.
 */
import { createHmac } from 'node:crypto';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';

const SECRET = 'deploy-secret-0123456789';
let h: Harness;
afterEach(async () => h?.close());

async function deploy(event: Record<string, unknown>) {
  const body = JSON.stringify({ service: 'checkout', environment: 'production', ...event });
  const res = await fetch(`${h.bot.url}/webhooks/deploys`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  expect(res.status).toBe(202);
}

const topLevel = () => h.slack.callsTo('chat.postMessage').filter((call) => !call.args.thread_ts);

describe('rollbacks done outside the bot', () => {
  it('a version older than the running one gets a thread of its own, once', async () => {
    h = await startHarness({}, {}, { DEPLOY_WEBHOOK_SECRET: SECRET });
    await deploy({ version: 'v2.3.0', deployedAt: '2026-12-03T09:00:00Z' });
    await deploy({
      version: 'v2.4.0',
      deployedAt: '2026-12-03T10:00:00Z',
      changes: [{ id: '#482', title: 'Order metadata' }],
    });
    await deploy({ version: 'v2.3.0', deployedAt: '2026-12-03T10:20:00Z' });
    await deploy({ version: 'v2.3.0', deployedAt: '2026-12-03T10:20:00Z' }); // redelivered

    const post = await eventually(() => topLevel()[0]);
    expect(post.args.channel).toBe('C0INCIDENTS');
    expect(post.args.text).toBe(
      'checkout/production was rolled back outside the bot: `v2.4.0` → `v2.3.0` at 2026-12-03 10:20:00 UTC',
    );
    expect(JSON.stringify(post.args.blocks)).toContain('(v2.3.0 is older than v2.4.0, which it replaced)');
    const reply = await eventually(() => h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts));
    expect(reply.args.text).toContain(
      'a `/rollback checkout production` now starts from `v2.3.0`, and `v2.4.0` is the release that was backed out.',
    );
    expect(reply.args.text).toContain('No deploy lock was set');
    // Settled: the redelivery and the ordinary deploys posted nothing more.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(topLevel()).toHaveLength(1);
  });

  it('`kind: rollback` is recorded whatever the versions look like', async () => {
    h = await startHarness({}, {}, { DEPLOY_WEBHOOK_SECRET: SECRET });
    await deploy({
      version: 'main-8f3a2c1',
      previousVersion: 'main-91bd004',
      kind: 'rollback',
      deployedAt: '2026-12-03T11:00:00Z',
    });
    const post = await eventually(() => topLevel()[0]);
    expect(JSON.stringify(post.args.blocks)).toContain('(CI reported it as a rollback)');
  });
});
