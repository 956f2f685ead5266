/**
 * Proof on a real PostgreSQL: after each fixture release's migrations ran, the previous version's
 * statements fail exactly when the analyzer says the release breaks them, and succeed once its
 * remediation ran. The test creates its own database and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { analyzeMigrations } from '../../src/domain/safety/analyze-migrations.js';
import type { MigrationAnalysis } from '../../src/domain/safety/analyze-migrations.js';
import type { Verdict } from '../../src/domain/safety/types.js';
import { worseVerdict } from '../../src/domain/safety/verdict.js';

const FIXTURES = 'test/fixtures/migrations';
const CONNECTION = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: 'postgres',
};
const database = `rbtest_safety_${randomBytes(4).toString('hex')}`;

/** The schema v2.3.0 runs against, with some data. */
const BASELINE = `
  CREATE TABLE orders (id serial PRIMARY KEY, customer text, total int);
  CREATE TABLE users (id serial PRIMARY KEY, email text);
  INSERT INTO orders (customer, total) VALUES ('alice', 10), ('bob', 20);
  INSERT INTO users (email) VALUES ('alice@example.com');
`;

/** What the previous version does all day: inserts that omit new columns, refunds, duplicate emails, reads. */
const OLD_VERSION_WORKLOAD = [
  "INSERT INTO orders (customer, total) VALUES ('old-app', 5)",
  "INSERT INTO orders (customer, total) VALUES ('refund', -5)",
  'SELECT id, customer, total FROM orders',
  "INSERT INTO users (email) VALUES ('dup@example.com')",
  "INSERT INTO users (email) VALUES ('dup@example.com')",
  'SELECT id, email FROM users',
];

let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ ...CONNECTION, database: 'postgres' });
  await admin.connect().catch((error: Error) => {
    throw new Error(
      `PostgreSQL is needed at ${CONNECTION.host}:${CONNECTION.port} (user postgres): ${error.message}`,
    );
  });
  await admin.query(`CREATE DATABASE ${database}`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

async function readRelease(dir: string) {
  const names = (await readdir(join(FIXTURES, dir))).filter((name) => name.endsWith('.sql'));
  return Promise.all(
    names.map(async (name) => ({
      path: `${dir}/${name}`,
      content: await readFile(join(FIXTURES, dir, name), 'utf8'),
    })),
  );
}

/** One schema per scenario, so scenarios share the database but nothing else. */
async function scenarioClient(schema: string, baseline = BASELINE): Promise<pg.Client> {
  const client = new pg.Client({ ...CONNECTION, database });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  await client.query(baseline);
  return client;
}

/** Runs the old workload in a transaction that is rolled back; returns the statements that failed. */
async function oldVersionFailures(client: pg.Client, workload = OLD_VERSION_WORKLOAD): Promise<string[]> {
  const failed: string[] = [];
  await client.query('BEGIN');
  for (const sql of workload) {
    await client.query('SAVEPOINT s');
    try {
      await client.query(sql);
      await client.query('RELEASE SAVEPOINT s');
    } catch {
      failed.push(sql);
      await client.query('ROLLBACK TO SAVEPOINT s');
    }
  }
  await client.query('ROLLBACK');
  return failed;
}

async function applyRelease(
  client: pg.Client,
  analysis: MigrationAnalysis,
  release: { path: string; content: string }[],
) {
  for (const file of analysis.files)
    await client.query(release.find((f) => f.path === file.path)?.content ?? '');
}

async function prove(scenario: string) {
  const release = await readRelease(scenario);
  const analysis = await analyzeMigrations(release);
  const verdict = analysis.files.reduce<Verdict>((worst, file) => worseVerdict(worst, file.verdict), 'safe');
  const client = await scenarioClient(scenario.replace(/-/g, '_'));
  try {
    expect(await oldVersionFailures(client)).toEqual([]);
    await applyRelease(client, analysis, release);
    const failures = await oldVersionFailures(client);
    return { analysis, verdict, failures, client };
  } catch (error) {
    await client.end();
    throw error;
  }
}

describe('rollback safety on real PostgreSQL', () => {
  it('NOT NULL set in a later file: old inserts fail; the SET DEFAULT precondition fixes them', async () => {
    const { analysis, verdict, failures, client } = await prove('not-null-later-file');
    try {
      expect(verdict).toBe('conditional');
      expect(failures).toEqual([OLD_VERSION_WORKLOAD[0], OLD_VERSION_WORKLOAD[1]]);
      expect(analysis.preconditions.map((p) => p.sql)).toEqual([
        "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'",
      ]);
      for (const step of analysis.preconditions) await client.query(step.sql);
      expect(await oldVersionFailures(client)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('renamed column: old reads and writes fail; renaming back (the last resort) fixes them', async () => {
    const { analysis, verdict, failures, client } = await prove('rename-column');
    try {
      expect(verdict).toBe('unsafe');
      expect(failures).toEqual(OLD_VERSION_WORKLOAD.slice(0, 3));
      const finding = analysis.files[0]?.findings[0];
      expect(finding?.rule).toBe('rename-column');
      await client.query(finding?.sql ?? '');
      expect(await oldVersionFailures(client)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('harmless expand step: the analyzer says safe and the old version keeps working', async () => {
    const { analysis, verdict, failures, client } = await prove('harmless');
    await client.end();
    expect(verdict).toBe('safe');
    expect(analysis.files.flatMap((f) => f.findings)).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('new unique index: duplicate writes fail; dropping the index fixes them', async () => {
    const { analysis, verdict, failures, client } = await prove('unique-index');
    try {
      expect(verdict).toBe('conditional');
      expect(failures).toEqual([OLD_VERSION_WORKLOAD[4]]);
      expect(analysis.preconditions.map((p) => p.sql)).toEqual(['DROP INDEX users_email_unique']);
      for (const step of analysis.preconditions) await client.query(step.sql);
      expect(await oldVersionFailures(client)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('CHECK … NOT VALID still rejects new rows; dropping the constraint fixes them', async () => {
    const { analysis, verdict, failures, client } = await prove('check-not-valid');
    try {
      expect(verdict).toBe('conditional');
      expect(failures).toEqual([OLD_VERSION_WORKLOAD[1]]);
      for (const step of analysis.preconditions) await client.query(step.sql);
      expect(await oldVersionFailures(client)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('dropped column: unsafe, and the old version indeed breaks', async () => {
    const { analysis, verdict, failures, client } = await prove('drop-column');
    await client.end();
    expect(verdict).toBe('unsafe');
    expect(analysis.preconditions).toEqual([]);
    expect(failures).toEqual(OLD_VERSION_WORKLOAD.slice(0, 3));
  });

  it('a domain gains NOT NULL and a CHECK: old writes through it fail; the emitted SQL lifts both', async () => {
    const baseline = `CREATE DOMAIN email_address AS text;
      CREATE TABLE contacts (id serial PRIMARY KEY, email email_address);`;
    const workload = [
      'INSERT INTO contacts (email) VALUES (NULL)',
      "INSERT INTO contacts (email) VALUES ('not-an-address')",
      "INSERT INTO contacts (email) VALUES ('a@example.com')",
    ];
    const release =
      "ALTER DOMAIN email_address SET NOT NULL;\nALTER DOMAIN email_address ADD CHECK (VALUE LIKE '%@%');";
    const analysis = await analyzeMigrations([{ path: 'release/001.sql', content: release }]);
    expect(analysis.files[0]?.verdict).toBe('conditional');
    const client = await scenarioClient('domain_constraints', baseline);
    try {
      expect(await oldVersionFailures(client, workload)).toEqual([]);
      await client.query(release);
      expect(await oldVersionFailures(client, workload)).toEqual(workload.slice(0, 2));
      for (const step of analysis.preconditions) await client.query(step.sql);
      expect(await oldVersionFailures(client, workload)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('TRUNCATE: unsafe with no precondition, and the old version’s rows are indeed gone', async () => {
    const analysis = await analyzeMigrations([{ path: 'release/001.sql', content: 'TRUNCATE orders;' }]);
    expect(analysis.files[0]?.verdict).toBe('unsafe');
    expect(analysis.preconditions).toEqual([]);
    const client = await scenarioClient('truncate_orders');
    try {
      await client.query('TRUNCATE orders');
      expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 0 });
    } finally {
      await client.end();
    }
  });

  it('type changes: widenings keep the old writes working; citext → text breaks its lookups', async () => {
    const client = await scenarioClient('type_changes', 'SELECT 1');
    const widenings: [string, string, string][] = [
      ['varchar(50)', 'text', "'" + 'x'.repeat(50) + "'"],
      ['integer', 'bigint', '2147483647'],
      ['numeric(10,2)', 'numeric(12,2)', '99999999.99'],
      ['timestamp', 'timestamptz', "'2026-12-03 14:00:00'"],
      ['cidr', 'inet', "'10.0.0.0/8'"],
    ];
    try {
      for (const [index, [from, to, value]] of widenings.entries()) {
        const change = `ALTER TABLE w${index} ALTER COLUMN c TYPE ${to}`;
        const analysis = await analyzeMigrations([{ path: 'release/002.sql', content: change }], {
          history: [{ path: 'release/001.sql', content: `CREATE TABLE w${index} (c ${from})` }],
        });
        expect([from, to, analysis.files[0]?.verdict]).toEqual([from, to, 'safe']);
        await client.query(`CREATE TABLE w${index} (c ${from}); INSERT INTO w${index} VALUES (${value})`);
        await client.query(change);
        // The old version's write and read of the same value still work.
        await client.query(`INSERT INTO w${index} VALUES (${value})`);
        expect(
          (await client.query(`SELECT count(*)::int AS n FROM w${index} WHERE c = ${value}`)).rows,
        ).toEqual([{ n: 2 }]);
      }
      await client.query('CREATE EXTENSION IF NOT EXISTS citext');
      await client.query(
        "CREATE TABLE accounts (email citext); INSERT INTO accounts VALUES ('Alice@Example.com')",
      );
      const lookup = "SELECT count(*)::int AS n FROM accounts WHERE email = 'alice@example.com'";
      expect((await client.query(lookup)).rows).toEqual([{ n: 1 }]);
      await client.query('ALTER TABLE accounts ALTER COLUMN email TYPE text');
      expect((await client.query(lookup)).rows).toEqual([{ n: 0 }]);
    } finally {
      await client.end();
    }
  });

  it('constraint coverage: identity PK and a view shim keep old writes working; a generated NOT NULL breaks them until its precondition', async () => {
    const client = await scenarioClient('coverage');
    const release = [
      'ALTER TABLE users ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE',
      'ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED NOT NULL',
      'ALTER TABLE orders RENAME TO purchases',
      'CREATE VIEW orders AS SELECT id, customer, total FROM purchases',
    ].join(';\n');
    const analysis = await analyzeMigrations([{ path: 'release/001.sql', content: `${release};` }]);
    expect(analysis.files[0]?.findings.map((f) => f.rule)).toEqual(['generated-not-null', 'rename-shim']);
    try {
      // The old version inserts orders without a total now and then.
      const workload = [...OLD_VERSION_WORKLOAD, "INSERT INTO orders (customer) VALUES ('no-total')"];
      expect(await oldVersionFailures(client, workload)).toEqual([]);
      // Rows with a NULL total exist before the release, as they would in production.
      await client.query(release.replace('STORED NOT NULL', 'STORED'));
      await client.query('UPDATE purchases SET total = 0 WHERE total IS NULL');
      await client.query('ALTER TABLE purchases ALTER COLUMN total_cents SET NOT NULL');
      expect(await oldVersionFailures(client, workload)).toEqual([workload.at(-1)]);
      for (const step of analysis.preconditions)
        await client.query(step.sql.replace('ALTER TABLE orders', 'ALTER TABLE purchases'));
      expect(await oldVersionFailures(client, workload)).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
