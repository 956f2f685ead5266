/**
 * The `argoRollouts` strategy, pure: the Rollout's ReplicaSets carry `rollout.argoproj.io/revision`;
 * the target is the newest revision whose image tag is the target version, reached with
 * `kubectl argo rollouts undo --to-revision=<N>` and waited for with `status`. Abort alone is not a
 * rollback (the spec still holds the new version), and a Rollout Argo CD syncs with auto-sync gets
 * the bad version back unless auto-sync is paused or the revert is committed: the summary says so.
 */
import { chooseRevision, containerOf, imageTag, keptRevisions, ownedRevisions, parse } from './kubernetes.js';
import { StrategyRefusal, type ArgoRolloutsSpec, type Resolution } from './types.js';

const REVISION = 'rollout.argoproj.io/revision';
const PLUGIN = 'kubectl-argo-rollouts';

export const argoRolloutsReads = (spec: ArgoRolloutsSpec): string[][] => [
  ['kubectl', 'get', 'replicasets', '-n', spec.namespace, '-o', 'json'],
  ['kubectl', 'get', `rollout/${spec.rollout}`, '-n', spec.namespace, '-o', 'json'],
];

/** Argo CD marks what it manages with a tracking annotation or its instance label. */
function argoCdApp(rollout: ReturnType<typeof parse>): string | undefined {
  const tracking = rollout.metadata?.annotations?.['argocd.argoproj.io/tracking-id'];
  return tracking?.split(':')[0] ?? rollout.metadata?.labels?.['argocd.argoproj.io/instance'];
}

export function resolveArgoRollouts(
  spec: ArgoRolloutsSpec,
  [replicaSetsJson, rolloutJson]: string[],
  toVersion: string | undefined,
  timeoutSeconds: number,
): Resolution {
  if (toVersion === undefined)
    throw new StrategyRefusal('no target version: a strategy step needs one (--to)');
  const target = `rollout/${spec.rollout}`;
  const rollout = parse(rolloutJson ?? '', target);
  const currentImage = containerOf(spec, rollout.spec?.template, target).image ?? '';
  const currentRevision = Number(rollout.metadata?.annotations?.[REVISION] ?? NaN);
  const owned = ownedRevisions(replicaSetsJson, spec, 'Rollout', spec.rollout, REVISION);
  const app = argoCdApp(rollout);
  const warning = app
    ? ` Argo CD application "${app}" manages this Rollout: pause its auto-sync or commit the revert in git, or it syncs the bad version back.`
    : '';
  const status = [PLUGIN, 'status', spec.rollout, '-n', spec.namespace, '--timeout', `${timeoutSeconds}s`];
  if (toVersion !== undefined && imageTag(currentImage) === toVersion)
    return {
      commands: [status],
      summary: `${target} already runs ${currentImage}; nothing to undo, waiting for it to be healthy.${warning}`,
      alreadyThere: true,
    };
  const chosen = chooseRevision(owned, toVersion, currentRevision);
  if (!chosen)
    throw new StrategyRefusal(
      `no revision of ${target} in ${spec.namespace} has image tag ${toVersion ?? '(before the current one)'} (revisions kept: ${keptRevisions(owned)})`,
    );
  return {
    commands: [
      [PLUGIN, 'undo', spec.rollout, '-n', spec.namespace, `--to-revision=${chosen.revision}`],
      status,
    ],
    summary: `revision ${chosen.revision} of ${target} runs ${chosen.image} (now ${currentImage}); undo, not abort: an abort leaves the new version in the spec.${warning}`,
    alreadyThere: false,
  };
}
