import { CatalogError, findEnvironment, parseCatalog } from '../../../src/catalog/load.js';

function catalog(metrics: string, verify = ''): string {
  return `version: 1
defaults:
  channel: C0INCIDENTS
  rollback: [{ name: Undo, run: [kubectl, rollout, undo, deployment/checkout] }]
services:
  checkout:
    environments:
      production:
${metrics.replace(/^/gm, '        ')}
${verify.replace(/^/gm, '        ')}
`;
}

function errorsOf(text: string): string[] {
  try {
    parseCatalog(text, '/etc/rollback/catalog.yaml');
  } catch (err) {
    if (err instanceof CatalogError) return err.errors.map((e) => `${e.path}: ${e.message}`);
    throw err;
  }
  throw new Error('expected the catalog to be refused');
}

const base = `metrics:
  prometheus: "http://prometheus:9090/"
  selector: 'service="checkout",env="production"'
  endpointLabel: route`;

describe('the metrics section of the catalog', () => {
  it('builds the contract default queries from the selector, with the baseline defaulting to 1h', () => {
    const env = findEnvironment(parseCatalog(catalog(base), 'inline'), 'checkout', 'production');
    expect(env?.metrics).toEqual({
      prometheus: 'http://prometheus:9090',
      endpointLabel: 'route',
      baselineMs: 3_600_000,
      queries: {
        errorRate:
          'sum(rate(http_requests_total{service="checkout",env="production",status=~"5.."}[1m])) / sum(rate(http_requests_total{service="checkout",env="production"}[1m]))',
        latencyP99:
          'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout",env="production"}[1m])))',
        throughput: 'sum(rate(http_requests_total{service="checkout",env="production"}[1m]))',
        errorRateByEndpoint:
          'sum by (route) (rate(http_requests_total{service="checkout",env="production",status=~"5.."}[1m])) / sum by (route) (rate(http_requests_total{service="checkout",env="production"}[1m]))',
      },
    });
  });

  it('re-quotes selector values, so a quote in a value cannot break out of its string', () => {
    const text = catalog(`metrics:
  prometheus: "http://prometheus:9090"
  selector: "service='a\\"} or vector(1) #'"`);
    const env = findEnvironment(parseCatalog(text, 'inline'), 'checkout', 'production');
    expect(env?.metrics?.queries.throughput).toBe(
      'sum(rate(http_requests_total{service="a\\"} or vector(1) #"}[1m]))',
    );
  });

  it('names the YAML path of a query that is not PromQL', () => {
    expect(
      errorsOf(
        catalog(`${base}
  errorRate: 'sum(rate(http_requests_total{{selector}}[1m])'`),
      ),
    ).toEqual([
      expect.stringMatching(
        /^services\.checkout\.environments\.production\.metrics\.errorRate: not valid PromQL at character \d+/,
      ),
    ]);
  });

  it('refuses a selector that is not label matchers, and a bad endpoint label', () => {
    const errors = errorsOf(
      catalog(`metrics:
  prometheus: "http://prometheus:9090"
  selector: 'service checkout'
  endpointLabel: "the route"`),
    );
    expect(errors).toEqual([
      expect.stringMatching(/metrics\.selector: expected label matchers such as service="checkout"/),
      'services.checkout.environments.production.metrics.endpointLabel: expected a Prometheus label name such as route',
    ]);
  });

  it('refuses an override that uses {endpointLabel} without one', () => {
    expect(
      errorsOf(
        catalog(`metrics:
  prometheus: "http://prometheus:9090"
  selector: 'service="checkout"'
  errorRateByEndpoint: 'sum by ({endpointLabel}) (rate(x{{selector}}[1m]))'`),
      ),
    ).toEqual([
      'services.checkout.environments.production.metrics.errorRateByEndpoint: uses {endpointLabel}, but endpointLabel is not set',
    ]);
  });

  it('resolves a metrics verify check with the contract defaults (10m, 1.5×) and the source frozen in', () => {
    const text = catalog(base, `verify:\n  - name: Back to baseline\n    metrics: {}`);
    const env = findEnvironment(parseCatalog(text, 'inline'), 'checkout', 'production');
    expect(env?.verify[0]).toMatchObject({
      kind: 'metrics',
      name: 'Back to baseline',
      watchMs: 600_000,
      tolerance: 1.5,
      intervalMs: 60_000,
      metrics: { prometheus: 'http://prometheus:9090' },
    });
  });

  it('refuses a metrics verify check in an environment without a metrics source', () => {
    expect(
      errorsOf(catalog('maxAttempts: 2', `verify:\n  - name: Back\n    metrics: { watch: 5m }`)),
    ).toEqual([
      expect.stringMatching(
        /^services\.checkout\.environments\.production\.verify\[0\]\.metrics: needs a metrics source/,
      ),
    ]);
    expect(errorsOf(catalog(base, `verify:\n  - name: Back\n    metrics: { tolerance: 0.5 }`))).toEqual([
      'services.checkout.environments.production.verify[0].metrics.tolerance: expected a factor of 1 or more, such as 1.5',
    ]);
  });
});
