/**
 * Throwaway git repositories with tagged releases, made with the real git, for the release-source
 * and safety-card tests. Each release writes (or, with `null`, deletes) files, commits and tags.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Release {
  tag: string;
  files: Record<string, string | Buffer | null>;
}

export interface GitRepo {
  dir: string;
  cleanup(): Promise<void>;
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  });
}

export async function gitRepo(releases: Release[]): Promise<GitRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'rb-release-'));
  git(dir, ['init', '-q', '-b', 'main']);
  for (const release of releases) {
    for (const [path, content] of Object.entries(release.files)) {
      const file = join(dir, path);
      if (content === null) await rm(file, { force: true });
      else {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, content);
      }
    }
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '--allow-empty', '-m', release.tag]);
    git(dir, ['tag', release.tag]);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The classic v2.3.0 → v2.4.0 release; `migration` is what v2.4.0 adds. */
export function checkoutReleases(migration: string): Release[] {
  return [
    {
      tag: 'v2.3.0',
      files: {
        'migrations/001_create_orders.sql':
          'CREATE TABLE orders (id serial PRIMARY KEY, customer text, total int);\n',
        'src/orders.ts':
          "export function insertOrder(db, o) { return db.query('INSERT INTO orders (customer, total) VALUES ($1, $2)', [o.customer, o.total]); }\n",
      },
    },
    {
      tag: 'v2.4.0',
      files: {
        'migrations/002_add_metadata.sql': migration,
        'src/orders.ts':
          "export function insertOrder(db, o) { return db.query('INSERT INTO orders (customer, total, order_metadata) VALUES ($1, $2, $3)', [o.customer, o.total, o.meta]); }\n",
      },
    },
  ];
}

export const NOT_NULL_NO_DEFAULT = 'ALTER TABLE orders ADD COLUMN order_metadata jsonb NOT NULL;\n';
export const NULLABLE_COLUMN = 'ALTER TABLE orders ADD COLUMN order_metadata jsonb;\n';
export const DROP_COLUMN = 'ALTER TABLE orders DROP COLUMN total;\n';
