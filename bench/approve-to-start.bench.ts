/**
 * Approve click → first step started: a signed block_actions request to the real bot (role all,
 * real Redis, BullMQ worker, Slack stand-in), until the rollback's first step is journaled as
 * started (`step_started`) and until the step's own process is running (its first log line).
 * Each round waits for the rollback to complete, so every click finds an idle worker.
 * With `kubernetes`, the step is the kubernetes strategy against the stand-in kubectl
 * (test/fixtures/bin): "process running" is then the moment `rollout undo --to-revision` is
 * spawned, after the strategy has read the deployment and its ReplicaSets.
 *
 *   node --import ./scripts/ts-register.js bench/approve-to-start.bench.ts [rounds] [run|kubernetes]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import startRedis from '../test/support/global-setup.js';
import stopRedis from '../test/support/global-teardown.js';
import { parseCatalog } from '../src/catalog/load.js';
import { startHarness } from '../test/support/bot-harness.js';
import { readLog } from '../test/integration/execution/helpers.js';
import { FAST_EXECUTION, workerCatalogYaml } from '../test/integration/worker/helpers.js';

const ROUNDS = Number(process.argv[2] ?? 50);
const MODE = process.argv[3] ?? 'run';
if (MODE !== 'run' && MODE !== 'kubernetes') throw new Error(`mode must be run or kubernetes, not ${MODE}`);
const image = (tag: string) => [{ name: 'checkout', image: `registry.example.com/checkout:${tag}` }];
/** deployment/checkout at v2.4.0 with revisions 1..3; each round starts from it again. */
const CLUSTER = JSON.stringify({
  deployments: { checkout: { namespace: 'prod', containers: image('v2.4.0') } },
  replicaSets: ['v2.2.0', 'v2.3.0', 'v2.4.0'].map((tag, i) => ({
    name: `checkout-${i}`,
    deployment: 'checkout',
    namespace: 'prod',
    revision: i + 1,
    containers: image(tag),
  })),
});

/** The catalog, and how many times the measured process has been spawned so far. */
function setUp(dir: string): { yaml: string; reset: () => void; spawned: () => { at: number }[] } {
  const log = join(dir, 'steps.jsonl');
  if (MODE === 'run') {
    const yaml = workerCatalogYaml({
      checkout: { production: { steps: [{ name: 'Undo deployment', log, label: 'undo' }] } },
    });
    return { yaml, reset: () => undefined, spawned: () => readLog(log) };
  }
  const state = join(dir, 'cluster.json');
  const calls = join(dir, 'calls.jsonl');
  writeFileSync(calls, '');
  // The bot's runner spawns with the process's PATH: the stand-ins go first.
  process.env.PATH = `${join(process.cwd(), 'test/fixtures/bin')}:${process.env.PATH ?? ''}`;
  const yaml = [
    workerCatalogYaml({ checkout: { production: { steps: [] } } }).trimEnd(),
    '          - name: Roll back',
    '            kubernetes: { deployment: checkout, namespace: prod }',
    `            env: ${JSON.stringify({ FAKE_CLUSTER_STATE: state, FAKE_CLUSTER_LOG: calls })}`,
    '',
  ].join('\n');
  const undos: { at: number }[] = [];
  let read = 0;
  return {
    yaml,
    reset: () => writeFileSync(state, CLUSTER),
    spawned: () => {
      const lines = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
      for (; read < lines.length; read++) if (lines[read]!.includes('"undo"')) undos.push({ at: Date.now() });
      return undos;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  const round = (n: number | undefined) => Math.round((n ?? NaN) * 10) / 10;
  return { p50: round(at(50)), p90: round(at(90)), p99: round(at(99)), max: round(sorted.at(-1)) };
}

async function main(): Promise<void> {
  await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'rb-bench-'));
  const { yaml, reset, spawned } = setUp(dir);
  const h = await startHarness(
    {},
    {
      catalog: parseCatalog(yaml, 'bench-catalog.yaml'),
      execution: { ...FAST_EXECUTION, progressIntervalMs: 500 },
    },
  );
  const store = h.bot.deps.store;
  const toJournal: number[] = [];
  const toProcess: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = (await store.recentIds(1))[0];
    reset();
    const target = MODE === 'run' ? `v2.3.${round}` : 'v2.3.0';
    await h.slash(`checkout production --to ${target} bench round ${round}`);
    let id: string | undefined;
    for (;;) {
      const [newest] = await store.recentIds(1);
      if (newest && newest !== before && (await store.get(newest))?.messageTs) {
        id = newest;
        break;
      }
      await sleep(5);
    }
    const processesBefore = spawned().length;
    const t0 = Date.now();
    const answer = await h.click('approve', id, 'U0LEAD');
    if (answer.status !== 200) throw new Error(`approve answered ${answer.status}`);
    for (;;) {
      const started = (await store.timeline(id)).find((e) => e.type === 'step_started');
      const entry = spawned()[processesBefore];
      if (started && entry) {
        toJournal.push(Date.parse(started.at) - t0);
        toProcess.push(entry.at - t0);
        break;
      }
      await sleep(2);
    }
    while ((await store.get(id))?.state !== 'completed') await sleep(5);
  }
  console.log(
    JSON.stringify(
      {
        rounds: ROUNDS,
        mode: MODE,
        approveToStepStartedMs: stats(toJournal),
        approveToStepProcessRunningMs: stats(toProcess),
      },
      null,
      2,
    ),
  );
  await h.close();
  rmSync(dir, { recursive: true, force: true });
  await stopRedis();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
