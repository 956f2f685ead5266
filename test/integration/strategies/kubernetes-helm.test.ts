/**
 * The kubernetes and helm strategies through the real engine and process runner, against
 * stand-ins for kubectl and helm (test/fixtures/bin) that answer in the real tools' formats and
 * keep the cluster's state between calls. Asserts the exact argv the bot ran.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecaCommandRunner } from '../../../src/adapters/outbound/shell/command-runner.js';
import type { PlanStep } from '../../../src/domain/plan.js';
import type { StrategySpec } from '../../../src/domain/strategies/types.js';
import { executePlan } from '../../../src/flows/execute-rollback.js';
import { engineFixture, plan, recordStep } from '../execution/helpers.js';
import { PATH_WITH_STAND_INS, checkoutReplicaSet, image, standInCalls } from './stand-in-cluster.js';

const runner = new ExecaCommandRunner({ parentEnv: { ...process.env, PATH: PATH_WITH_STAND_INS } });
const cluster = () => ({
  deployments: { checkout: { namespace: 'prod', containers: image('v2.4.0') } },
  replicaSets: [
    checkoutReplicaSet('checkout-5d8f7', 1, 'v2.2.0'),
    checkoutReplicaSet('checkout-7c9b4', 2, 'v2.3.0'),
    checkoutReplicaSet('checkout-9f6d2', 3, 'v2.4.0'),
    { name: 'web-6b7c8', rollout: 'web', namespace: 'prod', revision: 7, containers: image('v2.3.0') },
    { name: 'web-8d9e1', rollout: 'web', namespace: 'prod', revision: 8, containers: image('v2.4.0') },
  ],
  rollouts: { web: { namespace: 'prod', argocdApp: 'web-prod' } },
  releases: {
    checkout: [
      {
        revision: 1,
        updated: '2026-11-20T10:00:00Z',
        status: 'superseded',
        chart: 'checkout-1.4.0',
        app_version: 'v2.3.0',
        description: 'Install complete',
      },
      {
        revision: 2,
        updated: '2026-12-02T09:00:00Z',
        status: 'failed',
        chart: 'checkout-1.4.1',
        app_version: 'v2.3.0',
        description: 'Upgrade "checkout" failed: timed out waiting for the condition',
      },
      {
        revision: 3,
        updated: '2026-12-03T14:00:00Z',
        status: 'deployed',
        chart: 'checkout-1.5.0',
        app_version: 'v2.4.0',
        description: 'Upgrade complete',
      },
    ],
  },
});

describe('strategies against the live system', () => {
  const engine = engineFixture('strategy');
  let stateFile: string;
  let logFile: string;
  const calls = () => standInCalls(logFile);
  const state = () => JSON.parse(readFileSync(stateFile, 'utf8')) as ReturnType<typeof cluster>;
  const env = () => ({ FAKE_CLUSTER_STATE: stateFile, FAKE_CLUSTER_LOG: logFile });

  beforeEach(() => {
    stateFile = join(engine.scratch().dir, 'cluster.json');
    logFile = join(engine.scratch().dir, 'calls.jsonl');
    writeFileSync(stateFile, JSON.stringify(cluster()));
    writeFileSync(logFile, '');
  });

  const strategyStep = (spec: StrategySpec, toVersion?: string): PlanStep => ({
    id: 's1',
    name: 'Roll back',
    argv: [],
    idempotent: true,
    timeoutMs: 30_000,
    env: env(),
    strategy: { spec, ...(toVersion ? { toVersion } : {}) },
  });
  const run = (step: PlanStep) => executePlan(engine.context(plan([step]), { runner }).ctx);
  const currentImage = () => {
    const s = state();
    const newest = s.replicaSets
      .filter((rs) => 'deployment' in rs)
      .sort((a, b) => b.revision - a.revision)[0];
    return newest?.containers[0]?.image;
  };
  const K8S: StrategySpec = { kind: 'kubernetes', deployment: 'checkout', namespace: 'prod' };

  it('kubernetes: undoes to the explicit revision whose image tag is the target, then waits for the rollout', async () => {
    const outcome = await run(strategyStep(K8S, 'v2.3.0'));
    expect(outcome.kind).toBe('completed');
    expect(calls()).toEqual([
      'kubectl get replicasets -n prod -o json',
      'kubectl get deployment/checkout -n prod -o json',
      'kubectl rollout undo deployment/checkout -n prod --to-revision=2',
      expect.stringMatching(/^kubectl rollout status deployment\/checkout -n prod --timeout=(29|30)s$/),
    ]);
    expect(currentImage()).toBe('registry.example.com/checkout:v2.3.0');
    expect(outcome.steps[0]?.outputTail).toContain(
      'resolved: revision 2 of deployment/checkout runs registry.example.com/checkout:v2.3.0',
    );
  });

  it('kubernetes: a re-run with the image already at the target changes nothing', async () => {
    await run(strategyStep(K8S, 'v2.3.0'));
    writeFileSync(logFile, '');
    const again = await run(strategyStep(K8S, 'v2.3.0'));
    expect(again.kind).toBe('completed');
    expect(calls().filter((call) => call.includes('undo'))).toEqual([]);
    expect(currentImage()).toBe('registry.example.com/checkout:v2.3.0');
  });

  it('a bare `rollout undo` toggles: run twice, the bad version is back (why the strategy names a revision)', async () => {
    const bare = (id: string): PlanStep => ({
      ...recordStep(id, logFile),
      argv: ['kubectl', 'rollout', 'undo', 'deployment/checkout', '-n', 'prod'],
      env: env(),
    });
    await run(bare('s1'));
    expect(currentImage()).toBe('registry.example.com/checkout:v2.3.0');
    await run(bare('s1'));
    expect(currentImage()).toBe('registry.example.com/checkout:v2.4.0');
  });

  it('kubernetes: refuses, running nothing, when no revision has the target tag', async () => {
    const outcome = await run(strategyStep(K8S, 'v9.9.9'));
    expect(outcome).toMatchObject({
      kind: 'step_failed',
      failure: 'bad_plan',
      error:
        'no revision of deployment/checkout in prod has image tag v9.9.9 (revisions kept: 3 (v2.4.0), 2 (v2.3.0), 1 (v2.2.0))',
    });
    expect(calls().filter((call) => !call.includes(' get '))).toEqual([]);
  });

  it('helm: rolls back to the last good revision with the target app version, never the failed one', async () => {
    const outcome = await run(
      strategyStep({ kind: 'helm', release: 'checkout', namespace: 'prod' }, 'v2.3.0'),
    );
    expect(outcome.kind).toBe('completed');
    expect(calls()).toEqual([
      'helm history checkout -n prod -o json',
      expect.stringMatching(/^helm rollback checkout 1 -n prod --wait --timeout (29|30)s$/),
    ]);
    expect(state().releases.checkout.at(-1)).toMatchObject({
      revision: 4,
      status: 'deployed',
      app_version: 'v2.3.0',
      description: 'Rollback to 1',
    });
  });

  it('argoRollouts: undoes (not aborts) to the explicit revision, and warns that Argo CD will sync it back', async () => {
    const spec: StrategySpec = { kind: 'argoRollouts', rollout: 'web', namespace: 'prod' };
    const outcome = await run(strategyStep(spec, 'v2.3.0'));
    expect(outcome.kind).toBe('completed');
    expect(calls()).toEqual([
      'kubectl get replicasets -n prod -o json',
      'kubectl get rollout/web -n prod -o json',
      'kubectl-argo-rollouts undo web -n prod --to-revision=7',
      expect.stringMatching(/^kubectl-argo-rollouts status web -n prod --timeout (29|30)s$/),
    ]);
    const tail = outcome.steps[0]?.outputTail ?? '';
    expect(tail).toContain('undo, not abort: an abort leaves the new version in the spec');
    expect(tail).toContain(
      'Argo CD application "web-prod" manages this Rollout: pause its auto-sync or commit the revert',
    );
    const web = state().replicaSets.filter((rs) => 'rollout' in rs);
    expect(web.sort((a, b) => b.revision - a.revision)[0]?.containers[0]?.image).toBe(
      'registry.example.com/checkout:v2.3.0',
    );
  });

  /** A worker that crashed mid-step: the journal says `started`, with a lapsed lease. */
  async function crashedAfterStarting(step: PlanStep) {
    const { ctx, events } = engine.context(plan([step]), { runner, attempt: 2 });
    const token = await engine.journal().acquireFence(ctx.incidentId);
    await engine.journal().markStarted(token, step.id, {
      attempt: 1,
      startedAt: new Date().toISOString(),
      leaseUntil: Date.now() - 1,
    });
    return { ctx, events };
  }

  it('after a crash: a probe that finds the target reached undoes nothing again, but still waits for the rollout', async () => {
    await run(strategyStep(K8S, 'v2.3.0')); // the crashed worker got this far
    writeFileSync(logFile, '');
    const { ctx, events } = await crashedAfterStarting(strategyStep(K8S, 'v2.3.0'));
    const outcome = await executePlan(ctx);
    expect(outcome.kind).toBe('completed');
    expect(events.events.find((e) => e.type === 'note')).toMatchObject({
      text: expect.stringContaining(
        'the probe shows it done (deployment/checkout already runs registry.example.com/checkout:v2.3.0; nothing to undo, waiting for the rollout): it runs again to wait for the rollout',
      ),
    });
    const rollouts = calls().filter((call) => call.includes('rollout'));
    expect(rollouts.some((call) => call.includes('rollout undo'))).toBe(false);
    expect(rollouts.some((call) => call.startsWith('kubectl rollout status deployment/checkout'))).toBe(true);
  });

  it('after a crash: not done yet, an idempotent strategy step runs again', async () => {
    const { ctx } = await crashedAfterStarting(strategyStep(K8S, 'v2.3.0'));
    expect((await executePlan(ctx)).kind).toBe('completed');
    expect(calls()).toContain('kubectl rollout undo deployment/checkout -n prod --to-revision=2');
  });

  it('after a crash: a probe that cannot tell stops for a human, naming what it saw', async () => {
    const missing: StrategySpec = { kind: 'kubernetes', deployment: 'gone', namespace: 'prod' };
    const { ctx } = await crashedAfterStarting(strategyStep(missing, 'v2.3.0'));
    const outcome = await executePlan(ctx);
    expect(outcome).toMatchObject({
      kind: 'manual_intervention',
      why: expect.stringContaining(
        'its probe cannot tell whether it took effect: reading the live system failed',
      ),
    });
    expect(calls().filter((call) => call.includes('rollout'))).toEqual([]);
  });

  it('helm: refuses a release with another operation in progress', async () => {
    const s = cluster();
    s.releases.checkout.push({
      revision: 4,
      updated: '2026-12-03T14:30:00Z',
      status: 'pending-upgrade',
      chart: 'checkout-1.5.1',
      app_version: 'v2.4.1',
      description: 'Preparing upgrade',
    });
    writeFileSync(stateFile, JSON.stringify(s));
    const outcome = await run(
      strategyStep({ kind: 'helm', release: 'checkout', namespace: 'prod' }, 'v2.3.0'),
    );
    expect(outcome).toMatchObject({
      kind: 'step_failed',
      failure: 'bad_plan',
      error: expect.stringContaining(
        'release checkout is pending-upgrade at revision 4: another Helm operation is in progress',
      ),
    });
    expect(calls()).toEqual(['helm history checkout -n prod -o json']);
  });
});
