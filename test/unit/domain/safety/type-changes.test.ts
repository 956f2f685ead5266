/**
 * Column type changes judged by a table of PostgreSQL's types: the column's old type comes from the
 * replayed history, the change from the release. Widening is safe with no remediation; narrowing
 * or lossy changes stay unsafe; a change of comparison semantics breaks the old version's lookups.
 */
import { analyzeMigrations } from '../../../../src/domain/safety/analyze-migrations.js';

async function judge(oldType: string, change: string) {
  const analysis = await analyzeMigrations([{ path: 'db/002_release.sql', content: change }], {
    history: [{ path: 'db/001_create.sql', content: `CREATE TABLE t (c ${oldType});` }],
  });
  const findings = analysis.files.flatMap((file) => file.findings);
  return { verdict: analysis.files[0]?.verdict, rules: findings.map((f) => f.rule), findings, analysis };
}

const alter = (type: string, using = '') => `ALTER TABLE t ALTER COLUMN c TYPE ${type}${using};`;

const widening: [string, string][] = [
  ['varchar(50)', alter('varchar(100)')],
  ['varchar(50)', alter('varchar')],
  ['varchar(50)', alter('text')],
  ['text', alter('varchar')],
  ['numeric(10,2)', alter('numeric(12,2)')],
  ['numeric(10,2)', alter('numeric')],
  ['integer', alter('bigint')],
  ['smallint', alter('integer')],
  ['integer', alter('numeric(12,0)')],
  ['timestamp', alter('timestamptz')],
  ['timestamp(3)', alter('timestamp(6)')],
  ['cidr', alter('inet')],
  ['real', alter('double precision')],
  ['integer', alter('bigint', ' USING c::bigint')],
  ['varchar(20)', `${alter('varchar(40)')}\n${alter('text')}`],
];

const lossy: [string, string][] = [
  ['varchar(100)', alter('varchar(50)')],
  ['text', alter('varchar(20)')],
  ['bigint', alter('integer')],
  ['numeric(10,2)', alter('numeric(10,3)')],
  ['numeric(10,2)', alter('numeric(8,2)')],
  ['numeric', alter('numeric(10,2)')],
  ['integer', alter('numeric(5,0)')],
  ['timestamptz', alter('timestamp')],
  ['inet', alter('cidr')],
  ['integer', alter('bigint', ' USING c * 2')],
  ['text', alter('integer', ' USING c::integer')],
  ['varchar(20)', `${alter('text')}\n${alter('varchar(10)')}`],
];

describe('column type changes', () => {
  it.each(widening)('%s → %s is a widening: safe, with nothing to run', async (oldType, change) => {
    const { verdict, rules, analysis } = await judge(oldType, change);
    expect(rules).toEqual([]);
    expect(verdict).toBe('safe');
    expect(analysis.preconditions).toEqual([]);
  });

  it.each(lossy)('%s → %s is not proven widening: unsafe', async (oldType, change) => {
    const { verdict, rules, findings } = await judge(oldType, change);
    expect(rules).toEqual(['narrowing-type-change']);
    expect(verdict).toBe('unsafe');
    expect(findings[0]?.message).toContain(`changes type from`);
  });

  it('citext → text keeps the values but breaks case-insensitive lookups', async () => {
    const { verdict, findings } = await judge('citext', alter('text'));
    expect(verdict).toBe('unsafe');
    expect(findings[0]).toMatchObject({
      rule: 'comparison-semantics-change',
      message: expect.stringContaining('comparisons become case-sensitive'),
    });
  });
});
