/**
 * `rollback-bot check-migrations` as CI runs it: whole-process time on 200 files against squawk's on
 * the same files (goal: within 1.5×), five runs each, medians; `npx rollback-bot` on top; and a
 * 500-file release read from git with `--base` (100 files of history replayed first).
 *
 * Needs `npm run build` first. squawk is not a dependency (25 MB of binaries for one comparison):
 * install it beside with `npm install --no-save squawk-cli`, or point SQUAWK at its binary.
 * Run: `npm run bench -- bench/check-migrations-cli.bench.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { migrationCorpus } from './migration-corpus.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli.js');
const RUNS = 5;

if (!existsSync(CLI)) {
  console.error('dist/cli.js is missing: run `npm run build` first');
  process.exit(2);
}

/** Wall time of one whole process, in ms; a non-zero exit (findings) still counts as a run. */
function timed(command: string, args: string[], cwd = ROOT): number {
  const start = performance.now();
  try {
    execFileSync(command, args, { cwd, stdio: 'ignore' });
  } catch (error) {
    if ((error as { status?: number }).status === undefined) throw error;
  }
  return performance.now() - start;
}

function median(command: string, args: string[], cwd?: string): number {
  timed(command, args, cwd); // warms the page cache, as a CI runner's second step would be
  const runs = Array.from({ length: RUNS }, () => timed(command, args, cwd)).sort((a, b) => a - b);
  return runs[Math.floor(RUNS / 2)]!;
}

async function writeAll(dir: string, files: { path: string; content: string }[]): Promise<string[]> {
  for (const file of files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.content);
  }
  return files.map((file) => join(dir, file.path));
}

function squawkBinary(): string | undefined {
  const candidates = [process.env.SQUAWK, join(ROOT, 'node_modules/.bin/squawk')];
  return candidates.find((path): path is string => Boolean(path && existsSync(path)));
}

const work = await mkdtemp(join(tmpdir(), 'rb-cli-bench-'));
try {
  const paths = await writeAll(work, migrationCorpus(200));
  const dir = join(work, 'db/migrations');

  const ours = median(process.execPath, [CLI, 'check-migrations', '--format', 'json', dir]);
  console.log(`check-migrations, 200 files: median ${ours.toFixed(0)} ms of ${RUNS} whole-process runs`);
  const viaNpx = median('npx', ['--no-install', 'rollback-bot', 'check-migrations', '--format', 'json', dir]);
  console.log(
    `npx rollback-bot check-migrations, 200 files: median ${viaNpx.toFixed(0)} ms (npx adds ${(viaNpx - ours).toFixed(0)} ms)`,
  );

  const squawk = squawkBinary();
  if (squawk) {
    const theirs = median(squawk, paths);
    console.log(
      `squawk ${execFileSync(squawk, ['--version'], { encoding: 'utf8' }).trim()}, same 200 files: median ${theirs.toFixed(0)} ms`,
    );
    if (squawk.startsWith(ROOT)) {
      const npxSquawk = median('npx', ['--no-install', 'squawk', ...paths]);
      console.log(
        `npx squawk, same files: median ${npxSquawk.toFixed(0)} ms (npx's own cost: ${(npxSquawk - theirs).toFixed(0)} ms)`,
      );
    }
    const ratio = ours / theirs;
    console.log(
      `ratio ${ratio.toFixed(2)}× — ${ratio <= 1.5 ? 'goal met (≤ 1.5×)' : 'GOAL MISSED (> 1.5×)'}`,
    );
  } else console.log('squawk not found: `npm install --no-save squawk-cli` or SQUAWK=<binary> to compare');

  // A 500-file release from git: 100 files of history at v1, then 500 more at v2.
  const repo = join(work, 'repo');
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, ...args], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'b',
        GIT_AUTHOR_EMAIL: 'b@x',
        GIT_COMMITTER_NAME: 'b',
        GIT_COMMITTER_EMAIL: 'b@x',
      },
    });
  await mkdir(repo);
  git('init', '-q', '-b', 'main');
  await writeAll(repo, migrationCorpus(100));
  git('add', '-A');
  git('commit', '-qm', 'v1');
  git('tag', 'v1');
  await writeAll(repo, migrationCorpus(500, 100));
  git('add', '-A');
  git('commit', '-qm', 'v2');
  const release = median(
    process.execPath,
    [CLI, 'check-migrations', '--format', 'json', '--base', 'v1', 'db/migrations'],
    repo,
  );
  console.log(
    `check-migrations --base v1, 500-file release over 100 files of history: median ${release.toFixed(0)} ms`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
