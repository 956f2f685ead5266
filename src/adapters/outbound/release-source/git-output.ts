/**
 * Parsers of git's machine-readable (`-z`, NUL-separated) output. Pure, so the odd cases (paths
 * with spaces, tabs or newlines) are tested without a repository.
 */
import type { ReleaseFile } from '../../../domain/safety/types.js';

/** One changed path as `git diff --name-status --no-renames -z` reports it. */
export interface ChangedPath {
  path: string;
  status: ReleaseFile['status'];
}

const STATUS: Record<string, ReleaseFile['status']> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  T: 'modified',
};

/** `M\0path\0A\0path\0…`; statuses other than add/modify/delete/type-change are not expected here. */
export function parseNameStatus(output: string): ChangedPath[] {
  const fields = output.split('\0');
  const changed: ChangedPath[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const letter = (fields[i] ?? '').trim().charAt(0);
    const path = fields[i + 1] ?? '';
    const status = STATUS[letter];
    if (status && path) changed.push({ path, status });
  }
  return changed;
}

/** `<mode> <type> <object> <size>\t<path>\0…` from `git ls-tree -r -l -z`; blobs only. */
export function parseTreeSizes(output: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const entry of output.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [, type, , size] = entry.slice(0, tab).trim().split(/\s+/);
    if (type === 'blob' && size !== undefined && /^\d+$/.test(size))
      sizes.set(entry.slice(tab + 1), Number(size));
  }
  return sizes;
}

/** `<rev>:<path>\0…` from `git grep -l -z <rev>`: the paths. */
export function parseGrepPaths(output: string, rev: string): string[] {
  return output
    .split('\0')
    .filter((entry) => entry.startsWith(`${rev}:`))
    .map((entry) => entry.slice(rev.length + 1));
}

/** Git's own test for binary content: a NUL byte in the first 8000 bytes. */
export function looksBinary(text: string): boolean {
  return text.slice(0, 8000).includes('\0');
}
