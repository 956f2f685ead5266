/**
 * The harmless changes the issue lists (no blocking finding, verdict safe), tricky syntax, and the
 * release read as a whole across statements and files: its end state decides.
 */
import { analyze, findingsOf } from './helpers.js';
import type { ReleaseSql } from './helpers.js';

const harmless: [string, ReleaseSql][] = [
  [
    'new table with NOT NULL columns and constraints',
    `CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id),
       amount numeric NOT NULL CHECK (amount > 0), code text UNIQUE NOT NULL);`,
  ],
  ['nullable column', 'ALTER TABLE orders ADD COLUMN note text;'],
  ['column with a constant default', "ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';"],
  [
    'columns with volatile defaults',
    'ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN ref uuid NOT NULL DEFAULT gen_random_uuid();',
  ],
  [
    'generated column',
    'ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;',
  ],
  ['identity column', 'ALTER TABLE events ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;'],
  ['serial column', 'ALTER TABLE events ADD COLUMN n bigserial;'],
  ['nullable UNIQUE column', 'ALTER TABLE users ADD COLUMN external_id text UNIQUE;'],
  [
    'nullable UNIQUE column, then a unique index on it',
    'ALTER TABLE users ADD COLUMN handle text;\nCREATE UNIQUE INDEX users_handle ON users (handle);',
  ],
  [
    'UNIQUE column with a volatile default',
    'ALTER TABLE users ADD COLUMN api_key uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE;',
  ],
  ['nullable foreign-key column', 'ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);'],
  [
    'nullable column with a NULL-tolerant CHECK',
    'ALTER TABLE orders ADD COLUMN discount int CHECK (discount >= 0);',
  ],
  ['plain index', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created ON orders (created_at);'],
  ['dropping an index', 'DROP INDEX CONCURRENTLY IF EXISTS orders_created;'],
  ['dropping a constraint', 'ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_total_check;'],
  ['widening to text', 'ALTER TABLE orders ALTER COLUMN code TYPE text;'],
  ['widening integer to bigint', 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;'],
  ['widening to unbounded varchar', 'ALTER TABLE orders ALTER COLUMN code TYPE varchar;'],
  [
    'widening a varchar the release created',
    'ALTER TABLE t ADD COLUMN c varchar(10);\nALTER TABLE t ALTER COLUMN c TYPE varchar(20);',
  ],
  [
    'comments, grants, statistics',
    `COMMENT ON TABLE orders IS 'DROP TABLE orders';
GRANT SELECT ON orders TO reporting;
CREATE STATISTICS orders_stats (dependencies) ON user_id, total FROM orders;
ANALYZE orders;`,
  ],
  [
    'views created or replaced',
    'CREATE VIEW v AS SELECT 1 AS one;\nCREATE OR REPLACE VIEW order_totals AS SELECT id, total FROM orders;',
  ],
  [
    'backfills',
    "UPDATE orders SET channel = 'web' WHERE channel IS NULL;\nINSERT INTO settings (key, value) VALUES ('a', 'b');",
  ],
  [
    'function bodies are not run by the migration',
    `CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $body$ DROP TABLE orders; $body$;
CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN ALTER TABLE x DROP COLUMN y; RETURN NEW; END $$ LANGUAGE plpgsql;`,
  ],
  [
    'comments and string literals',
    `-- ALTER TABLE orders DROP COLUMN total;
/* DROP TABLE users; /* nested */ ALTER TABLE users RENAME TO people; */
SELECT 'ALTER TABLE orders ADD COLUMN x int NOT NULL', $q$DROP SCHEMA public$q$;`,
  ],
  ['enum value added', "ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'refunded';"],
  ['new enum created and dropped', "CREATE TYPE tmp AS ENUM ('a');\nDROP TYPE tmp;"],
  ['new schema created and dropped', 'CREATE SCHEMA scratch;\nDROP SCHEMA scratch CASCADE;'],
  ['constraint validated', 'ALTER TABLE orders VALIDATE CONSTRAINT total_positive;'],
  ['transaction control and lower case', 'begin;\nalter table orders add column note text;\ncommit;'],
  [
    'table created and dropped in the same release, across files',
    {
      'db/001_tmp.sql': 'CREATE TABLE tmp_import (id int NOT NULL);',
      'db/002_drop.sql': 'DROP TABLE tmp_import;',
    },
  ],
  [
    'table created earlier in the release, altered later',
    {
      'db/001.sql': 'CREATE TABLE invoices (id bigint);',
      'db/002.sql': `ALTER TABLE public.invoices ADD COLUMN total int NOT NULL, ALTER COLUMN id SET NOT NULL,
         ADD CONSTRAINT invoices_total CHECK (total > 0), ADD PRIMARY KEY (id);
       ALTER TABLE invoices RENAME COLUMN total TO amount;
       ALTER TABLE invoices RENAME TO bills;
       DROP TABLE bills;`,
    },
  ],
  [
    'NOT NULL column given a default later',
    'ALTER TABLE orders ADD COLUMN n int NOT NULL;\nALTER TABLE orders ALTER COLUMN n SET DEFAULT 0;',
  ],
  [
    'column added then renamed and dropped',
    'ALTER TABLE orders ADD COLUMN a int;\nALTER TABLE orders RENAME COLUMN a TO b;\nALTER TABLE orders DROP COLUMN b;',
  ],
  [
    'SET NOT NULL undone later',
    'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
  ],
  ['unique index dropped again', 'CREATE UNIQUE INDEX u ON users (email);\nDROP INDEX u;'],
  [
    'constraint dropped again',
    'ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0);\nALTER TABLE orders DROP CONSTRAINT c;',
  ],
  [
    'multi-action ALTER that adds a default in the same statement',
    'ALTER TABLE orders ADD COLUMN a int NOT NULL, ALTER COLUMN a SET DEFAULT 0;',
  ],
];

describe('harmless changes', () => {
  it.each(harmless)('%s', async (_name, release) => {
    const analysis = await analyze(release);
    expect(analysis.files.flatMap((file) => file.findings)).toEqual([]);
    expect(analysis.files.every((file) => file.verdict === 'safe')).toBe(true);
    expect(analysis.preconditions).toEqual([]);
  });
});

describe('tricky syntax', () => {
  it('quotes names that need it in the remediation', async () => {
    const [finding] = await findingsOf('ALTER TABLE "Order Items" ADD COLUMN "Meta" jsonb NOT NULL;');
    expect(finding?.sql).toBe(`ALTER TABLE "Order Items" ALTER COLUMN "Meta" SET DEFAULT '{}'`);
  });

  it('keeps schema qualification, and quotes reserved words', async () => {
    const [finding] = await findingsOf('ALTER TABLE billing.invoices ADD COLUMN "order" int NOT NULL;');
    expect(finding?.sql).toBe('ALTER TABLE billing.invoices ALTER COLUMN "order" SET DEFAULT 0');
  });

  it('resolves unqualified names through SET search_path', async () => {
    const findings = await findingsOf(
      'SET search_path TO billing, public;\nCREATE TABLE invoices (id int);\nALTER TABLE billing.invoices ADD COLUMN t int NOT NULL;\nALTER TABLE invoices2 ALTER COLUMN x SET NOT NULL;',
    );
    expect(findings.map((f) => f.sql)).toEqual([
      'ALTER TABLE billing.invoices2 ALTER COLUMN x DROP NOT NULL',
    ]);
  });

  it('reads every action of a multi-action ALTER', async () => {
    const findings = await findingsOf(
      'ALTER TABLE orders ADD COLUMN a int NOT NULL, ALTER COLUMN b SET NOT NULL, DROP COLUMN IF EXISTS c, ADD CONSTRAINT d UNIQUE (e);',
    );
    expect(findings.map((f) => f.rule).sort()).toEqual(
      ['add-column-not-null-no-default', 'add-unique', 'drop-column', 'set-not-null'].sort(),
    );
  });

  it('gives the line of the statement, not of the comment before it, even after non-ASCII text', async () => {
    const [finding] = await findingsOf(
      "SELECT 'café ☕';\n/* naïve\n   comment */\n\n  ALTER TABLE orders\n  DROP COLUMN total;",
    );
    expect(finding?.line).toBe(5);
  });

  it('finds statements inside BEGIN/COMMIT', async () => {
    const findings = await findingsOf(
      'BEGIN;\nSET lock_timeout = 5000;\nALTER TABLE orders DROP COLUMN total;\nCOMMIT;',
    );
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['drop-column', 3]]);
  });
});

describe('the release as a whole', () => {
  it('SET NOT NULL in a later file on a column added earlier in the release', async () => {
    const findings = await findingsOf({
      'db/001_add.sql': 'ALTER TABLE orders ADD COLUMN priority int;',
      'db/002_backfill.sql':
        'UPDATE orders SET priority = 0;\nALTER TABLE orders ALTER COLUMN priority SET NOT NULL;',
    });
    expect(findings.map((f) => [f.path, f.rule, f.line, f.sql])).toEqual([
      [
        'db/002_backfill.sql',
        'add-column-not-null-no-default',
        2,
        'ALTER TABLE orders ALTER COLUMN priority SET DEFAULT 0',
      ],
    ]);
  });

  it('replays files in migration order, not in the order given', async () => {
    const analysis = await analyze({
      'db/10_default.sql': 'ALTER TABLE orders ALTER COLUMN n SET DEFAULT 0;',
      'db/2_add.sql': 'ALTER TABLE orders ADD COLUMN n int NOT NULL;',
    });
    expect(analysis.files.map((f) => f.path)).toEqual(['db/2_add.sql', 'db/10_default.sql']);
    expect(analysis.files.flatMap((f) => f.findings)).toEqual([]);
  });

  it('a file that does not parse does not stop the others being analysed', async () => {
    const analysis = await analyze({
      'db/1.sql': 'ALTER TABLE x DROP COLUMN y;',
      'db/2.sql': 'NOT SQL AT ALL',
      'db/3.sql': 'ALTER TABLE x ADD COLUMN z int;',
    });
    expect(analysis.files.map((f) => f.verdict)).toEqual(['unsafe', 'unsafe', 'safe']);
    expect(analysis.files[1]?.findings[0]?.rule).toBe('parse-error');
  });
});
