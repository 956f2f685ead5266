import { parseSelector, promqlError, renderSelector } from '../../../../src/domain/evidence/promql.js';

describe('PromQL from the catalog', () => {
  it('reads label matchers with every operator and writes them back quoted', () => {
    const parsed = parseSelector(`service="checkout", env=~'prod.*', route!="/healthz", code!~"2.."`);
    expect(parsed).toEqual({
      matchers: [
        { name: 'service', op: '=', value: 'checkout' },
        { name: 'env', op: '=~', value: 'prod.*' },
        { name: 'route', op: '!=', value: '/healthz' },
        { name: 'code', op: '!~', value: '2..' },
      ],
    });
    if ('error' in parsed) throw new Error(parsed.error);
    expect(renderSelector(parsed.matchers)).toBe(
      'service="checkout",env=~"prod.*",route!="/healthz",code!~"2.."',
    );
  });

  it('says where a query stops being PromQL', () => {
    expect(promqlError('sum(rate(x[1m])')).toMatch(/^not valid PromQL at character \d+ \(near "/);
    expect(promqlError('histogram_quantile(0.99, sum by (le) (rate(b[1m])))')).toBeUndefined();
    expect(promqlError('  ')).toBe('the query is empty');
  });

  it('refuses a selector that is not matchers', () => {
    expect(parseSelector('service')).toHaveProperty('error');
    expect(parseSelector('')).toEqual({
      error: 'expected at least one label matcher, e.g. service="checkout"',
    });
  });
});
