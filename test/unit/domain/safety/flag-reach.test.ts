/**
 * What a flag really gates: checked only in frontend code while the release changes backend code
 * that never checks it, turning it off will not stop server-side errors, and the report says so
 * instead of recommending it.
 */
import { analyzeRelease } from '../../../../src/domain/safety/analyze-release.js';
import { sideOf } from '../../../../src/domain/safety/flag-reach.js';
import type { ReleaseFile } from '../../../../src/domain/safety/types.js';

const modified = (path: string, before: string, after: string): ReleaseFile => ({
  path,
  status: 'modified',
  before,
  after,
});

const frontendFlag = modified(
  'web/src/Checkout.tsx',
  'export const Checkout = () => <Form />;\n',
  "export const Checkout = () => (ld.variation('discount-codes', ctx, false) ? <DiscountForm /> : <Form />);\n",
);
const backendChange = modified(
  'src/orders/charge.js',
  'export const charge = (amount) => gateway.charge(amount);\n',
  'export const charge = (amount, currency) => gateway.charge({ amount, currency });\n',
);

describe('what a flag gates', () => {
  it.each([
    ['web/src/Checkout.tsx', 'frontend'],
    ['frontend/app.js', 'frontend'],
    ['src/components/Cart.vue', 'frontend'],
    ['src/orders/charge.js', 'backend'],
    ['cmd/server/main.go', 'backend'],
    ['src/orders/charge.test.js', undefined],
    ['README.md', undefined],
  ])('%s runs on the %s side', (path, side) => {
    expect(sideOf(path)).toBe(side);
  });

  it('a frontend-only flag beside unguarded backend changes is not offered as the way out', async () => {
    const report = await analyzeRelease({ files: [frontendFlag, backendChange] });
    expect(report.flags[0]).toMatchObject({
      key: 'discount-codes',
      frontendOnly: { checkedIn: ['web/src/Checkout.tsx'], unguardedBackend: ['src/orders/charge.js'] },
    });
    const finding = report.files
      .flatMap((file) => file.findings)
      .find((f) => f.rule === 'flag-frontend-only');
    expect(finding?.message).toBe(
      'Feature flag "discount-codes" is checked only in frontend code (web/src/Checkout.tsx), while the release changes backend code that runs whatever the flag says (src/orders/charge.js): turning it off will not stop server-side errors.',
    );
    expect(report.alternatives.join('\n')).not.toContain('discount-codes');
  });

  it('a flag the backend checks too is still the least destructive way out', async () => {
    const guarded = modified(
      'src/orders/charge.js',
      backendChange.before!,
      "export const charge = (amount, currency) => ld.variation('discount-codes', ctx, false) ? gateway.charge({ amount, currency }) : gateway.charge(amount);\n",
    );
    const report = await analyzeRelease({ files: [frontendFlag, guarded] });
    expect(report.flags[0]?.frontendOnly).toBeUndefined();
    expect(report.alternatives).toContain('Turn off feature flag "discount-codes" instead of rolling back.');
  });
});
