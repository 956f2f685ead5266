import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExecaCommandRunner } from '../../../src/adapters/outbound/shell/command-runner.js';
import type { HttpCheckTemplate } from '../../../src/domain/plan.js';
import { runVerification } from '../../../src/flows/verify.js';
import { recorder } from './helpers.js';

describe('runVerification against a local HTTP server', () => {
  let server: Server;
  let base: string;
  let hits = 0;
  let healthyAfter = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      if (req.url === '/healthz') {
        res.writeHead(hits > healthyAfter ? 200 : 503).end(hits > healthyAfter ? 'status: ok' : 'warming up');
      } else if (req.url === '/slow') {
        setTimeout(() => res.writeHead(200).end('late'), 2000);
      } else res.writeHead(200).end('status: degraded');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    hits = 0;
    healthyAfter = 0;
  });

  const check = (over: Partial<HttpCheckTemplate>): HttpCheckTemplate => ({
    name: 'Health',
    kind: 'http',
    url: `${base}/healthz`,
    expectStatus: 200,
    retries: 0,
    intervalMs: 20,
    timeoutMs: 1000,
    ...over,
  });

  function verify(checks: HttpCheckTemplate[], deadline = Date.now() + 10_000) {
    const events = recorder();
    const run = runVerification({
      checks,
      runner: new ExecaCommandRunner(),
      emit: events.emit,
      signal: new AbortController().signal,
      deadline,
    });
    return { run, events };
  }

  it('passes once the service answers as expected, retrying in between', async () => {
    healthyAfter = 2;
    const { run, events } = verify([check({ retries: 3, expectBody: 'ok' })]);
    expect(await run).toEqual({
      passed: true,
      checks: [{ name: 'Health', kind: 'http', passed: true, tries: 3 }],
    });
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'verify_passed', check: 'Health', tries: 3 }),
    ]);
  });

  it('fails after its retries, saying which status it got', async () => {
    healthyAfter = 100;
    const { run, events } = verify([check({ retries: 2 })]);
    const report = await run;
    expect(report).toMatchObject({ passed: false, error: 'Health: expected HTTP 200, got 503' });
    expect(hits).toBe(3);
    expect(events.events[0]).toMatchObject({ type: 'verify_failed', tries: 3 });
  });

  it('fails when the body lacks the expected text', async () => {
    const { run } = verify([check({ url: `${base}/other`, expectBody: 'status: ok' })]);
    expect((await run).error).toBe('Health: HTTP 200 but the body does not contain "status: ok"');
  });

  it('gives up on a slow answer after the check timeout, and on a closed port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { run } = verify([
      check({ name: 'Slow', url: `${base}/slow`, timeoutMs: 200 }),
      check({ name: 'Down', url: `http://127.0.0.1:${closedPort}/healthz` }),
    ]);
    const report = await run;
    expect(report.checks.map((c) => c.error)).toEqual([
      'no answer within 200ms',
      'request failed: ECONNREFUSED',
    ]);
  });

  it('stops retrying when the time budget runs out', async () => {
    healthyAfter = 100;
    const { run } = verify([check({ retries: 50, intervalMs: 100 })], Date.now() + 350);
    const report = await run;
    expect(report.checks[0]?.error).toBe('expected HTTP 200, got 503; time budget exhausted');
    expect(hits).toBeLessThan(6);
  });
});
