/**
 * Reads a release out of a git checkout: the files changed between two revisions with their text
 * on both sides, and (on demand) the old version's files that mention a package, for call-site
 * search. Bounded in files and bytes; binaries and oversized files are skipped and listed.
 */
import { readerFor } from '../../../domain/safety/dependency-manifests.js';
import type { ReleaseFile, ReleaseInput } from '../../../domain/safety/types.js';
import type { CommandRunner } from '../../../flows/ports/command-runner.js';
import { gitOrThrow, gitOutputRunner, ReleaseSourceError, runGit } from './git.js';
import {
  looksBinary,
  parseGrepPaths,
  parseNameStatus,
  parseTreeSizes,
  type ChangedPath,
} from './git-output.js';
import type { ReleaseRange } from './release-range.js';

/** How much of a release is read. */
export interface ReleaseReadLimits {
  /** Files read per release (both sides of a file count once). */
  maxFiles: number;
  /** Bytes read per release, both sides together. */
  maxTotalBytes: number;
  /** A larger file is skipped. */
  maxFileBytes: number;
  /** Each git call. */
  gitTimeoutMs: number;
  /** Git processes at once (the bot host may have two cores). */
  concurrency: number;
}

export const DEFAULT_RELEASE_LIMITS: ReleaseReadLimits = {
  maxFiles: 2000,
  maxTotalBytes: 20 * 1024 * 1024,
  maxFileBytes: 2 * 1024 * 1024,
  gitTimeoutMs: 10_000,
  concurrency: 4,
};

/** A release as read from git, with what was left out and why. */
export interface ReleaseRead {
  input: ReleaseInput;
  /** Resolved commits of the two sides. */
  fromCommit: string;
  toCommit: string;
  skipped: { path: string; why: string }[];
}

/** Migrations first, then dependency manifests, then the rest: what matters most is read first. */
function priority(path: string): number {
  if (/\.sql$/i.test(path)) return 0;
  if (readerFor(path)) return 1;
  return 2;
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

export class GitReleaseSource {
  private readonly runner: CommandRunner;

  constructor(
    private readonly limits: ReleaseReadLimits = DEFAULT_RELEASE_LIMITS,
    runner?: CommandRunner,
  ) {
    // The listing of a very large release can be longer than one file; keep room for it.
    this.runner = runner ?? gitOutputRunner(Math.max(limits.maxFileBytes, 8 * 1024 * 1024) + 1);
  }

  private git(repo: string, args: string[], doing: string, signal?: AbortSignal): Promise<string> {
    return gitOrThrow(this.runner, { repo, args, timeoutMs: this.limits.gitTimeoutMs, signal }, doing);
  }

  /** The commit a version names; a clear error when the checkout does not have it. */
  async resolveCommit(repo: string, rev: string, signal?: AbortSignal): Promise<string> {
    const answer = await runGit(this.runner, {
      repo,
      args: ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`],
      timeoutMs: this.limits.gitTimeoutMs,
      signal,
    });
    if (answer.ok) return answer.output.trim();
    if (answer.exitCode === 1)
      throw new ReleaseSourceError(
        `${rev} is not a commit or tag in ${repo} (fetch it, or check the version).`,
      );
    throw new ReleaseSourceError(`git could not read ${repo}: ${answer.message}`);
  }

  async read(repo: string, range: ReleaseRange, signal?: AbortSignal): Promise<ReleaseRead> {
    let fromCommit = await this.resolveCommit(repo, range.from, signal);
    const toCommit = await this.resolveCommit(repo, range.to, signal);
    if (range.mergeBase)
      fromCommit = (
        await this.git(repo, ['merge-base', fromCommit, toCommit], 'find the merge base', signal)
      ).trim();

    const listing = await this.git(
      repo,
      ['diff', '--name-status', '--no-renames', '-z', fromCommit, toCommit, '--'],
      'list the changed files',
      signal,
    );
    if (listing.startsWith('…\n')) throw new ReleaseSourceError('the release changes too many files to list');
    const changed = parseNameStatus(listing).sort((a, b) => priority(a.path) - priority(b.path));
    const skipped: ReleaseRead['skipped'] = changed
      .slice(this.limits.maxFiles)
      .map(({ path }) => ({ path, why: `over the ${this.limits.maxFiles}-file limit` }));
    const kept = changed.slice(0, this.limits.maxFiles);
    const paths = kept.map((file) => file.path);
    const [beforeSizes, afterSizes] = await Promise.all([
      this.sizes(repo, fromCommit, paths, signal),
      this.sizes(repo, toCommit, paths, signal),
    ]);

    let budget = this.limits.maxTotalBytes;
    const plan: { file: ChangedPath; readBefore: boolean; readAfter: boolean }[] = [];
    for (const file of kept) {
      const before = file.status === 'added' ? 0 : (beforeSizes.get(file.path) ?? 0);
      const after = file.status === 'deleted' ? 0 : (afterSizes.get(file.path) ?? 0);
      if (Math.max(before, after) > this.limits.maxFileBytes) {
        skipped.push({ path: file.path, why: `larger than ${this.limits.maxFileBytes} bytes` });
        continue;
      }
      if (before + after > budget) {
        skipped.push({ path: file.path, why: `over the ${this.limits.maxTotalBytes}-byte release limit` });
        continue;
      }
      budget -= before + after;
      plan.push({
        file,
        readBefore: file.status !== 'added' && beforeSizes.has(file.path),
        readAfter: file.status !== 'deleted' && afterSizes.has(file.path),
      });
    }

    const read = await mapLimit(plan, this.limits.concurrency, async ({ file, readBefore, readAfter }) => {
      const before = readBefore ? await this.show(repo, fromCommit, file.path, signal) : undefined;
      const after = readAfter ? await this.show(repo, toCommit, file.path, signal) : undefined;
      return { file, before, after };
    });
    const files: ReleaseFile[] = [];
    for (const { file, before, after } of read) {
      if ((before !== undefined && looksBinary(before)) || (after !== undefined && looksBinary(after))) {
        skipped.push({ path: file.path, why: 'binary' });
        continue;
      }
      files.push({
        path: file.path,
        status: file.status,
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
      });
    }
    return { input: { files }, fromCommit, toCommit, skipped };
  }

  /**
   * The old version's text files that mention any of `names` (`git grep -F`, binaries skipped),
   * within the file and byte limits: where a major dependency bump may break old call sites.
   */
  async filesMentioning(
    repo: string,
    commit: string,
    names: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ path: string; content: string }[]> {
    if (names.length === 0) return [];
    const answer = await runGit(this.runner, {
      repo,
      args: ['grep', '-l', '-z', '-I', '-F', ...names.flatMap((name) => ['-e', name]), commit, '--'],
      timeoutMs: this.limits.gitTimeoutMs,
      signal,
    });
    // Exit code 1 is git grep's "no match".
    if (!answer.ok) {
      if (answer.exitCode === 1) return [];
      throw new ReleaseSourceError(`git could not search ${repo}: ${answer.message}`);
    }
    const paths = parseGrepPaths(answer.output, commit).slice(0, this.limits.maxFiles);
    const sizes = await this.sizes(repo, commit, paths, signal);
    let budget = this.limits.maxTotalBytes;
    const wanted = paths.filter((path) => {
      const size = sizes.get(path) ?? Infinity;
      if (size > this.limits.maxFileBytes || size > budget) return false;
      budget -= size;
      return true;
    });
    return mapLimit(wanted, this.limits.concurrency, async (path) => ({
      path,
      content: await this.show(repo, commit, path, signal),
    }));
  }

  private async sizes(repo: string, commit: string, paths: string[], signal?: AbortSignal) {
    if (paths.length === 0) return new Map<string, number>();
    const output = await this.git(
      repo,
      ['ls-tree', '-r', '-l', '-z', commit, '--', ...paths],
      'list file sizes',
      signal,
    );
    return parseTreeSizes(output);
  }

  private show(repo: string, commit: string, path: string, signal?: AbortSignal): Promise<string> {
    // `rev:path` is one revision argument; the trailing `--` keeps git from reading it as a path.
    return this.git(repo, ['show', `${commit}:${path}`, '--'], `read ${path}`, signal);
  }
}
