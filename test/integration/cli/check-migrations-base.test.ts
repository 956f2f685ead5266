/**
 * `check-migrations --base <ref>` on a real git repository: the files added or changed since the
 * ref are the release, the older ones are history replayed for the starting schema. The NOT NULL
 * the newest file adds to a table an older file created is caught (read as one release it would
 * be "created in the release", hence safe), and a DROP DEFAULT on a column history made NOT NULL
 * gets the previous default back as SQL, proven on PostgreSQL.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCheckMigrations as run } from '../../support/check-migrations.js';

const CONNECTION = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: 'postgres',
};

describe('check-migrations --base', () => {
  let repo: string;
  let migrations: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const write = (name: string, sql: string) => writeFileSync(join(migrations, name), sql);

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'rb-base-'));
    migrations = join(repo, 'db', 'migrations');
    mkdirSync(migrations, { recursive: true });
    git('init', '-q');
    write(
      '20261101_create_orders.sql',
      "CREATE TABLE orders (id serial PRIMARY KEY, total int, currency text NOT NULL DEFAULT 'usd');",
    );
    write('20261110_add_note.sql', 'ALTER TABLE orders ADD COLUMN note text;');
    git('add', '.');
    git('commit', '-q', '-m', 'v2.3.0');
    git('tag', 'v2.3.0');
    write(
      '20261122_add_metadata.sql',
      "ALTER TABLE orders ADD COLUMN order_metadata jsonb;\nUPDATE orders SET order_metadata = '{}';\nALTER TABLE orders ALTER COLUMN order_metadata SET NOT NULL;",
    );
    git('add', '.');
    git('commit', '-q', '-m', 'v2.4.0');
    // Not committed yet, as in a CI checkout of a branch with local changes: still the release.
    write('20261123_drop_currency_default.sql', 'ALTER TABLE orders ALTER COLUMN currency DROP DEFAULT;');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('without --base, the whole directory is one release and the NOT NULL reads as safe', async () => {
    const { stdout } = await run('--format', 'json', migrations);
    const json = JSON.parse(stdout);
    const metadata = json.files.find((f: { path: string }) => f.path.endsWith('20261122_add_metadata.sql'));
    expect(metadata.verdict).toBe('safe');
  });

  it('with --base, the files since the ref are the release, judged against the replayed history', async () => {
    const { code, stdout, stderr } = await run(
      '--format',
      'json',
      '--base',
      'v2.3.0',
      '--fail-on',
      'conditional',
      migrations,
    );
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ verdict: 'conditional', base: 'v2.3.0', historyFiles: 2 });
    expect(
      json.files.map((f: { path: string; verdict: string }) => [f.path.split('/').at(-1), f.verdict]),
    ).toEqual([
      ['20261122_add_metadata.sql', 'conditional'],
      ['20261123_drop_currency_default.sql', 'conditional'],
    ]);
    expect(json.files[1].findings[0]).toMatchObject({
      rule: 'drop-default-not-null',
      sql: "ALTER TABLE orders ALTER COLUMN currency SET DEFAULT 'usd'",
    });
    expect(json.preconditions.map((p: { sql: string }) => p.sql)).toEqual([
      "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'",
      "ALTER TABLE orders ALTER COLUMN currency SET DEFAULT 'usd'",
    ]);

    // Proof: after the history and the release, the old version's insert fails; after the
    // emitted preconditions it passes.
    const database = `rbtest_base_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ ...CONNECTION, database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const client = new pg.Client({ ...CONNECTION, database });
    try {
      await client.connect();
      for (const name of ['20261101_create_orders.sql', '20261110_add_note.sql'])
        await client.query(readFileSync(join(migrations, name), 'utf8'));
      const oldInsert = 'INSERT INTO orders (total) VALUES (5)';
      await client.query(oldInsert);
      for (const name of ['20261122_add_metadata.sql', '20261123_drop_currency_default.sql'])
        await client.query(readFileSync(join(migrations, name), 'utf8'));
      await expect(client.query(oldInsert)).rejects.toThrow(/violates not-null constraint/);
      for (const step of json.preconditions) await client.query(step.sql);
      await client.query(oldInsert);
    } finally {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('says in text what the release is', async () => {
    const { stdout } = await run('--base', 'v2.3.0', migrations);
    expect(stdout).toContain('Release: 2 files changed since v2.3.0; 2 earlier files replayed as history.');
  });

  it('refuses a ref that is not a commit, or reads as an option, changing nothing', async () => {
    expect(await run('--base', 'v9.9.9', migrations)).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('--base v9.9.9: no such commit in'),
    });
    expect(await run('--base', '--output=/tmp/x', migrations)).toMatchObject({
      code: 2,
      stderr: 'check-migrations: --base "--output=/tmp/x" is not a git ref\n',
    });
  });
});
