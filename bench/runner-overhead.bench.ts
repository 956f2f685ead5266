/**
 * The CommandRunner's overhead per step beyond the child's own run time.
 * Run: node --import ./scripts/ts-register.js bench/runner-overhead.bench.ts [iterations]
 *
 * Each iteration runs test/fixtures/steps/lifetime.mjs (which prints how long it has been alive,
 * `performance.now()` from its own process start) through the runner and through bare execa,
 * alternating so both see the same machine load. Reported:
 * - runner wall − child lifetime: everything a step costs besides its own run (spawn, env, pipes,
 *   process-group setup, redaction, exit notification);
 * - runner wall − bare execa wall: what the runner adds on top of execa itself.
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { ExecaCommandRunner } from '../src/adapters/outbound/shell/command-runner.js';
import { createRedactor } from '../src/adapters/outbound/shell/redact.js';

const iterations = Number(process.argv[2] ?? 60);
const script = fileURLToPath(new URL('../test/fixtures/steps/lifetime.mjs', import.meta.url));
const runner = new ExecaCommandRunner({ redactor: createRedactor(['a-configured-secret-value']) });

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const beyondChild: number[] = [];
const beyondExeca: number[] = [];
const runnerWall: number[] = [];
const warmup = 5;
for (let i = 0; i < iterations + warmup; i++) {
  const t0 = performance.now();
  const result = await runner.run({ argv: [process.execPath, script], timeoutMs: 10_000 });
  const wall = performance.now() - t0;
  if (result.status !== 'succeeded') throw new Error(`run failed: ${result.status}`);
  const lifetime = Number(result.outputTail);

  const t1 = performance.now();
  await execa(process.execPath, [script]);
  const rawWall = performance.now() - t1;

  if (i < warmup) continue;
  runnerWall.push(wall);
  beyondChild.push(wall - lifetime);
  beyondExeca.push(wall - rawWall);
}

const row = (label: string, values: number[]) =>
  `${label.padEnd(34)} p50 ${percentile(values, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(6)} ms`;
console.log(`runner overhead, ${iterations} runs of \`node lifetime.mjs\` (after ${warmup} warm-up runs)`);
console.log(row('runner wall time', runnerWall));
console.log(row('runner wall − child lifetime', beyondChild));
console.log(row('runner wall − bare execa wall', beyondExeca));
