/**
 * What goes over the wire to Prometheus (or the authenticating proxy in front of it, which is what
 * checks a bearer token: Prometheus itself does not). Query answers are proven against the real
 * Prometheus in test/integration/evidence.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusSource } from '../../../../../src/adapters/outbound/prometheus/prometheus-source.js';
import { MetricsUnavailableError } from '../../../../../src/flows/ports/metrics-source.js';

describe('the Prometheus metrics source', () => {
  let server: Server;
  let url: string;
  let seen: { headers: IncomingMessage['headers']; body: string; path: string }[];
  let answer: { status: number; body: string };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body, path: req.url ?? '' });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    seen = [];
    answer = {
      status: 200,
      body: JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000, '0.25'] }] },
      }),
    };
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('posts the query form-encoded with the bearer token from the named variable', async () => {
    const source = new PrometheusSource({ env: { PROM_TOKEN: 's3cret' } });
    const value = await source.instant(
      { prometheus: url, bearerTokenEnv: 'PROM_TOKEN' },
      'sum(rate(x{a="b"}[1m]))',
      new Date(1_700_000_000_000),
    );
    expect(value).toEqual([{ labels: {}, value: 0.25 }]);
    expect(seen[0]?.path).toBe('/api/v1/query');
    expect(seen[0]?.headers.authorization).toBe('Bearer s3cret');
    expect(new URLSearchParams(seen[0]?.body).get('query')).toBe('sum(rate(x{a="b"}[1m]))');
    expect(new URLSearchParams(seen[0]?.body).get('time')).toBe('1700000000.000');
  });

  it('refuses to ask without the token it was told to send, naming the variable', async () => {
    const source = new PrometheusSource({ env: {} });
    await expect(
      source.instant({ prometheus: url, bearerTokenEnv: 'PROM_TOKEN' }, 'up', new Date()),
    ).rejects.toThrow(new MetricsUnavailableError('PROM_TOKEN (the Prometheus token) is not set'));
    expect(seen).toHaveLength(0);
  });

  it('reports an HTTP error and an answer of the wrong shape as unavailable, never as a number', async () => {
    const source = new PrometheusSource({ env: {} });
    answer = { status: 503, body: 'Service Unavailable' };
    await expect(source.instant({ prometheus: url }, 'up', new Date())).rejects.toThrow(
      'Prometheus answered HTTP 503',
    );
    answer = {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '1'] } }),
    };
    await expect(source.instant({ prometheus: url }, 'up', new Date())).rejects.toThrow(
      'Prometheus gave an answer that is not a vector result',
    );
  });
});
