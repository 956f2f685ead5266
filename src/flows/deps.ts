import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/types.js';
import type {
  DeployHistory,
  DeployLocks,
  DrillHistory,
  IncidentRepository,
  SignalLog,
} from './ports/stores.js';
import type { GroupMembers, PeopleNames, RollbackQueuePort } from './ports/queue.js';
import type { Metrics } from '../adapters/outbound/metrics.js';
import type { SafetyPorts } from './safety-analysis.js';
import type { CommandRunner } from './ports/command-runner.js';
import type { FlagProviders } from './ports/flags.js';
import type { EvidencePorts } from './evidence.js';

/**
 * What the flows need from the outside world, every part required: built once, complete, by the
 * composition root (bot.ts), and in tests by the same code against real Redis and the Slack stand-in.
 */
export interface FlowDeps {
  catalog: Catalog;
  store: IncidentRepository;
  slack: WebClient;
  groups: GroupMembers;
  /** Display names for documents (the postmortem). */
  people: PeopleNames;
  queues: RollbackQueuePort;
  /** Stored alerts and their counters per incident (the card's triage). */
  signals: SignalLog;
  /** Deploy history: what a request rolls back from and to. */
  deploys: DeployHistory;
  /** Rehearsals (drills): their per-step times feed the runbook and the card's "last rehearsed". */
  drills: DrillHistory;
  /** Deploy locks: a successful rollback locks its environment against the rolled-back version. */
  locks: DeployLocks;
  /** Rollback-safety analysis of the release, its cached reports, and work that outlives a request. */
  safety: SafetyPorts;
  /** Metrics from the team's Prometheus (now against the pre-deploy baseline) and their charts. */
  evidence: EvidencePorts;
  /** The bot's environment, where the catalog's `…Env` names are looked up (tokens, database URLs). */
  catalogEnv: Readonly<Record<string, string | undefined>>;
  /** Feature-flag providers (LaunchDarkly, Unleash), for `flag` steps. */
  flags: FlagProviders;
  /** The one process runner: strategy reads and dry runs (the worker's steps use the same kind). */
  runner: CommandRunner;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
}
