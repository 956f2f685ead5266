/**
 * The one place strategies are registered: what each reads from the live system, how it resolves
 * that into exact argv, and how the card describes it before anything is read.
 */
import { displayArgv } from '../plan.js';
import { argoRolloutsReads, resolveArgoRollouts } from './argo-rollouts.js';
import { helmReads, resolveHelm } from './helm.js';
import { kubernetesReads, resolveKubernetes } from './kubernetes.js';
import { pgEnvironment, resolveSql } from './sql.js';
import type { FlagSpec, Resolution, StrategyKind, StrategySpec } from './types.js';

/** What a strategy resolves from: what its reads printed, the files it read, the request. */
export interface ResolveInput {
  outputs: string[];
  files: string[];
  toVersion: string | undefined;
  timeoutSeconds: number;
  /** Unique per step run: where a backup taken before acting goes. */
  runLabel: string;
}

export interface Strategy<S extends StrategySpec> {
  /** Read-only commands whose stdout `resolve` needs, in order. */
  reads(spec: S): string[][];
  /** Files `resolve` needs (a migration), in order. */
  files?(spec: S): string[];
  /** Exact commands from what was read; throws StrategyRefusal. */
  resolve(spec: S, input: ResolveInput): Resolution;
  /** The step as the card shows it before the live system is read. */
  describe(spec: S, toVersion: string | undefined): string;
  /** An explicit revision is idempotent: re-running after a crash reaches the same state. */
  idempotent: boolean;
  /**
   * Variables the commands need from the bot's own environment (a database URL as PG* variables),
   * looked up when the step runs and never stored with the plan. Throws StrategyRefusal when unset.
   */
  env?(spec: S, lookup: (name: string) => string | undefined): Record<string, string>;
}

type Registry = { [K in StrategyKind]: Strategy<Extract<StrategySpec, { kind: K }>> };

export const STRATEGIES = {
  kubernetes: {
    reads: kubernetesReads,
    resolve: (spec, input) => resolveKubernetes(spec, input.outputs, input.toVersion, input.timeoutSeconds),
    describe: (spec, toVersion) =>
      `kubectl rollout undo deployment/${spec.deployment} -n ${spec.namespace} --to-revision=N, then rollout status; N = the revision whose image tag is ${toVersion ?? 'the one before the current'}, read from its ReplicaSets when the step runs`,
    idempotent: true,
  },
  helm: {
    reads: helmReads,
    resolve: (spec, input) => resolveHelm(spec, input.outputs, input.toVersion, input.timeoutSeconds),
    describe: (spec, toVersion) =>
      `helm rollback ${spec.release} N -n ${spec.namespace} --wait; N = the last deployed or superseded revision with app version ${toVersion ?? 'before the current one'}, read from helm history when the step runs (refused while the release is pending-*)`,
    idempotent: true,
  },
  argoRollouts: {
    reads: argoRolloutsReads,
    resolve: (spec, input) => resolveArgoRollouts(spec, input.outputs, input.toVersion, input.timeoutSeconds),
    describe: (spec, toVersion) =>
      `kubectl-argo-rollouts undo ${spec.rollout} -n ${spec.namespace} --to-revision=N, then status; N = the revision whose image tag is ${toVersion ?? 'the one before the current'}, read from its ReplicaSets when the step runs (an undo, not an abort: abort leaves the new version in the spec; with Argo CD auto-sync, pause it or commit the revert)`,
    idempotent: true,
  },
  sql: {
    reads: () => [],
    files: (spec) => [spec.file],
    resolve: (spec, input) => resolveSql(spec, input.files, `${spec.backupDir}/${input.runLabel}.dump`),
    describe: (spec) =>
      `psql -f ${spec.file} under pg_advisory_lock, in one transaction where the SQL allows, after a pg_dump of every table it touches (database from ${spec.databaseEnv})`,
    // A down migration run twice is not the same as once: a crash mid-way stops for a human.
    idempotent: false,
    env: (spec, lookup) => pgEnvironment(spec.databaseEnv, lookup(spec.databaseEnv)),
  },
  // Not argv: the provider's API is called by the flag step (flows/flag-step.ts).
  flag: {
    reads: () => [],
    resolve: (spec) => ({
      commands: [],
      summary: `turn ${spec.key} off in ${spec.provider} ${flagScope(spec)}`,
      alreadyThere: false,
    }),
    describe: (spec) =>
      `turn feature flag ${spec.key} off in ${spec.provider} (${flagScope(spec)}) through its API; the token comes from ${spec.tokenEnv}`,
    // Off twice is off.
    idempotent: true,
  },
} satisfies Registry;

/** Where a flag lives, in its provider's terms: Flagsmith has environments only, the others projects too. */
export function flagScope(spec: FlagSpec): string {
  return spec.provider === 'flagsmith' ? spec.environment : `${spec.project}/${spec.environment}`;
}

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
