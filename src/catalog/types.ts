/**
 * The service catalog as the rest of the bot sees it: every environment fully resolved (defaults
 * merged, durations in milliseconds, relative paths made absolute), so nobody re-applies defaults.
 */
import type { MetricsConfig } from '../domain/evidence/metrics-config.js';
import type { StepTemplate, VerifyCheck } from '../domain/plan.js';

/** An outbound webhook told about every incident change, signed with the secret in `secretEnv`. */
export interface NotifyTarget {
  url: string;
  /** Name of the environment variable holding the HMAC secret (never the secret itself). */
  secretEnv?: string;
}

/** One environment of one service, with `defaults` merged in (environment keys win). */
export interface EnvironmentConfig {
  service: string;
  environment: string;
  /** Slack channel id where cards and threads go. */
  channel: string;
  /** Slack user ids (U…/W…) or user-group ids (S…); empty means nobody may approve. */
  approvers: string[];
  requiredApprovals: number;
  allowSelfApproval: boolean;
  maxAttempts: number;
  retryDelayMs: number;
  stepTimeoutMs: number;
  timeBudgetMs: number;
  /** An unapproved request expires after this long. */
  approvalTimeoutMs: number;
  /** How far back a deploy still counts as a suspect for an incident. */
  deployLookbackMs: number;
  alerts: { labels: Record<string, string>; pagerduty: string[] };
  rollback: StepTemplate[];
  verify: VerifyCheck[];
  notify: NotifyTarget[];
  /** Regular expressions (source text) that recognise feature-flag changes in a release. */
  flagPatterns: string[];
  /**
   * Runs a rollback-safety precondition: an argv prefix such as
   * `[psql, --no-psqlrc, -v, ON_ERROR_STOP=1, -d, checkout, -c]`; the SQL is appended as one final
   * argv element. Absent: preconditions are shown to be run by hand and need an override.
   */
  sqlRunner?: string[];
  /** Where the RED metrics come from; absent: the card grades by the alert's words. */
  metrics?: MetricsConfig;
  /** The live database (read-only), by the environment variable holding its URL. */
  database?: { urlEnv: string };
}

/** A service and its environments. */
export interface ServiceConfig {
  name: string;
  /** Absolute path of a git checkout, resolved against the catalog file's directory. */
  repo?: string;
  environments: Record<string, EnvironmentConfig>;
}

/** A validated catalog. */
export interface Catalog {
  version: 1;
  /** Where it was read from (a path, or a label for inline text). */
  source: string;
  services: Record<string, ServiceConfig>;
}

/** One thing wrong with a catalog: the YAML path and what was expected there. */
export interface CatalogIssue {
  /** Dotted/bracket path, e.g. `services.checkout.environments.production.rollback[0].run`. */
  path: string;
  message: string;
  /** 1-based line in the YAML source, when known. */
  line?: number;
  column?: number;
}
