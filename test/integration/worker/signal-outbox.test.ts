/**
 * Outbound signals leave through an outbox written with the change behind them, so a process that
 * stops right after the change does not lose the signal: the next process delivers it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signatureFor } from '../../../src/adapters/outbound/notify/webhook-notifier.js';
import { IncidentStore } from '../../../src/adapters/outbound/store/incidents.js';
import {
  eventually,
  extraBot,
  FAST_EXECUTION,
  openRequest,
  scratchDir,
  startWorkerHarness,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

const SECRET = 'notify-secret-0123456789';

describe('outbound signals', () => {
  let h: Harness | undefined;
  let server: Server | undefined;
  const scratch = scratchDir();
  afterEach(async () => {
    await h?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    h = server = undefined;
  });
  afterAll(() => scratch.remove());

  it('are delivered by the next process when the one that made the change stopped first', async () => {
    const received: { body: string; signature?: string }[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-signature-256'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/signals`;
    const yaml = workerCatalogYaml({
      checkout: {
        production: {
          steps: [{ name: 'Undo deployment', log: scratch.log('outbox') }],
          notify: `        notify:\n          - url: ${url}\n            secretEnv: CHECKOUT_NOTIFY_SECRET`,
        },
      },
    });
    const execution = { ...FAST_EXECUTION, notifyEnv: { CHECKOUT_NOTIFY_SECRET: SECRET } };
    h = await startWorkerHarness(yaml, { execution });
    await h.bot.stop();
    h.bot = await extraBot(h, yaml, 'web', execution);
    const id = await openRequest(h, 'checkout production --to v2.3.0 bad deploy');
    await h.bot.stop();

    // The change a worker makes as a rollback starts, recorded while no bot runs at all.
    const store = new IncidentStore(h.redis.redis, h.redis.prefix);
    await store.mutate(id, (incident) => ({
      incident: { ...incident, state: 'running' },
      events: [{ type: 'rollback_started', at: new Date().toISOString(), attempt: 1 }],
      result: undefined,
    }));
    await store.close();
    expect(received).toHaveLength(0);

    h.bot = await extraBot(h, yaml, 'web', execution);
    const signals = () => received.map((r) => JSON.parse(r.body) as { signal: string; state: string });
    const [started] = await eventually(() => {
      const found = signals().filter((s) => s.signal === 'ROLLBACK_STARTED');
      return found.length > 0 ? found : undefined;
    });
    // The state right after the change, whatever happened since (here the reconciler found no job
    // behind the running incident and asked for a human, a signal of its own).
    expect(started).toMatchObject({ signal: 'ROLLBACK_STARTED', incidentId: id, state: 'running' });
    for (const delivery of received) expect(delivery.signature).toBe(signatureFor(delivery.body, SECRET));
    await eventually(() =>
      signals().some((s) => s.signal === 'MANUAL_INTERVENTION_REQUIRED') ? true : undefined,
    );
    // Each delivered once: the outbox empties and nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(
      signals()
        .map((s) => s.signal)
        .sort(),
    ).toEqual(['MANUAL_INTERVENTION_REQUIRED', 'ROLLBACK_STARTED']);
  });
});
