/** Feature flags the release introduced and environment variables only one version reads. */
import { diffEnvironmentReads } from '../../../../src/domain/safety/config.js';
import {
  compileFlagPatterns,
  FlagPatternError,
  findIntroducedFlags,
} from '../../../../src/domain/safety/flags.js';
import type { ReleaseFile } from '../../../../src/domain/safety/types.js';

const modified = (path: string, before: string, after: string): ReleaseFile => ({
  path,
  status: 'modified',
  before,
  after,
});

describe('introduced feature flags', () => {
  it.each([
    ['launchdarkly', "if (await ld.variation('new-checkout', ctx, false)) {"],
    ['launchdarkly', 'enabled, _ := client.BoolVariation("new-checkout", ctx, false)'],
    ['unleash', "if (unleash.isEnabled('new-checkout')) {"],
    ['openfeature', "const on = await client.getBooleanValue('new-checkout', false);"],
    ['flipper', 'if Flipper.enabled?(:new_checkout, user)'],
    ['growthbook', "if (gb.isOn('new-checkout')) {"],
  ])('%s: %s', (sdk, line) => {
    const flags = findIntroducedFlags([
      modified('src/checkout.ts', 'const a = 1;\n', `const a = 1;\n${line}\n`),
    ]);
    expect(flags).toEqual([
      { key: expect.stringMatching(/new.checkout/), sdk, path: 'src/checkout.ts', line: 2 },
    ]);
  });

  it('ignores flags the old version already used, even in another file', () => {
    const files = [
      modified('src/a.ts', "ld.variation('old-flag', c, false)\n", "ld.variation('old-flag', c, false)\n"),
      modified(
        'src/b.ts',
        '',
        "if (ld.variation('old-flag', c, false)) {}\nunleash.isEnabled('brand-new')\n",
      ),
    ];
    expect(findIntroducedFlags(files).map((flag) => flag.key)).toEqual(['brand-new']);
  });

  it('accepts extra patterns from the catalog and refuses bad ones by name', () => {
    const extra = compileFlagPatterns(['flags\\.get\\("(?<key>[\\w-]+)"\\)']);
    const files = [{ path: 'x.py', status: 'added' as const, after: 'if flags.get("beta-search"):\n' }];
    expect(findIntroducedFlags(files, extra)).toEqual([
      { key: 'beta-search', sdk: 'custom', path: 'x.py', line: 1 },
    ]);
    expect(() => compileFlagPatterns(['ok\\(([a-z]+)\\)', 'broken('])).toThrow(FlagPatternError);
    expect(() => compileFlagPatterns(['broken('])).toThrow(
      /flag pattern 1 \(broken\(\) is not a valid regular expression/,
    );
    expect(() => compileFlagPatterns(['flags\\.get'])).toThrow(/needs a capture group/);
  });
});

describe('environment variables', () => {
  it('reports variables only the new version reads, and only the old one reads', () => {
    const changes = diffEnvironmentReads([
      modified(
        'src/db.ts',
        'const url = process.env.DATABASE_URL;\nconst x = process.env["LEGACY_MODE"];',
        'const url = process.env.DATABASE_URL;\nconst pool = Number(process.env.DB_POOL_SIZE);',
      ),
      { path: 'cmd/main.go', status: 'added', after: 'key := os.Getenv("PAY_API_KEY")' },
      {
        path: 'app/settings.py',
        status: 'added',
        after: 'a = os.environ["SENTRY_DSN"]\nb = os.getenv("REGION")',
      },
      {
        path: 'config/initializers/x.rb',
        status: 'added',
        after: 'ENV.fetch("REDIS_URL")\nENV["SECRET_KEY_BASE"]',
      },
    ]);
    expect(changes.map((c) => [c.change, c.name, c.path, c.line])).toEqual([
      ['added', 'DB_POOL_SIZE', 'src/db.ts', 2],
      ['added', 'PAY_API_KEY', 'cmd/main.go', 1],
      ['added', 'SENTRY_DSN', 'app/settings.py', 1],
      ['added', 'REGION', 'app/settings.py', 2],
      ['added', 'REDIS_URL', 'config/initializers/x.rb', 1],
      ['added', 'SECRET_KEY_BASE', 'config/initializers/x.rb', 2],
      ['removed', 'LEGACY_MODE', 'src/db.ts', 2],
    ]);
  });
});
