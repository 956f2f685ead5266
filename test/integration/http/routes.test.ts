import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';

const run = promisify(execFile);

describe('the HTTP routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('answers health, readiness and metrics', async () => {
    expect((await fetch(`${h.bot.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.bot.url}/readyz`);
    expect(ready.status).toBe(200);
    await h.slash('checkout production --to v2.3.0 metrics please');
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${h.bot.url}/metrics`)).text();
      return text.includes('rollback_bot_incidents{') ? text : undefined;
    });
    expect(metrics).toMatch(
      /rollback_bot_http_requests_total\{route="\/slack\/events",method="POST",status="200"\} 1/,
    );
    expect(metrics).toContain('rollback_bot_incidents{state="awaiting_approval"} 1');
    expect(metrics).toContain('rollback_bot_queue_depth');
  });

  it('says not ready when Redis is unreachable', async () => {
    h.bot.redis.disconnect();
    const ready = await fetch(`${h.bot.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ok: false, problems: ['Redis is not reachable'] });
    await h.bot.redis.connect();
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const answer = await fetch(`${h.bot.url}/slack/events`, {
      method: 'POST',
      body: big,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(answer.status).toBe(413);
  });

  it('refuses a chunked body over 1 MiB that declares no length', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const answer = await fetch(`${h.bot.url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(413);
  });
});

describe('start-up', () => {
  it('stops with one line naming a missing variable', async () => {
    const failure = await run(process.execPath, ['--import', './scripts/ts-register.js', 'src/main.ts'], {
      env: { PATH: process.env.PATH, SLACK_SIGNING_SECRET: 'x' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failure && failure.code).toBe(1);
    expect((failure as { stderr: string }).stderr.trim()).toBe(
      'rollback-bot: configuration error: SLACK_BOT_TOKEN: is required',
    );
  });

  it('stops with the YAML path of a catalog error', async () => {
    const failure = await run(process.execPath, ['--import', './scripts/ts-register.js', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'secret-secret',
        ROLLBACK_CATALOG: 'test/fixtures/catalogs/many-errors.yaml',
      },
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failure && failure.code).toBe(1);
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toMatch(
      /^rollback-bot: catalog error: \d+ problem\(s\) in test\/fixtures\/catalogs\/many-errors.yaml\n/,
    );
    expect(stderr).toContain(
      '\n  services.checkout.environments.production.rollback[0].run: expected a list of strings\n',
    );
  });
});
