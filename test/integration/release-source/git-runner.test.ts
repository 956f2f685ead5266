/** Git's answers are read from stdout only: a `warning:` on stderr is never parsed as data. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitOutputRunner, runGit } from '../../../src/adapters/outbound/release-source/git.js';

describe('runGit through the git output runner', () => {
  let dir: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rb-git-runner-'));
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'one');
    git('tag', 'v1');
    git('commit', '-q', '--allow-empty', '-m', 'two');
    // A branch and a tag of one name: git answers, and warns "refname 'v1' is ambiguous" on stderr.
    git('branch', 'v1');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses only the answer when git warns on stderr', async () => {
    const answer = await runGit(gitOutputRunner(1 << 20), {
      repo: dir,
      args: ['rev-parse', 'v1'],
      timeoutMs: 10_000,
    });
    expect(answer).toEqual({ ok: true, output: expect.stringMatching(/^[0-9a-f]{40}\n?$/) });
  });

  it("reports git's own words when it fails", async () => {
    const answer = await runGit(gitOutputRunner(1 << 20), {
      repo: dir,
      args: ['rev-parse', '--verify', 'no-such-rev'],
      timeoutMs: 10_000,
    });
    expect(answer).toEqual({ ok: false, exitCode: 128, message: 'fatal: Needed a single revision' });
  });
});
