/** Migration layouts: which part ran ("up"), which would reverse it ("down"), and in what order. */
import { compareMigrationOrder, detectLayout } from '../../../../src/domain/safety/migration-layouts.js';
import { analyze } from './helpers.js';

describe('migration layouts', () => {
  it('dbmate: only the up section is replayed; the down section is checked for data loss, with true lines', async () => {
    const analysis = await analyze({
      'db/migrations/20240101_add_note.sql': `-- migrate:up
ALTER TABLE orders ADD COLUMN note text;

-- migrate:down
ALTER TABLE orders DROP COLUMN note;
`,
    });
    const [file] = analysis.files;
    expect(file?.layout).toBe('dbmate');
    expect(file?.verdict).toBe('safe');
    expect(file?.findings.map((f) => [f.rule, f.line])).toEqual([['down-migration-drops-data', 5]]);
    expect(file?.findings[0]?.message).toMatch(/orders\.note/);
  });

  it('dbmate without a down section: missing down migration (a warning)', async () => {
    const analysis = await analyze({
      'db/20240101_x.sql': '-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\n',
    });
    expect(analysis.files[0]?.findings.map((f) => f.rule)).toEqual(['missing-down-migration']);
    expect(analysis.files[0]?.verdict).toBe('safe');
  });

  it('goose: Up and Down markers, StatementBegin blocks', async () => {
    const analysis = await analyze({
      'migrations/00002_orders.sql': `-- +goose Up
-- +goose StatementBegin
ALTER TABLE orders ADD COLUMN order_metadata jsonb NOT NULL;
-- +goose StatementEnd

-- +goose Down
DROP TABLE orders;
`,
    });
    const findings = analysis.files[0]?.findings.map((f) => [f.rule, f.line]);
    expect(analysis.files[0]?.layout).toBe('goose');
    expect(findings).toEqual([
      ['add-column-not-null-no-default', 3],
      ['down-migration-drops-data', 7],
    ]);
  });

  it('*.up.sql / *.down.sql pairs: the down file is not replayed; a lone up file misses its down', async () => {
    const analysis = await analyze({
      'm/000001_users.up.sql': 'ALTER TABLE users ADD COLUMN age int;',
      'm/000001_users.down.sql': 'ALTER TABLE users DROP COLUMN age;',
      'm/000002_orders.up.sql': 'CREATE INDEX orders_x ON orders (x);',
    });
    expect(analysis.files.map((f) => [f.path, f.direction, f.findings.map((x) => x.rule)])).toEqual([
      ['m/000001_users.down.sql', 'down', ['down-migration-drops-data']],
      ['m/000001_users.up.sql', 'up', []],
      ['m/000002_orders.up.sql', 'up', ['missing-down-migration']],
    ]);
    expect(analysis.files.every((f) => f.verdict === 'safe')).toBe(true);
  });

  it('Flyway: V files in version order, U files are undo migrations', async () => {
    const analysis = await analyze({
      'sql/V1_10__default.sql': 'ALTER TABLE orders ALTER COLUMN n SET DEFAULT 0;',
      'sql/V1_2__add.sql': 'ALTER TABLE orders ADD COLUMN n int NOT NULL;',
      'sql/U1_2__add.sql': 'ALTER TABLE orders DROP COLUMN n;',
      'sql/R__views.sql': 'CREATE OR REPLACE VIEW v AS SELECT 1;',
    });
    expect(analysis.files.map((f) => f.path)).toEqual([
      'sql/U1_2__add.sql',
      'sql/V1_2__add.sql',
      'sql/V1_10__default.sql',
      'sql/R__views.sql',
    ]);
    expect(analysis.files.map((f) => f.findings.map((x) => x.rule))).toEqual([
      ['down-migration-drops-data'],
      [],
      ['missing-down-migration'],
      [],
    ]);
  });

  it('plain .sql files have no down convention, so no missing-down finding', () => {
    expect(detectLayout('db/001_init.sql', 'CREATE TABLE t (id int);')).toMatchObject({
      layout: 'plain',
      supportsDown: false,
    });
  });

  it('orders numbers as numbers and timestamps chronologically', () => {
    const paths = ['a/10_x.sql', 'a/9_x.sql', 'a/20240102000000_b.sql', 'a/20231231235959_a.sql'];
    expect([...paths].sort(compareMigrationOrder)).toEqual([
      'a/9_x.sql',
      'a/10_x.sql',
      'a/20231231235959_a.sql',
      'a/20240102000000_b.sql',
    ]);
  });
});
