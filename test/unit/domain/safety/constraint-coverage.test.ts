/**
 * What a constraint covers: constraints on columns that are all new and nullable or self-filling
 * leave the old version's writes alone; a generated NOT NULL whose expression can be NULL breaks
 * them; a rename followed by a view or plain column under the old name is a shim, not a break.
 */
import { analyze } from './helpers.js';

const cases: [string, string, 'safe' | 'conditional' | 'unsafe', string[], string?][] = [
  ['UNIQUE on a new serial', 'ALTER TABLE orders ADD COLUMN n2 bigserial UNIQUE;', 'safe', []],
  [
    'PRIMARY KEY on a new identity',
    'ALTER TABLE events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;',
    'safe',
    [],
  ],
  [
    'PRIMARY KEY on a new column with a volatile default',
    'ALTER TABLE events ADD COLUMN id uuid DEFAULT gen_random_uuid() PRIMARY KEY;',
    'safe',
    [],
  ],
  [
    'UNIQUE over new nullable columns only',
    'ALTER TABLE orders ADD COLUMN a int, ADD COLUMN b int, ADD CONSTRAINT ab UNIQUE (a, b);',
    'safe',
    [],
  ],
  [
    'FOREIGN KEY on a new nullable column',
    'ALTER TABLE orders ADD COLUMN coupon_id bigint, ADD CONSTRAINT fk FOREIGN KEY (coupon_id) REFERENCES coupons (id);',
    'safe',
    [],
  ],
  [
    'UNIQUE mixing a new and an existing column',
    'ALTER TABLE orders ADD COLUMN a int, ADD CONSTRAINT ab UNIQUE (a, customer);',
    'conditional',
    ['add-unique'],
    'ALTER TABLE orders DROP CONSTRAINT ab',
  ],
  [
    'UNIQUE on a generated column: derived from old rows, they can collide',
    'ALTER TABLE users ADD COLUMN email_lower text GENERATED ALWAYS AS (lower(email)) STORED UNIQUE;',
    'conditional',
    ['add-unique'],
  ],
  [
    'PRIMARY KEY on a new column with a constant default',
    "ALTER TABLE events ADD COLUMN id text NOT NULL DEFAULT 'x' PRIMARY KEY;",
    'conditional',
    ['add-primary-key'],
  ],
  [
    'generated NOT NULL from a nullable column',
    'ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED NOT NULL;',
    'conditional',
    ['generated-not-null'],
    'ALTER TABLE orders ALTER COLUMN total_cents DROP NOT NULL',
  ],
  [
    'generated NOT NULL that cannot be NULL',
    'ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (coalesce(total, 0) * 100) STORED NOT NULL;',
    'safe',
    [],
  ],
  [
    'a renamed table with a view under the old name',
    'ALTER TABLE orders RENAME TO purchases;\nCREATE VIEW orders AS SELECT * FROM purchases;',
    'safe',
    ['rename-shim'],
  ],
  [
    'a renamed column with a plain column under the old name',
    'ALTER TABLE orders RENAME COLUMN customer TO customer_name;\nALTER TABLE orders ADD COLUMN customer text;',
    'safe',
    ['rename-shim'],
  ],
  [
    'a renamed column with a generated one under the old name: old writes to it fail',
    'ALTER TABLE orders RENAME COLUMN customer TO customer_name;\nALTER TABLE orders ADD COLUMN customer text GENERATED ALWAYS AS (customer_name) STORED;',
    'unsafe',
    ['rename-column'],
  ],
];

describe('what a constraint covers', () => {
  // Rows as [name, case]: rows of different lengths would hand a test Jest's `done`.
  const rows = cases.map(
    ([name, sql, verdict, rules, precondition]) => [name, { sql, verdict, rules, precondition }] as const,
  );
  it.each(rows)('%s', async (_name, { sql, verdict, rules, precondition }) => {
    const analysis = await analyze(sql);
    expect(analysis.files[0]?.findings.map((f) => f.rule)).toEqual(rules);
    expect(analysis.files[0]?.verdict).toBe(verdict);
    // No needless precondition for a safe release; the exact one otherwise.
    if (verdict === 'safe') expect(analysis.preconditions).toEqual([]);
    if (precondition) expect(analysis.preconditions.map((p) => p.sql)).toEqual([precondition]);
  });
});
