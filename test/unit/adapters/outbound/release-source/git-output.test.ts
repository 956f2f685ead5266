import {
  looksBinary,
  parseGrepPaths,
  parseNameStatus,
  parseTreeSizes,
} from '../../../../../src/adapters/outbound/release-source/git-output.js';
import { releaseRange } from '../../../../../src/adapters/outbound/release-source/release-range.js';

describe('git output parsers', () => {
  it('reads -z name-status output, including paths with spaces, tabs and newlines', () => {
    const output = 'A\0migrations/002 add.sql\0M\0src/a\tb.ts\0D\0old\nname.txt\0T\0link\0';
    expect(parseNameStatus(output)).toEqual([
      { path: 'migrations/002 add.sql', status: 'added' },
      { path: 'src/a\tb.ts', status: 'modified' },
      { path: 'old\nname.txt', status: 'deleted' },
      { path: 'link', status: 'modified' },
    ]);
  });

  it('reads blob sizes from ls-tree -l -z and ignores submodules', () => {
    const output =
      '100644 blob 1f2e3d        42\tmigrations/002 add.sql\u0000160000 commit abcdef       -\tvendor/lib\0';
    expect([...parseTreeSizes(output)]).toEqual([['migrations/002 add.sql', 42]]);
  });

  it('strips the revision from git grep -l paths', () => {
    expect(parseGrepPaths('abc123:src/pay.ts\0abc123:lib/x.js\0', 'abc123')).toEqual([
      'src/pay.ts',
      'lib/x.js',
    ]);
  });

  it('calls content with a NUL byte binary', () => {
    expect(looksBinary('PNG\0\0')).toBe(true);
    expect(looksBinary('ALTER TABLE orders;')).toBe(false);
  });
});

describe('releaseRange', () => {
  it('reads the release from the target (old side) to the running version (new side)', () => {
    expect(releaseRange({ fromVersion: 'v2.4.0', toVersion: 'v2.3.0' })).toEqual({
      from: 'v2.3.0',
      to: 'v2.4.0',
      mergeBase: false,
      origin: 'versions',
    });
  });

  it("falls back to the deploy event's commit range when a version is unknown", () => {
    expect(releaseRange({ fromVersion: 'v2.4.0', commitRange: 'abc123...def456' })).toEqual({
      from: 'abc123',
      to: 'def456',
      mergeBase: true,
      origin: 'deploy',
    });
  });

  it.each([
    [{ fromVersion: 'v2.4.0' }, /versions are unknown/],
    [{ commitRange: '-x..v2' }, /not <from>\.\.<to>/],
    [{ commitRange: 'v1....v2' }, /not <from>\.\.<to>/],
    [{ fromVersion: 'v2', toVersion: 'v2' }, /no release to analyse/],
  ])('explains why %j bounds no release', (hints, why) => {
    const range = releaseRange(hints);
    expect('reason' in range && range.reason).toMatch(why);
  });
});
