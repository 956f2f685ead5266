/**
 * Every rule of the migration analysis, table-driven: what the previous version would hit after
 * the release's migrations ran, and the remediation SQL that makes it work again.
 */
import { analyze, findingsOf } from './helpers.js';

interface RuleCase {
  name: string;
  sql: string;
  rules: string[];
  verdict: 'safe' | 'conditional' | 'unsafe';
  /** Runnable remediation of the first finding. */
  remediationSql?: string;
  line?: number;
}

const cases: RuleCase[] = [
  {
    name: 'NOT NULL column without a default (jsonb gets {})',
    sql: 'ALTER TABLE orders ADD COLUMN order_metadata jsonb NOT NULL;',
    rules: ['add-column-not-null-no-default'],
    verdict: 'conditional',
    remediationSql: "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'",
    line: 1,
  },
  {
    name: 'NOT NULL text column gets an empty-string default',
    sql: 'ALTER TABLE users ADD COLUMN nickname varchar(40) NOT NULL;',
    rules: ['add-column-not-null-no-default'],
    verdict: 'conditional',
    remediationSql: "ALTER TABLE users ALTER COLUMN nickname SET DEFAULT ''",
  },
  {
    name: 'NOT NULL boolean / timestamp / numeric columns get false / now() / 0',
    sql: `ALTER TABLE a ADD COLUMN flag boolean NOT NULL;\nALTER TABLE b ADD COLUMN at timestamptz NOT NULL;\nALTER TABLE c ADD COLUMN n numeric(10,2) NOT NULL;`,
    rules: [
      'add-column-not-null-no-default',
      'add-column-not-null-no-default',
      'add-column-not-null-no-default',
    ],
    verdict: 'conditional',
    remediationSql: 'ALTER TABLE a ALTER COLUMN flag SET DEFAULT false',
  },
  {
    name: 'NOT NULL column of a type without a neutral value: DROP NOT NULL',
    sql: 'ALTER TABLE shapes ADD COLUMN area polygon NOT NULL;',
    rules: ['add-column-not-null-no-default'],
    verdict: 'conditional',
    remediationSql: 'ALTER TABLE shapes ALTER COLUMN area DROP NOT NULL',
  },
  {
    name: 'default dropped later in the release',
    sql: "ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';\nALTER TABLE orders ALTER COLUMN channel DROP DEFAULT;",
    rules: ['add-column-not-null-no-default'],
    verdict: 'conditional',
    remediationSql: "ALTER TABLE orders ALTER COLUMN channel SET DEFAULT ''",
    line: 2,
  },
  {
    name: 'SET NOT NULL on an existing column',
    sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    rules: ['set-not-null'],
    verdict: 'conditional',
    remediationSql: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL',
  },
  {
    name: 'CHECK constraint, even NOT VALID',
    sql: 'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0) NOT VALID;',
    rules: ['add-check-constraint'],
    verdict: 'conditional',
    remediationSql: 'ALTER TABLE orders DROP CONSTRAINT total_positive',
  },
  {
    name: 'UNIQUE constraint on existing columns',
    sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
    rules: ['add-unique'],
    verdict: 'conditional',
    remediationSql: 'ALTER TABLE users DROP CONSTRAINT users_email_key',
  },
  {
    name: 'unique index (concurrently, expression)',
    sql: 'CREATE UNIQUE INDEX CONCURRENTLY users_email_lower ON users (lower(email));',
    rules: ['add-unique'],
    verdict: 'conditional',
    remediationSql: 'DROP INDEX users_email_lower',
  },
  {
    name: 'unnamed unique index gets PostgreSQL default name',
    sql: 'create unique index on users (email);',
    rules: ['add-unique'],
    verdict: 'conditional',
    remediationSql: 'DROP INDEX users_email_idx',
  },
  {
    name: 'FOREIGN KEY on an existing column',
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
    rules: ['add-foreign-key'],
    verdict: 'conditional',
    remediationSql: 'ALTER TABLE orders DROP CONSTRAINT orders_user_fk',
  },
  {
    name: 'PRIMARY KEY on an existing table',
    sql: 'ALTER TABLE events ADD PRIMARY KEY (id);',
    rules: ['add-primary-key'],
    verdict: 'conditional',
    remediationSql: 'ALTER TABLE events DROP CONSTRAINT events_pkey',
  },
  {
    name: 'EXCLUDE constraint',
    sql: 'ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
    rules: ['add-exclusion-constraint'],
    verdict: 'conditional',
    remediationSql: 'ALTER TABLE bookings DROP CONSTRAINT no_overlap',
  },
  {
    name: 'DROP TABLE',
    sql: 'DROP TABLE IF EXISTS legacy_orders CASCADE;',
    rules: ['drop-table'],
    verdict: 'unsafe',
  },
  {
    name: 'DROP COLUMN',
    sql: 'ALTER TABLE orders DROP COLUMN IF EXISTS coupon;',
    rules: ['drop-column'],
    verdict: 'unsafe',
  },
  {
    name: 'RENAME COLUMN',
    sql: 'ALTER TABLE orders RENAME COLUMN total TO total_cents;',
    rules: ['rename-column'],
    verdict: 'unsafe',
    remediationSql: 'ALTER TABLE orders RENAME COLUMN total_cents TO total',
  },
  {
    name: 'RENAME TABLE',
    sql: 'ALTER TABLE orders RENAME TO purchases;',
    rules: ['rename-table'],
    verdict: 'unsafe',
    remediationSql: 'ALTER TABLE purchases RENAME TO orders',
  },
  {
    name: 'SET SCHEMA',
    sql: 'ALTER TABLE public.orders SET SCHEMA archive;',
    rules: ['set-schema'],
    verdict: 'unsafe',
    remediationSql: 'ALTER TABLE archive.orders SET SCHEMA public',
  },
  {
    name: 'type change with a USING cast (text to integer)',
    sql: 'ALTER TABLE orders ALTER COLUMN code TYPE integer USING code::integer;',
    rules: ['narrowing-type-change'],
    verdict: 'unsafe',
  },
  {
    name: 'type change to a bounded varchar of unknown old length',
    sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(20);',
    rules: ['narrowing-type-change'],
    verdict: 'unsafe',
  },
  {
    name: 'enum replacement',
    sql: `CREATE TYPE status_v2 AS ENUM ('open', 'closed');
ALTER TABLE tickets ALTER COLUMN status TYPE status_v2 USING status::text::status_v2;
DROP TYPE status;
ALTER TYPE status_v2 RENAME TO status;`,
    rules: ['narrowing-type-change', 'drop-type'],
    verdict: 'unsafe',
  },
  { name: 'DROP VIEW', sql: 'DROP VIEW order_totals;', rules: ['drop-view'], verdict: 'unsafe' },
  {
    name: 'DROP MATERIALIZED VIEW',
    sql: 'DROP MATERIALIZED VIEW daily_sales;',
    rules: ['drop-view'],
    verdict: 'unsafe',
  },
  { name: 'DROP SCHEMA', sql: 'DROP SCHEMA reporting CASCADE;', rules: ['drop-schema'], verdict: 'unsafe' },
  {
    name: 'enum label renamed',
    sql: "ALTER TYPE order_state RENAME VALUE 'canceled' TO 'cancelled';",
    rules: ['rename-enum-value'],
    verdict: 'unsafe',
  },
  {
    name: 'data moved and the old column dropped',
    sql: `ALTER TABLE users ADD COLUMN full_name text;
UPDATE users SET full_name = first_name || ' ' || last_name;
ALTER TABLE users DROP COLUMN first_name, DROP COLUMN last_name;`,
    rules: ['drop-column', 'drop-column'],
    verdict: 'unsafe',
    line: 3,
  },
  {
    name: 'existing column loses its default: a warning, not a block',
    sql: 'ALTER TABLE orders ALTER COLUMN currency DROP DEFAULT;',
    rules: ['drop-default'],
    verdict: 'safe',
  },
  {
    name: 'DO block with dynamic SQL: not proven safe, a human must review it',
    sql: "DO $$ BEGIN EXECUTE 'ALTER TABLE t DROP COLUMN c'; END $$;",
    rules: ['unanalyzed-do-block'],
    verdict: 'conditional',
  },
  {
    name: 'DO block among harmless statements still asks for a review',
    sql: 'ALTER TABLE orders ADD COLUMN note text;\nDO $$ BEGIN PERFORM 1; END $$;',
    rules: ['unanalyzed-do-block'],
    verdict: 'conditional',
    line: 2,
  },
  {
    name: 'an empty file has no statements: safe, not a parse error',
    sql: '',
    rules: [],
    verdict: 'safe',
  },
  {
    name: 'a whitespace-only file has no statements: safe',
    sql: '  \n\t\n',
    rules: [],
    verdict: 'safe',
  },
  {
    name: 'a file that does not parse is unsafe, with the line',
    sql: 'ALTER TABLE orders ADD COLUMN a int;\n\nALTER TABLEE orders DROP x;',
    rules: ['parse-error'],
    verdict: 'unsafe',
    line: 3,
  },
];

describe('migration rules', () => {
  it.each(cases)('$name', async ({ sql, rules, verdict, remediationSql, line }) => {
    const analysis = await analyze(sql);
    const findings = analysis.files.flatMap((file) => file.findings);
    expect(findings.map((finding) => finding.rule)).toEqual(rules);
    expect(analysis.files[0]?.verdict).toBe(verdict);
    for (const finding of findings) {
      expect(finding.message.length).toBeGreaterThan(20);
      expect(finding.remediation.length).toBeGreaterThan(10);
    }
    if (remediationSql !== undefined) expect(findings[0]?.sql).toBe(remediationSql);
    if (line !== undefined) expect(findings[0]?.line).toBe(line);
  });

  it('exposes conditional remediations as ordered, de-duplicated preconditions', async () => {
    const analysis = await analyze({
      'm/001.sql': 'ALTER TABLE orders ADD COLUMN order_metadata jsonb NOT NULL;',
      'm/002.sql':
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE orders RENAME COLUMN a TO b;',
    });
    expect(analysis.preconditions.map((step) => step.sql)).toEqual([
      "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'",
      'ALTER TABLE users ALTER COLUMN email DROP NOT NULL',
    ]);
    expect(analysis.preconditions[0]?.why).toMatch(/order_metadata/);
  });

  it('tells the reader to review a DO block by hand, and adds no precondition SQL for it', async () => {
    const analysis = await analyze("DO $$ BEGIN EXECUTE 'ALTER TABLE t DROP COLUMN c'; END $$;");
    const [finding] = analysis.files[0]?.findings ?? [];
    expect(finding).toMatchObject({ rule: 'unanalyzed-do-block', severity: 'conditional' });
    expect(finding?.remediation).toMatch(/Review the block by hand/);
    expect(analysis.preconditions).toEqual([]);
  });

  it('says NOT VALID still checks new rows', async () => {
    const [finding] = await findingsOf('ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;');
    expect(finding?.message).toMatch(/NOT VALID.*new rows are still checked/);
  });
});
