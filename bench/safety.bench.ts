/**
 * Rollback-safety analysis of a release of 200 migration files (target: under 1 s).
 * Run: `npm run bench -- bench/safety.bench.ts`.
 */
import { analyzeMigrations } from '../src/domain/safety/analyze-migrations.js';
import { ensureParserLoaded } from '../src/domain/safety/sql-parser.js';
import { migrationCorpus } from './migration-corpus.js';

const FILES = 200;

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const sources = migrationCorpus(FILES);
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
