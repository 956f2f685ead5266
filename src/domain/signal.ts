/**
 * What arrives from outside: alerts (PagerDuty, Alertmanager) as `Signal`s and deployments from
 * CI/CD as `DeployEvent`s. Plain data, already validated by the webhook adapters.
 */

export type SignalSource = 'pagerduty' | 'alertmanager' | 'deploy';

/** Where a request came from, as people name it (a failed deploy is reported by CI/CD). */
export const SOURCE_LABELS: Record<SignalSource | 'slack', string> = {
  slack: 'Slack',
  pagerduty: 'PagerDuty',
  alertmanager: 'Alertmanager',
  deploy: 'CI/CD',
};

/** Alertmanager says firing/resolved; PagerDuty says triggered/acknowledged/resolved; a failed deploy fires. */
export type SignalStatus = 'firing' | 'triggered' | 'acknowledged' | 'resolved';

/** A link shown on the card and in the thread (PagerDuty incident, Prometheus graph, runbook). */
export interface SignalLink {
  label: string;
  url: string;
}

/** One alert notification, resolved to a catalog service and environment. */
export interface Signal {
  /** Stable for one notification: a redelivery gets the same id. */
  id: string;
  source: SignalSource;
  service: string;
  environment: string;
  status: SignalStatus;
  /** One line: the PagerDuty title or the Alertmanager summary annotation. */
  summary: string;
  /** Longer text when the sender gave one (Alertmanager `description`). */
  description?: string;
  /** Alertmanager `severity` label (critical, page, warning, info…). */
  severity?: string;
  /** PagerDuty incident urgency. */
  urgency?: 'high' | 'low';
  /** When the problem began, as the sender says (ISO 8601). */
  startedAt: string;
  /** When the bot took it (ISO 8601). */
  receivedAt: string;
  /** The PagerDuty incident id or the Alertmanager group key: what ties repeats together. */
  externalId?: string;
  links: SignalLink[];
  /**
   * What makes two deliveries the same notification: PagerDuty event id and incident id (per
   * event type); Alertmanager fingerprint and startsAt (per alert and status).
   */
  dedupeKeys: string[];
  /** Alerts this signal stands for (an Alertmanager group carries several). */
  alertCount: number;
  /** The first bytes of the raw payload, for the timeline and the postmortem. */
  rawExcerpt: string;
}

/** Bytes of the raw payload kept on a signal. */
export const RAW_EXCERPT_BYTES = 4096;

/** One change in a release (a pull request, a ticket). */
export interface DeployChange {
  id: string;
  title: string;
  url?: string;
}

/** The deploy webhook's body, as the contract defines it. */
export interface DeployEvent {
  service: string;
  environment: string;
  version: string;
  previousVersion?: string;
  /** ISO 8601; the time of receipt when absent. */
  deployedAt?: string;
  changes?: DeployChange[];
  /** `<from>..<to>`. */
  commitRange?: string;
  /** `rollback`: a rollback done outside the bot (`version` is what it went back to). */
  kind?: 'deploy' | 'rollback';
}

/** A deployment as stored: the event with its time and previous version filled in. */
export interface DeployRecord {
  service: string;
  environment: string;
  version: string;
  previousVersion?: string;
  deployedAt: string;
  changes: DeployChange[];
  commitRange?: string;
  receivedAt: string;
  /** `rollback`: recorded from a rollback done outside the bot. */
  kind?: 'rollback';
}

/** Whether a status means "still broken" (opens or keeps an incident) rather than "over". */
export function isActiveStatus(status: SignalStatus): boolean {
  return status === 'firing' || status === 'triggered';
}

/** A redelivered or repeated signal: no new work, but the open incident may count it. */
export interface DuplicateSignal {
  source: SignalSource;
  service: string;
  environment: string;
  status: SignalStatus;
  /** The signal id that first claimed the notification. */
  duplicateOf: string;
}

/** Counts per service and environment, or per incident. */
export interface SignalCounters {
  received: number;
  duplicates: number;
  firing: number;
  triggered: number;
  acknowledged: number;
  resolved: number;
}

/** A signal as the per-incident log keeps it (no raw payload). */
export interface SignalLogEntry {
  id: string;
  source: Signal['source'];
  status: SignalStatus;
  summary: string;
  alertCount: number;
  receivedAt: string;
}
