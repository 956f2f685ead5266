/**
 * Fail closed: statements the analysis does not model are never `safe`. The common ones have
 * real rules (TRUNCATE and DETACH PARTITION lose the old version's rows; a domain's new NOT NULL
 * or CHECK breaks old writes, with the SQL that lifts it); the rest ask a human by name.
 */
import { analyze, findingsOf } from './helpers.js';

interface Case {
  name: string;
  sql: string;
  rules: string[];
  verdict: 'safe' | 'conditional' | 'unsafe';
  /** Words the finding's message must contain. */
  says?: string;
  sqlFix?: string;
}

const cases: Case[] = [
  {
    name: 'TRUNCATE of an existing table',
    sql: 'TRUNCATE TABLE audit_log;',
    rules: ['truncate'],
    verdict: 'unsafe',
    says: 'audit_log is truncated',
  },
  {
    name: 'TRUNCATE of a table the release created',
    sql: 'CREATE TABLE tmp (id int);\nTRUNCATE tmp;',
    rules: [],
    verdict: 'safe',
  },
  {
    name: 'DETACH PARTITION',
    sql: 'ALTER TABLE events DETACH PARTITION events_2025;',
    rules: ['detach-partition'],
    verdict: 'unsafe',
    says: 'events_2025 is detached from events',
  },
  {
    name: 'ATTACH PARTITION needs a human',
    sql: "ALTER TABLE events ATTACH PARTITION events_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');",
    rules: ['unanalyzed-statement'],
    verdict: 'conditional',
    says: 'ALTER TABLE events ATTACH PARTITION is not analysed',
  },
  {
    name: 'a domain becomes NOT NULL',
    sql: 'ALTER DOMAIN email SET NOT NULL;',
    rules: ['domain-constraint'],
    verdict: 'conditional',
    sqlFix: 'ALTER DOMAIN email DROP NOT NULL',
  },
  {
    name: 'a domain gains a named CHECK',
    sql: "ALTER DOMAIN email ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');",
    rules: ['domain-constraint'],
    verdict: 'conditional',
    sqlFix: 'ALTER DOMAIN email DROP CONSTRAINT email_has_at',
  },
  {
    name: 'a domain gains an unnamed CHECK: PostgreSQL names it <domain>_check',
    sql: 'ALTER DOMAIN positive ADD CHECK (VALUE > 0);',
    rules: ['domain-constraint'],
    verdict: 'conditional',
    sqlFix: 'ALTER DOMAIN positive DROP CONSTRAINT positive_check',
  },
  {
    name: 'a domain only loosened',
    sql: 'ALTER DOMAIN email DROP NOT NULL;\nALTER DOMAIN email DROP CONSTRAINT email_has_at;',
    rules: [],
    verdict: 'safe',
  },
  {
    name: 'a domain the release created',
    sql: 'CREATE DOMAIN cents AS bigint;\nALTER DOMAIN cents SET NOT NULL;',
    rules: [],
    verdict: 'safe',
  },
  {
    name: 'a trigger on an existing table',
    sql: 'CREATE TRIGGER orders_guard BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION guard();',
    rules: ['unanalyzed-statement'],
    verdict: 'conditional',
    says: 'CREATE TRIGGER is not analysed',
  },
  {
    name: 'row-level security and a policy',
    sql: 'ALTER TABLE orders ENABLE ROW LEVEL SECURITY;\nCREATE POLICY own ON orders USING (user_id = current_user_id());',
    rules: ['unanalyzed-statement', 'unanalyzed-statement'],
    verdict: 'conditional',
    says: 'ALTER TABLE orders ENABLE ROW SECURITY is not analysed',
  },
  {
    name: 'a rule',
    sql: 'CREATE RULE no_delete AS ON DELETE TO orders DO INSTEAD NOTHING;',
    rules: ['unanalyzed-statement'],
    verdict: 'conditional',
    says: 'CREATE RULE',
  },
  {
    name: 'renaming an existing type',
    sql: 'ALTER TYPE order_state RENAME TO order_status;',
    rules: ['unanalyzed-statement'],
    verdict: 'conditional',
    says: 'renaming type order_state',
  },
  {
    name: 'a composite type loses an attribute',
    sql: 'ALTER TYPE address DROP ATTRIBUTE zip;',
    rules: ['unanalyzed-statement'],
    verdict: 'conditional',
  },
  {
    name: 'dropping a function the old version may call',
    sql: 'DROP FUNCTION order_total(bigint);',
    rules: ['unanalyzed-statement'],
    verdict: 'conditional',
    says: 'DROP FUNCTION',
  },
  {
    name: 'a sequence restarted',
    sql: 'ALTER SEQUENCE orders_id_seq RESTART WITH 1;',
    rules: ['unanalyzed-statement'],
    verdict: 'conditional',
    says: 'ALTER SEQUENCE',
  },
  {
    name: 'a dropped identity',
    sql: 'ALTER TABLE events ALTER COLUMN id DROP IDENTITY;',
    rules: ['unanalyzed-statement'],
    verdict: 'conditional',
  },
  {
    name: 'maintenance and options stay safe',
    sql: 'ALTER TABLE orders SET (fillfactor = 90);\nALTER TABLE orders ALTER COLUMN note SET STATISTICS 500;\nALTER INDEX orders_created SET (fillfactor = 80);\nDROP TRIGGER IF EXISTS old_audit ON orders;\nALTER TABLE orders OWNER TO app;',
    rules: [],
    verdict: 'safe',
  },
];

describe('fail closed on statements the analysis does not model', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const findings = await findingsOf(c.sql);
    expect(findings.map((f) => f.rule)).toEqual(c.rules);
    const [file] = (await analyze(c.sql)).files;
    expect(file?.verdict).toBe(c.verdict);
    if (c.says) expect(findings.map((f) => f.message).join('\n')).toContain(c.says);
    if (c.sqlFix) expect((await analyze(c.sql)).preconditions.map((p) => p.sql)).toEqual([c.sqlFix]);
    if (c.rules.includes('unanalyzed-statement'))
      expect(findings.find((f) => f.rule === 'unanalyzed-statement')?.message).toMatch(/^Needs a human: /);
  });
});
