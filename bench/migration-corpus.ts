/** The benchmarks' migrations: the same realistic mix for the analysis and the CLI benches. */
import type { MigrationSource } from '../src/domain/safety/analyze-migrations.js';

/** A realistic mix: expand steps, backfills, indexes, constraints, renames, functions, comments. */
export function migrationCorpus(files: number, offset = 0): MigrationSource[] {
  return Array.from({ length: files }, (_, index) => {
    const i = index + offset;
    const t = `table_${i % 40}`;
    const content = `-- migrate:up
-- migration ${i}: ${'a comment that mentions DROP TABLE and NOT NULL '.repeat(2)}
BEGIN;
CREATE TABLE IF NOT EXISTS new_${i} (id bigserial PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE ${t} ADD COLUMN c_${i} text, ADD COLUMN d_${i} int NOT NULL DEFAULT 0;
UPDATE ${t} SET c_${i} = 'x' WHERE c_${i} IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS ${t}_c_${i}_idx ON ${t} (c_${i});
${i % 10 === 0 ? `ALTER TABLE ${t} ALTER COLUMN c_${i} SET NOT NULL;` : ''}
${i % 25 === 0 ? `ALTER TABLE ${t} RENAME COLUMN legacy_${i} TO modern_${i};` : ''}
${i % 15 === 0 ? `CREATE UNIQUE INDEX ${t}_u_${i} ON ${t} (email_${i});` : ''}
CREATE OR REPLACE FUNCTION touch_${i}() RETURNS trigger AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$ LANGUAGE plpgsql;
COMMENT ON TABLE new_${i} IS 'created by migration ${i}';
COMMIT;
-- migrate:down
DROP TABLE new_${i};
ALTER TABLE ${t} DROP COLUMN c_${i}, DROP COLUMN d_${i};
`;
    return { path: `db/migrations/${String(20240101000000 + i)}_m${i}.sql`, content };
  });
}
