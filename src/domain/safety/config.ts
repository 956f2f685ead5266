/**
 * Environment variables read by only one of the two versions. A variable the new version needs
 * but production lacks is a classic incident cause; one only the old version reads must still be
 * set before rolling back (configuration rolls back separately from code).
 */
import type { ConfigChange, ReleaseFile } from './types.js';

const NAME = '([A-Za-z_][A-Za-z0-9_]*)';
const Q = `['"\`]`;

/** Node, Deno/Bun, Go, Python, Ruby, Java and Rust ways of reading the environment. */
export const ENV_READ_PATTERNS: readonly RegExp[] = [
  new RegExp(`\\bprocess\\.env\\.${NAME}`, 'g'),
  new RegExp(`\\bprocess\\.env\\[\\s*${Q}${NAME}${Q}\\s*\\]`, 'g'),
  new RegExp(`\\bos\\.(?:Getenv|LookupEnv)\\(\\s*"${NAME}"`, 'g'),
  new RegExp(`\\bos\\.environ\\[\\s*${Q}${NAME}${Q}\\s*\\]`, 'g'),
  new RegExp(`\\bos\\.(?:environ\\.get|getenv)\\(\\s*${Q}${NAME}${Q}`, 'g'),
  new RegExp(`\\bENV(?:\\.fetch\\(\\s*|\\[\\s*)${Q}${NAME}${Q}`, 'g'),
  new RegExp(`\\bSystem\\.getenv\\(\\s*"${NAME}"`, 'g'),
  new RegExp(`\\benv::var(?:_os)?\\(\\s*"${NAME}"`, 'g'),
];

interface EnvRead {
  name: string;
  path: string;
  line: number;
}

function envReads(path: string, content: string | undefined): EnvRead[] {
  if (content === undefined) return [];
  const reads: EnvRead[] = [];
  content.split('\n').forEach((text, index) => {
    for (const pattern of ENV_READ_PATTERNS)
      for (const match of text.matchAll(pattern))
        if (match[1]) reads.push({ name: match[1], path, line: index + 1 });
  });
  return reads;
}

/**
 * Compares the variables the changed files read before and after. Only the release's files are
 * seen, so a variable still read by an unchanged file may be reported as removed: the card says
 * "check", not "broken".
 */
export function diffEnvironmentReads(files: readonly ReleaseFile[]): ConfigChange[] {
  const before = files.flatMap((file) => envReads(file.path, file.before));
  const after = files.flatMap((file) => envReads(file.path, file.after));
  const beforeNames = new Set(before.map((read) => read.name));
  const afterNames = new Set(after.map((read) => read.name));
  const changes: ConfigChange[] = [];
  const seen = new Set<string>();
  for (const read of after)
    if (!beforeNames.has(read.name) && !seen.has(read.name)) {
      seen.add(read.name);
      changes.push({ ...read, change: 'added' });
    }
  for (const read of before)
    if (!afterNames.has(read.name) && !seen.has(read.name)) {
      seen.add(read.name);
      changes.push({ ...read, change: 'removed' });
    }
  return changes;
}
