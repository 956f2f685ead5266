/**
 * The `kubernetes` strategy, pure: from `kubectl get replicasets -o json` and `kubectl get
 * deployment -o json`, the revision whose container image tag is the target version, and the
 * `rollout undo --to-revision=<N>` + `rollout status` that reach it. Revisions live on the
 * ReplicaSets' `deployment.kubernetes.io/revision` annotation; ownership on `ownerReferences`.
 */
import { StrategyRefusal, type KubernetesSpec, type Resolution } from './types.js';

const REVISION = 'deployment.kubernetes.io/revision';

interface Container {
  name?: string;
  image?: string;
}
interface PodTemplate {
  spec?: { containers?: Container[] };
}
export interface KubeObject {
  kind?: string;
  metadata?: {
    name?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string }[];
  };
  spec?: { template?: PodTemplate };
}

/** `registry/checkout:v2.3.0` → `v2.3.0`; a digest-only image has no tag. */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0] ?? '';
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(colon + 1) : undefined;
}

export function containerOf(
  spec: { container?: string },
  template: PodTemplate | undefined,
  what: string,
): Container {
  const containers = template?.spec?.containers ?? [];
  if (spec.container) {
    const found = containers.find((c) => c.name === spec.container);
    if (!found) throw new StrategyRefusal(`${what} has no container "${spec.container}"`);
    return found;
  }
  if (containers.length !== 1)
    throw new StrategyRefusal(
      `${what} has ${containers.length} containers (${containers.map((c) => c.name).join(', ')}): name one with \`container\``,
    );
  return containers[0] as Container;
}

export function parse(json: string, what: string): KubeObject & { items?: KubeObject[] } {
  try {
    return JSON.parse(json) as KubeObject & { items?: KubeObject[] };
  } catch {
    throw new StrategyRefusal(`kubectl did not answer JSON for ${what}`);
  }
}

export const kubernetesReads = (spec: KubernetesSpec): string[][] => [
  ['kubectl', 'get', 'replicasets', '-n', spec.namespace, '-o', 'json'],
  ['kubectl', 'get', `deployment/${spec.deployment}`, '-n', spec.namespace, '-o', 'json'],
];

/** The revisions a controller keeps, newest first: each ReplicaSet's revision and its image. */
export function ownedRevisions(
  replicaSetsJson: string | undefined,
  spec: { container?: string },
  ownerKind: string,
  ownerName: string,
  annotation: string,
): { revision: number; image: string }[] {
  return (parse(replicaSetsJson ?? '', 'the ReplicaSets').items ?? [])
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === ownerKind && o.name === ownerName))
    .map((rs) => ({
      revision: Number(rs.metadata?.annotations?.[annotation] ?? NaN),
      image: containerOf(spec, rs.spec?.template, `ReplicaSet ${rs.metadata?.name ?? '?'}`).image ?? '',
    }))
    .filter((rs) => Number.isInteger(rs.revision))
    .sort((a, b) => b.revision - a.revision);
}

/** The newest revision with the target tag, or (no target) the newest before the current one. */
export function chooseRevision(
  owned: { revision: number; image: string }[],
  toVersion: string | undefined,
  currentRevision: number,
): { revision: number; image: string } | undefined {
  return toVersion !== undefined
    ? owned.find((rs) => imageTag(rs.image) === toVersion)
    : owned.find((rs) => Number.isInteger(currentRevision) && rs.revision < currentRevision);
}

/** "3 (v2.4.0), 2 (v2.3.0)": what a refusal names as kept. */
export const keptRevisions = (owned: { revision: number; image: string }[]) =>
  owned.map((rs) => `${rs.revision} (${imageTag(rs.image) ?? rs.image})`).join(', ') || 'none';

/**
 * The revision to roll back to: the newest one whose image tag is `toVersion`; without a version,
 * the newest revision before the current one.
 */
export function resolveKubernetes(
  spec: KubernetesSpec,
  [replicaSetsJson, deploymentJson]: string[],
  toVersion: string | undefined,
  timeoutSeconds: number,
): Resolution {
  if (toVersion === undefined)
    throw new StrategyRefusal('no target version: a strategy step needs one (--to)');
  const target = `deployment/${spec.deployment}`;
  const deployment = parse(deploymentJson ?? '', target);
  const currentImage = containerOf(spec, deployment.spec?.template, target).image ?? '';
  const currentRevision = Number(deployment.metadata?.annotations?.[REVISION] ?? NaN);
  const owned = ownedRevisions(replicaSetsJson, spec, 'Deployment', spec.deployment, REVISION);
  const status = [
    'kubectl',
    'rollout',
    'status',
    target,
    '-n',
    spec.namespace,
    `--timeout=${timeoutSeconds}s`,
  ];

  if (toVersion !== undefined && imageTag(currentImage) === toVersion) {
    return {
      commands: [status],
      summary: `${target} already runs ${currentImage}; nothing to undo, waiting for the rollout`,
      alreadyThere: true,
    };
  }
  const chosen = chooseRevision(owned, toVersion, currentRevision);
  if (!chosen) {
    const kept = keptRevisions(owned);
    throw new StrategyRefusal(
      toVersion !== undefined
        ? `no revision of ${target} in ${spec.namespace} has image tag ${toVersion} (revisions kept: ${kept})`
        : `${target} has no revision before the current one (revisions kept: ${kept})`,
    );
  }
  return {
    commands: [
      ['kubectl', 'rollout', 'undo', target, '-n', spec.namespace, `--to-revision=${chosen.revision}`],
      status,
    ],
    summary: `revision ${chosen.revision} of ${target} runs ${chosen.image} (now ${currentImage})`,
    alreadyThere: false,
  };
}
