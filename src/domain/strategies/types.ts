/**
 * Strategy steps: a rollback step that knows its system. The catalog names one (`kubernetes:`,
 * `helm:`); when the step runs, it reads the live system and resolves to exact argv, so the target
 * is always an explicit revision (a bare `rollout undo` toggles; a bare `helm rollback` can land on
 * a failed revision).
 */

export interface KubernetesSpec {
  kind: 'kubernetes';
  deployment: string;
  namespace: string;
  /** The container whose image tag names the version; may be left out with one container. */
  container?: string;
}

export interface HelmSpec {
  kind: 'helm';
  release: string;
  namespace: string;
}

export interface ArgoRolloutsSpec {
  kind: 'argoRollouts';
  rollout: string;
  namespace: string;
  container?: string;
}

export interface SqlSpec {
  kind: 'sql';
  /** The environment variable holding the database URL (never the URL itself). */
  databaseEnv: string;
  /** The SQL file, absolute once the catalog loaded (placeholders filled in the plan). */
  file: string;
  /** Where the pg_dump backups go. */
  backupDir: string;
}

/** Turn a feature flag off through its provider's API: the least destructive way out. */
export interface FlagSpec {
  kind: 'flag';
  provider: 'launchdarkly' | 'unleash' | 'flagsmith';
  key: string;
  /** LaunchDarkly project key / Unleash project id (Flagsmith does not use it). */
  project: string;
  /** The environment's key (Flagsmith: the environment API key). */
  environment: string;
  /** The environment variable holding the API token (never the token itself). */
  tokenEnv: string;
  /** The API base URL; the provider's SaaS default when absent. */
  url?: string;
}

export type StrategySpec = KubernetesSpec | HelmSpec | ArgoRolloutsSpec | SqlSpec | FlagSpec;
export type StrategyKind = StrategySpec['kind'];

/** What a strategy resolved to against the live system. */
export interface Resolution {
  /** The commands to run, in order (argv lists). */
  commands: string[][];
  /** In words, for the timeline and the dry run: "revision 3 has image checkout:v2.3.0". */
  summary: string;
  /** True when the live system is already at the target: only the wait/check runs. */
  alreadyThere: boolean;
}

/** A live state the strategy must not act on (a pending Helm release, no revision with the target). */
export class StrategyRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyRefusal';
  }
}

/** DNS-1123 names as Kubernetes validates them (deployments, namespaces, containers). */
export const KUBERNETES_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** Helm release names: lower case, digits and dashes, at most 53 characters. */
export const HELM_RELEASE = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;
