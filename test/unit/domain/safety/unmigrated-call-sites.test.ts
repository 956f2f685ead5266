/**
 * A major SDK bump, partly migrated: the files the release did not touch still call the package
 * the old way in the NEW version. The report names them, and the card ties them to the endpoints
 * the metrics show failing when their names match.
 */
import { incidentSafetyBlocks } from '../../../../src/adapters/outbound/slack/blocks/safety-section.js';
import { analyzeRelease } from '../../../../src/domain/safety/analyze-release.js';
import { matchingEndpoints } from '../../../../src/domain/safety/endpoint-match.js';
import type { ReleaseFile } from '../../../../src/domain/safety/types.js';
import { incident } from '../postmortem/fixtures.js';

const pkg = (version: string) => JSON.stringify({ dependencies: { stripe: version } });
const files: ReleaseFile[] = [
  { path: 'package.json', status: 'modified', before: pkg('^14.2.0'), after: pkg('^15.0.0') },
  {
    path: 'src/payments/charge.js',
    status: 'modified',
    before:
      "import Stripe from 'stripe';\nexport const charge = (amount) => stripe.charges.create(amount);\n",
    after:
      "import Stripe from 'stripe';\nexport const charge = (amount) => stripe.paymentIntents.create({ amount });\n",
  },
];
// At the old version, found by searching for the package: untouched by the release.
const untouched = {
  path: 'src/orders/retry.js',
  content:
    "import Stripe from 'stripe';\nconst stripe = new Stripe(process.env.STRIPE_KEY);\n\nexport async function retry(order) {\n  return stripe.charges.create(order.amount);\n}\n",
};

describe('unmigrated call sites of a major bump', () => {
  it('names the untouched files of the new version that still use the package the old way', async () => {
    const report = await analyzeRelease(
      { files },
      { oldSources: [...files.map((f) => ({ path: f.path, content: f.before! })), untouched] },
    );
    expect(report.dependencies[0]?.unmigrated).toEqual([
      { path: 'src/orders/retry.js', line: 5, text: 'return stripe.charges.create(order.amount);' },
    ]);
    const finding = report.files.flatMap((f) => f.findings).find((f) => f.rule === 'major-dependency-bump');
    expect(finding?.message).toContain(
      'The new version still uses it the old way in files this release did not touch: src/orders/retry.js:5 (return stripe.charges.create(order.amount);).',
    );

    const measured = incident({
      evidence: {
        status: 'measured',
        readAt: '2024-05-14T14:02:00Z',
        baselineWindow: { from: '2024-05-14T13:00:00Z', to: '2024-05-14T14:00:00Z' },
        baseline: { errorRatePercent: 0.1, p99Ms: 200 },
        current: { errorRatePercent: 15, p99Ms: 450 },
        blastRadius: {
          label: 'route',
          affected: [
            { endpoint: '/api/orders/:id/retry', nowPercent: 40, baselinePercent: 0.1 },
            { endpoint: '/api/checkout', nowPercent: 22, baselinePercent: 0.1 },
          ],
          fine: ['/api/search'],
        },
      },
      safety: { verdict: 'safe', override: false, configuredApprovals: 1 },
    });
    expect(JSON.stringify(incidentSafetyBlocks(measured, report))).toContain(
      '`src/orders/retry.js` still calls `stripe.charges.create(order.amount)` (stripe ^14.2.0 → ^15.0.0, untouched by the release): matches /api/orders/:id/retry (40%)',
    );
  });

  it.each([
    ['src/orders/retry.js', ['/api/orders', '/api/checkout'], ['/api/orders']],
    ['app/services/order_service.rb', ['/orders/{id}', '/users'], ['/orders/{id}']],
    ['src/lib/api.js', ['/api/orders'], []],
  ])('%s matches %j → %j', (path, endpoints, expected) => {
    expect(matchingEndpoints(path, endpoints)).toEqual(expected);
  });
});
