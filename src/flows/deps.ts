import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/types.js';
import type { GroupDirectory } from '../adapters/slack/usergroups.js';
import type { PeopleDirectory } from '../adapters/slack/people.js';
import type { IncidentStore } from '../adapters/store/incidents.js';
import type { LockStore } from '../adapters/store/locks.js';
import type { RollbackQueues } from '../adapters/queue/rollback-queues.js';
import type { Metrics } from '../adapters/metrics.js';
import type { CardExtras } from '../adapters/slack/blocks/assessment-card.js';
import type { Incident } from '../domain/incident.js';

/** What the flows need from the outside world, wired once in main.ts (and in tests, for real). */
export interface FlowDeps {
  catalog: Catalog;
  store: IncidentStore;
  slack: WebClient;
  groups: GroupDirectory;
  queues: RollbackQueues;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  /** Display names for documents (the postmortem); ids are used when absent. */
  people?: PeopleDirectory;
  /** Deploy locks: a successful rollback locks its environment against the rolled-back version. */
  locks?: Pick<LockStore, 'lock'>;
  /** Extra card sections (triage, safety) computed for an incident; optional. */
  cardExtras?: (incident: Incident) => Promise<CardExtras>;
  /**
   * Adjusts a new incident before it is stored and its card posted (the safety analysis adds
   * precondition steps and an override); `afterPosted` finishes work that ran past its time bound.
   */
  prepareIncident?: (incident: Incident) => Promise<{ incident: Incident; afterPosted?: () => void }>;
}
