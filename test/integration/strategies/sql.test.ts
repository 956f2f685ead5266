/**
 * The sql strategy against a real PostgreSQL with real psql and pg_dump: the down migration runs
 * under the advisory lock in one transaction, after a backup of the tables it touches that
 * pg_restore can read; a statement that cannot run in a transaction runs without one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import type { PlanStep } from '../../../src/domain/plan.js';
import { ensureParserLoaded } from '../../../src/domain/safety/sql-parser.js';
import { executePlan } from '../../../src/flows/execute-rollback.js';
import { engineFixture, plan } from '../execution/helpers.js';

const HOST = process.env.PGHOST ?? '127.0.0.1';
const PORT = process.env.PGPORT ?? '5432';
const database = `rbtest_sql_${randomBytes(4).toString('hex')}`;
const URL = `postgres://postgres@${HOST}:${PORT}/${database}`;

let admin: pg.Client;
let db: pg.Client;
beforeAll(async () => {
  await ensureParserLoaded();
  admin = new pg.Client({ host: HOST, port: Number(PORT), user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  db = new pg.Client({ connectionString: URL });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
});

describe('the sql strategy', () => {
  const engine = engineFixture('sql');
  const step = (file: string, backupDir: string): PlanStep => ({
    id: 's1',
    name: 'Undo the migration',
    argv: [],
    idempotent: false,
    timeoutMs: 30_000,
    env: {},
    strategy: {
      spec: { kind: 'sql', databaseEnv: 'CHECKOUT_DATABASE_URL', file, backupDir },
      toVersion: 'v2.3.0',
    },
  });
  const run = (s: PlanStep, lookup: Record<string, string> = { CHECKOUT_DATABASE_URL: URL }) =>
    executePlan(engine.context(plan([s]), { lookupEnv: (name) => lookup[name] }).ctx);

  beforeEach(async () => {
    await db.query('DROP TABLE IF EXISTS orders');
    await db.query(
      'CREATE TABLE orders (id serial PRIMARY KEY, customer text, order_metadata jsonb NOT NULL)',
    );
    await db.query(`INSERT INTO orders (customer, order_metadata) VALUES ('kept', '{"a":1}')`);
  });

  it('backs the touched table up, then runs the down migration under the advisory lock in one transaction', async () => {
    const dir = engine.scratch().dir;
    const file = join(dir, 'v2.4.0.down.sql');
    writeFileSync(file, '-- undo v2.4.0\nALTER TABLE orders DROP COLUMN order_metadata;\n');
    const outcome = await run(step(file, dir));
    expect(outcome.kind).toBe('completed');
    const tail = outcome.steps[0]?.outputTail ?? '';
    expect(tail).toContain('1 statement(s) from');
    expect(tail).toContain(
      'in one transaction under advisory lock 727120001; backup of orders first, kept at',
    );
    const { rows } = await db.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position",
    );
    expect(rows.map((r: { column_name: string }) => r.column_name)).toEqual(['id', 'customer']);
    const dumps = tail.match(/kept at (\S+\.dump)/)?.[1];
    expect(dumps && existsSync(dumps)).toBe(true);
    const listed = await execa('pg_restore', ['--list', dumps as string]);
    expect(listed.stdout).toMatch(/TABLE public orders/);
    expect(listed.stdout).toMatch(/TABLE DATA public orders/);
  });

  it('backs up exactly the tables that exist before it runs: quoted names kept, CTEs and new tables left out', async () => {
    const dir = engine.scratch().dir;
    await db.query('DROP TABLE IF EXISTS "Refunds", orders_archive');
    await db.query('CREATE TABLE "Refunds" (id int)');
    const file = join(dir, 'v2.4.0.down.sql');
    writeFileSync(
      file,
      [
        'CREATE TABLE orders_archive AS SELECT * FROM orders;',
        'WITH stale AS (SELECT id FROM orders WHERE customer IS NULL) DELETE FROM "Refunds" WHERE id IN (SELECT id FROM stale);',
        'ALTER TABLE orders DROP COLUMN order_metadata;',
        '',
      ].join('\n'),
    );
    const outcome = await run(step(file, dir));
    // --strict-names: had "stale" or orders_archive been asked for, pg_dump would have failed the step.
    expect(outcome.kind).toBe('completed');
    const dumps = (outcome.steps[0]?.outputTail ?? '').match(/kept at (\S+\.dump)/)?.[1];
    const listed = await execa('pg_restore', ['--list', dumps as string]);
    expect(listed.stdout).toMatch(/TABLE DATA public Refunds/);
    expect(listed.stdout).toMatch(/TABLE DATA public orders /);
    expect(listed.stdout).not.toMatch(/orders_archive|stale/);
    await db.query('DROP TABLE IF EXISTS "Refunds", orders_archive');
  });

  it('waits for another holder of the advisory lock before touching anything', async () => {
    const dir = engine.scratch().dir;
    const file = join(dir, 'v2.4.0.down.sql');
    writeFileSync(file, 'ALTER TABLE orders DROP COLUMN order_metadata;\n');
    await db.query('SELECT pg_advisory_lock(727120001)');
    const running = run(step(file, dir));
    // psql's session shows up waiting for the same lock…
    for (;;) {
      const { rows } = await db.query(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 727120001 AND NOT granted",
      );
      if (rows.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const before = await db.query(
      "SELECT 1 FROM information_schema.columns WHERE column_name = 'order_metadata'",
    );
    expect(before.rows).toHaveLength(1); // …and has changed nothing yet
    await db.query('SELECT pg_advisory_unlock(727120001)');
    expect((await running).kind).toBe('completed');
    const after = await db.query(
      "SELECT 1 FROM information_schema.columns WHERE column_name = 'order_metadata'",
    );
    expect(after.rows).toHaveLength(0);
  });

  it('fails whole, changing nothing, when a statement fails inside the transaction', async () => {
    const dir = engine.scratch().dir;
    const file = join(dir, 'bad.down.sql');
    writeFileSync(
      file,
      'ALTER TABLE orders DROP COLUMN order_metadata;\nALTER TABLE orders DROP COLUMN no_such_column;\n',
    );
    const outcome = await run(step(file, dir));
    expect(outcome).toMatchObject({ kind: 'step_failed', failure: 'step_failed' });
    const { rows } = await db.query(
      "SELECT 1 FROM information_schema.columns WHERE column_name = 'order_metadata'",
    );
    expect(rows).toHaveLength(1); // the first statement was rolled back with the second
  });

  it('runs CREATE INDEX CONCURRENTLY outside a transaction, still under the lock', async () => {
    const dir = engine.scratch().dir;
    const file = join(dir, 'index.sql');
    writeFileSync(file, 'CREATE INDEX CONCURRENTLY orders_customer ON orders (customer);\n');
    const outcome = await run(step(file, dir));
    expect(outcome.kind).toBe('completed');
    expect(outcome.steps[0]?.outputTail).toContain(
      '(not transactional: a statement cannot run in one) under advisory lock',
    );
    const { rows } = await db.query("SELECT indexname FROM pg_indexes WHERE indexname = 'orders_customer'");
    expect(rows).toHaveLength(1);
  });

  it('refuses, running nothing, when the database URL is not set', async () => {
    const dir = engine.scratch().dir;
    const file = join(dir, 'v2.4.0.down.sql');
    writeFileSync(file, 'ALTER TABLE orders DROP COLUMN order_metadata;\n');
    const outcome = await run(step(file, dir), {});
    expect(outcome).toMatchObject({
      kind: 'step_failed',
      failure: 'bad_plan',
      error: 'CHECKOUT_DATABASE_URL (the database URL) is not set',
    });
  });
});
