/**
 * Rollback-safety analysis of a release of 200 migration files (target: under 1 s).
 * Run: `npm run bench -- bench/safety.bench.ts`.
 */
import { analyzeMigrations } from '../src/domain/safety/analyze-migrations.js';
import type { MigrationSource } from '../src/domain/safety/analyze-migrations.js';
import { ensureParserLoaded } from '../src/domain/safety/sql-parser.js';

const FILES = 200;

/** A realistic mix: expand steps, backfills, indexes, constraints, renames, functions, comments. */
function release(): MigrationSource[] {
  return Array.from({ length: FILES }, (_, i) => {
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

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const sources = release();
const bytes = sources.reduce((sum, s) => sum + s.content.length, 0);
const loadStart = performance.now();
await ensureParserLoaded();
const loadMs = performance.now() - loadStart;

globalThis.gc?.();
const before = process.memoryUsage();
const start = performance.now();
const analysis = await analyzeMigrations(sources);
const firstMs = performance.now() - start;
const after = process.memoryUsage();

const runs: number[] = [];
for (let i = 0; i < 5; i++) {
  const s = performance.now();
  await analyzeMigrations(sources);
  runs.push(performance.now() - s);
}
runs.sort((a, b) => a - b);

const findings = analysis.files.reduce((sum, f) => sum + f.findings.length, 0);
console.log(
  `release: ${FILES} files, ${(bytes / 1024).toFixed(0)} KiB of SQL, ${findings} findings, ${analysis.preconditions.length} preconditions`,
);
console.log(`parser load (once per process): ${loadMs.toFixed(0)} ms`);
console.log(
  `analysis, first run: ${firstMs.toFixed(0)} ms; warm median of 5: ${runs[2]?.toFixed(0)} ms (min ${runs[0]?.toFixed(0)}, max ${runs[4]?.toFixed(0)})`,
);
console.log(
  `heap used: ${mb(before.heapUsed)} → ${mb(after.heapUsed)} (+${mb(after.heapUsed - before.heapUsed)}); rss ${mb(before.rss)} → ${mb(after.rss)}`,
);
console.log(
  firstMs + loadMs < 1000 ? 'target met: under 1 s including parser load' : 'TARGET MISSED: over 1 s',
);
