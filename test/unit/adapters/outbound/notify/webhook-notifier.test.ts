/** Outbound notify webhooks: what reaches the logs must not carry the secret in a target's URL. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  WebhookNotifier,
  type SignalPayload,
} from '../../../../../src/adapters/outbound/notify/webhook-notifier.js';

const SECRET_PATH = '/services/T0TEAM/B0HOOK/s3cr3tWebhookToken';

const payload: SignalPayload = {
  signal: 'ROLLBACK_STARTED',
  incidentId: 'INC-1',
  service: 'checkout',
  environment: 'production',
  state: 'executing',
  at: '2024-05-14T10:00:00.000Z',
  event: {},
};

function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('WebhookNotifier logs', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      res.statusCode = 500;
      res.end('down');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('names a failing target by its origin, never by the secret path or query', async () => {
    const { logger, lines } = capturedLogger();
    const notifier = new WebhookNotifier({ env: {}, logger, attempts: 1 });
    await notifier.deliver([{ url: `${origin}${SECRET_PATH}?token=q5ecret` }], payload);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({
      msg: 'notify target did not take the signal',
      target: origin,
      error: 'HTTP 500',
    });
    expect(lines[0]).not.toContain('s3cr3tWebhookToken');
    expect(lines[0]).not.toContain('q5ecret');
  });

  it('does not print the URL when a target cannot be reached or is not signed', async () => {
    const { logger, lines } = capturedLogger();
    const notifier = new WebhookNotifier({ env: {}, logger, attempts: 1, timeoutMs: 2000 });
    await notifier.deliver(
      [
        { url: `http://127.0.0.1:1${SECRET_PATH}` },
        { url: `${origin}${SECRET_PATH}`, secretEnv: 'NOTIFY_SECRET_UNSET' },
      ],
      payload,
    );
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('s3cr3tWebhookToken');
    expect(lines.map((line) => (JSON.parse(line) as { target: string }).target).sort()).toEqual(
      [origin, 'http://127.0.0.1:1'].sort(),
    );
  });
});
