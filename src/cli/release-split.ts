/**
 * `check-migrations --base <git-ref>`: which of the named migration files are the release (added
 * or changed since the ref, committed or not) and which are history. Git runs argv-only through
 * node's execFile: the CLI stays light (no execa, no bot code) and nothing reaches a shell.
 */
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A ref as git spells one; no leading dash, so it can never be read as an option. */
const GIT_REF = /^[A-Za-z0-9_][A-Za-z0-9._/@^~{}:+-]{0,199}$/;

export class BaseRefError extends Error {}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', ['--no-pager', '-C', cwd, ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 30_000,
    });
    return stdout;
  } catch (error) {
    const failure = error as { code?: string; stderr?: string; message?: string };
    if (failure.code === 'ENOENT') throw new BaseRefError('--base needs git on PATH');
    const line = (failure.stderr ?? failure.message ?? '').trim().split('\n').at(-1);
    throw new BaseRefError(line || 'git failed');
  }
}

export interface ReleaseSplit<T> {
  release: T[];
  history: T[];
}

/** Splits `files` (with their paths) into the release since `ref` and the history before it. */
export async function splitByBase<T extends { path: string }>(
  files: readonly T[],
  ref: string,
): Promise<ReleaseSplit<T>> {
  if (!GIT_REF.test(ref)) throw new BaseRefError(`--base "${ref}" is not a git ref`);
  if (files.length === 0) return { release: [], history: [] };
  const top = (await git(dirname(resolve(files[0]!.path)), ['rev-parse', '--show-toplevel'])).trim();
  const root = await realpath(top);
  await git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]).catch(() => {
    throw new BaseRefError(`--base ${ref}: no such commit in ${root}`);
  });
  // Changed against the ref in the working tree (committed or not), plus files git does not track yet.
  const changed = await git(root, ['diff', '--name-only', '-z', '--no-renames', ref, '--']);
  const untracked = await git(root, ['ls-files', '--others', '--exclude-standard', '-z', '--full-name']);
  const inRelease = new Set([...changed.split('\0'), ...untracked.split('\0')].filter(Boolean));
  const split: ReleaseSplit<T> = { release: [], history: [] };
  for (const file of files) {
    const path = relative(root, await realpath(file.path));
    if (path.startsWith('..')) throw new BaseRefError(`${file.path} is outside the git repository ${root}`);
    (inRelease.has(path) ? split.release : split.history).push(file);
  }
  return split;
}
