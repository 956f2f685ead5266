/**
 * The one place strategies are registered: what each reads from the live system, how it resolves
 * that into exact argv, and how the card describes it before anything is read.
 */
import { displayArgv } from '../plan.js';
import { argoRolloutsReads, resolveArgoRollouts } from './argo-rollouts.js';
import { helmReads, resolveHelm } from './helm.js';
import { kubernetesReads, resolveKubernetes } from './kubernetes.js';
import type { Resolution, StrategyKind, StrategySpec } from './types.js';

export interface Strategy<S extends StrategySpec> {
  /** Read-only commands whose stdout `resolve` needs, in order. */
  reads(spec: S): string[][];
  /** Exact commands from what the reads printed; throws StrategyRefusal. */
  resolve(spec: S, outputs: string[], toVersion: string | undefined, timeoutSeconds: number): Resolution;
  /** The step as the card shows it before the live system is read. */
  describe(spec: S, toVersion: string | undefined): string;
  /** An explicit revision is idempotent: re-running after a crash reaches the same state. */
  idempotent: boolean;
}

type Registry = { [K in StrategyKind]: Strategy<Extract<StrategySpec, { kind: K }>> };

export const STRATEGIES = {
  kubernetes: {
    reads: kubernetesReads,
    resolve: resolveKubernetes,
    describe: (spec, toVersion) =>
      `kubectl rollout undo deployment/${spec.deployment} -n ${spec.namespace} --to-revision=N, then rollout status; N = the revision whose image tag is ${toVersion ?? 'the one before the current'}, read from its ReplicaSets when the step runs`,
    idempotent: true,
  },
  helm: {
    reads: helmReads,
    resolve: resolveHelm,
    describe: (spec, toVersion) =>
      `helm rollback ${spec.release} N -n ${spec.namespace} --wait; N = the last deployed or superseded revision with app version ${toVersion ?? 'before the current one'}, read from helm history when the step runs (refused while the release is pending-*)`,
    idempotent: true,
  },
  argoRollouts: {
    reads: argoRolloutsReads,
    resolve: resolveArgoRollouts,
    describe: (spec, toVersion) =>
      `kubectl-argo-rollouts undo ${spec.rollout} -n ${spec.namespace} --to-revision=N, then status; N = the revision whose image tag is ${toVersion ?? 'the one before the current'}, read from its ReplicaSets when the step runs (an undo, not an abort: abort leaves the new version in the spec; with Argo CD auto-sync, pause it or commit the revert)`,
    idempotent: true,
  },
} satisfies Registry;

export function strategyFor<S extends StrategySpec>(spec: S): Strategy<S> {
  return STRATEGIES[spec.kind] as unknown as Strategy<S>;
}

/** A step's command as a responder reads it: its argv, or what its strategy will run. */
export function stepCommandText(step: {
  argv?: string[];
  strategy?: { spec: StrategySpec; toVersion?: string };
}): string {
  if (step.strategy)
    return strategyFor(step.strategy.spec).describe(step.strategy.spec, step.strategy.toVersion);
  return displayArgv(step.argv ?? []);
}
