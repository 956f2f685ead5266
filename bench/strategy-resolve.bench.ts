/**
 * Strategy resolution against the stand-in tools (test/fixtures/bin): each strategy's live reads
 * and resolution through the real process runner, and the same plus the tools' own dry run, as
 * the Dry run button does it. Spawning node-based stand-ins dominates; real kubectl/helm add
 * their API round trips.
 *
 *   node --import ./scripts/ts-register.js bench/strategy-resolve.bench.ts [rounds]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecaCommandRunner } from '../src/adapters/outbound/shell/command-runner.js';
import type { PlanStep } from '../src/domain/plan.js';
import type { StrategySpec } from '../src/domain/strategies/types.js';
import { resolveStrategyStep } from '../src/flows/strategy-step.js';
import { toolDryRun } from '../src/flows/dry-run.js';
import { displayArgv } from '../src/domain/plan.js';

const ROUNDS = Number(process.argv[2] ?? 20);
const BIN = join(process.cwd(), 'test/fixtures/bin');
const image = (tag: string) => [{ name: 'app', image: `registry.example.com/app:${tag}` }];

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: Math.round(at(50) ?? NaN), p99: Math.round(at(99) ?? NaN) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-strategy-bench-'));
  const state = join(dir, 'cluster.json');
  const log = join(dir, 'calls.jsonl');
  writeFileSync(log, '');
  writeFileSync(
    state,
    JSON.stringify({
      deployments: { checkout: { namespace: 'prod', containers: image('v2.4.0') } },
      rollouts: { web: { namespace: 'prod' } },
      replicaSets: [
        ...Array.from({ length: 10 }, (_, i) => ({
          name: `checkout-${i}`,
          deployment: 'checkout',
          namespace: 'prod',
          revision: i + 1,
          containers: image(`v2.${i}.0`),
        })),
        ...Array.from({ length: 10 }, (_, i) => ({
          name: `web-${i}`,
          rollout: 'web',
          namespace: 'prod',
          revision: i + 1,
          containers: image(`v2.${i}.0`),
        })),
      ],
      releases: {
        checkout: Array.from({ length: 10 }, (_, i) => ({
          revision: i + 1,
          updated: '2026-12-01T00:00:00Z',
          status: i === 9 ? 'deployed' : 'superseded',
          chart: 'checkout-1.0.0',
          app_version: `v2.${i}.0`,
          description: 'Upgrade complete',
        })),
      },
    }),
  );
  const runner = new ExecaCommandRunner({
    parentEnv: { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ''}` },
  });
  const specs: StrategySpec[] = [
    { kind: 'kubernetes', deployment: 'checkout', namespace: 'prod' },
    { kind: 'helm', release: 'checkout', namespace: 'prod' },
    { kind: 'argoRollouts', rollout: 'web', namespace: 'prod' },
  ];
  const results: Record<string, unknown> = {};
  for (const spec of specs) {
    const step: PlanStep = {
      id: 's1',
      name: spec.kind,
      argv: [],
      idempotent: true,
      timeoutMs: 30_000,
      env: { FAKE_CLUSTER_STATE: state, FAKE_CLUSTER_LOG: log },
      strategy: { spec, toVersion: 'v2.8.0' },
    };
    const resolve: number[] = [];
    const withDryRun: number[] = [];
    let commands = '';
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const { resolution } = await resolveStrategyStep(runner, step, { env: step.env, timeoutMs: 30_000 });
      resolve.push(performance.now() - t0);
      const first = resolution.commands[0];
      const dry = first ? toolDryRun(first) : undefined;
      if (dry) await runner.run({ argv: dry, env: step.env, timeoutMs: 30_000 });
      withDryRun.push(performance.now() - t0);
      commands = resolution.commands.map(displayArgv).join(' && ');
    }
    results[spec.kind] = { resolveMs: stats(resolve), resolveAndDryRunMs: stats(withDryRun), commands };
  }
  console.log(JSON.stringify({ rounds: ROUNDS, ...results }, null, 2));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
