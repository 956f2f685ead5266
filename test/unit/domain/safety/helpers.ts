import { analyzeMigrations } from '../../../../src/domain/safety/analyze-migrations.js';
import type { Finding } from '../../../../src/domain/safety/types.js';

/** A release of one or more files (`{ path: content }`) or one SQL text as `release/001.sql`. */
export type ReleaseSql = string | Record<string, string>;

export async function analyze(release: ReleaseSql) {
  const files = typeof release === 'string' ? { 'release/001.sql': release } : release;
  return analyzeMigrations(Object.entries(files).map(([path, content]) => ({ path, content })));
}

export async function findingsOf(release: ReleaseSql): Promise<(Finding & { path: string })[]> {
  const analysis = await analyze(release);
  return analysis.files.flatMap((file) => file.findings.map((finding) => ({ ...finding, path: file.path })));
}
