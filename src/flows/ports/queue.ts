/**
 * Small interfaces the flows own; adapters implement them (the queue adapter, the Slack
 * directories). The composition root hands the concrete ones over in FlowDeps.
 */
import type { Incident } from '../../domain/incident.js';

/** The per-environment rollback queue: one job per incident, one rollback at a time. */
export interface RollbackQueuePort {
  /** Adds the incident's job (a second add of the same incident adds nothing). */
  enqueue(
    incident: Incident,
    retry: { maxAttempts: number; retryDelayMs: number },
  ): Promise<{ jobId: string; queue: string; position: number }>;
  /** 1 when next or running, n when n-1 rollbacks are ahead; undefined when not waiting. */
  position(incident: Incident): Promise<number | undefined>;
  /** The job's queue state, undefined when the queue has no job for the incident. */
  jobState(incident: Incident): Promise<{ state: string; failedReason?: string } | undefined>;
}

/** Who is in the approvers' Slack user groups. */
export interface GroupMembers {
  membersOf(ids: string[]): Promise<ReadonlySet<string>>;
}

/** Display names for documents; ids stand in for names it cannot find. */
export interface PeopleNames {
  names(ids: Iterable<string>): Promise<Record<string, string>>;
}
