/** The release read from a real git repository through the one process runner. */
import {
  GitReleaseSource,
  DEFAULT_RELEASE_LIMITS,
} from '../../../src/adapters/outbound/release-source/git-release-source.js';
import { analyzeIncidentRelease } from '../../../src/adapters/outbound/release-source/analyze-incident.js';
import { checkoutReleases, gitRepo, NOT_NULL_NO_DEFAULT, type GitRepo } from '../safety-card/git-fixture.js';

const range = { from: 'v2.3.0', to: 'v2.4.0', mergeBase: false, origin: 'versions' as const };

describe('GitReleaseSource', () => {
  let repo: GitRepo;
  afterEach(async () => repo.cleanup());

  it('reads the changed files with their text on both sides, skipping binaries', async () => {
    const releases = checkoutReleases(NOT_NULL_NO_DEFAULT);
    releases[1]!.files['logo.png'] = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]);
    releases[1]!.files['migrations/001_create_orders.sql'] = null;
    repo = await gitRepo(releases);
    const read = await new GitReleaseSource().read(repo.dir, range);
    const byPath = Object.fromEntries(read.input.files.map((file) => [file.path, file]));
    expect(Object.keys(byPath).sort()).toEqual([
      'migrations/001_create_orders.sql',
      'migrations/002_add_metadata.sql',
      'src/orders.ts',
    ]);
    expect(byPath['migrations/002_add_metadata.sql']).toEqual({
      path: 'migrations/002_add_metadata.sql',
      status: 'added',
      after: NOT_NULL_NO_DEFAULT.trimEnd(),
    });
    expect(byPath['migrations/001_create_orders.sql']?.status).toBe('deleted');
    expect(byPath['migrations/001_create_orders.sql']?.before).toContain('CREATE TABLE orders');
    expect(byPath['src/orders.ts']?.before).toContain('VALUES ($1, $2)');
    expect(byPath['src/orders.ts']?.after).toContain('order_metadata');
    expect(read.skipped).toEqual([{ path: 'logo.png', why: 'binary' }]);
    expect(read.fromCommit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reads migrations first and lists what the file limit left out', async () => {
    repo = await gitRepo(checkoutReleases(NOT_NULL_NO_DEFAULT));
    const source = new GitReleaseSource({ ...DEFAULT_RELEASE_LIMITS, maxFiles: 1 });
    const read = await source.read(repo.dir, range);
    expect(read.input.files.map((file) => file.path)).toEqual(['migrations/002_add_metadata.sql']);
    expect(read.skipped).toEqual([{ path: 'src/orders.ts', why: 'over the 1-file limit' }]);
  });

  it('says which version the checkout does not have', async () => {
    repo = await gitRepo(checkoutReleases(NOT_NULL_NO_DEFAULT));
    await expect(new GitReleaseSource().read(repo.dir, { ...range, from: 'v9.9.9' })).rejects.toThrow(
      /v9\.9\.9 is not a commit or tag in/,
    );
  });

  it('finds the old files that mention a package, across the whole old version', async () => {
    repo = await gitRepo([
      {
        tag: 'v1',
        files: { 'src/pay.ts': "import Stripe from 'stripe';\n", 'src/other.ts': 'export {};\n' },
      },
      { tag: 'v2', files: { 'src/pay.ts': "import Stripe from 'stripe'; // v2\n" } },
    ]);
    const source = new GitReleaseSource();
    const commit = await source.resolveCommit(repo.dir, 'v1');
    expect(await source.filesMentioning(repo.dir, commit, ['stripe'])).toEqual([
      { path: 'src/pay.ts', content: "import Stripe from 'stripe';" },
    ]);
    expect(await source.filesMentioning(repo.dir, commit, ['left-pad'])).toEqual([]);
  });
});

describe('analyzeIncidentRelease', () => {
  let repo: GitRepo | undefined;
  afterEach(async () => repo?.cleanup());
  const base = { service: 'checkout', flagPatterns: ['^flag[:/]'] };

  it('calls v2.4.0 conditional with the SET DEFAULT precondition', async () => {
    repo = await gitRepo(checkoutReleases(NOT_NULL_NO_DEFAULT));
    const report = await analyzeIncidentRelease(new GitReleaseSource(), {
      ...base,
      repo: repo.dir,
      fromVersion: 'v2.4.0',
      toVersion: 'v2.3.0',
    });
    expect(report.verdict).toBe('conditional');
    expect(report.preconditions.map((p) => p.sql)).toEqual([
      "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'",
    ]);
  });

  it.each([
    ['no repo', {}, /No repo is configured for checkout/],
    ['unknown versions', { repo: '/nonexistent' }, /versions are unknown/],
    [
      'a repo that is not there',
      { repo: '/nonexistent', fromVersion: 'v2', toVersion: 'v1' },
      /git could not read \/nonexistent/,
    ],
  ])('with %s says the analysis could not run, never safe', async (_what, extra, why) => {
    const report = await analyzeIncidentRelease(new GitReleaseSource(), { ...base, ...extra });
    expect(report).toMatchObject({ analyzed: false, verdict: 'unknown' });
    expect(report.reason).toMatch(why);
    expect(report.reason).toMatch(/Rollback safety is unknown/);
  });
});
