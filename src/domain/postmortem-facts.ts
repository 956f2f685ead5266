/**
 * The facts a postmortem is written from, gathered once from the incident and its timeline so
 * the summary, the prompts and the action items all quote the same numbers.
 */
import type { Incident } from './incident.js';
import type { DeployChange, DeployRecord } from './signal.js';
import type { Severity } from './safety/types.js';
import type { TimelineEvent } from './timeline.js';
import type { ExecutionSummary, StepSummary, CheckSummary } from './execution-summary.js';
import { summarizeExecution } from './execution-summary.js';
import { isTerminal } from './incident.js';
import { millisBetween, parseTimestamp } from './format-time.js';

export type PostmortemOutcome =
  'rolled_back' | 'unverified' | 'failed' | 'manual_intervention' | 'rejected' | 'expired' | 'in_progress';

type EventOf<T extends TimelineEvent['type']> = Extract<TimelineEvent, { type: T }>;

/** Facts derived from the timeline; times are ISO strings, durations milliseconds. */
export interface PostmortemFacts {
  incident: Incident;
  /** The timeline sorted by time (stable, so same-second events keep their recorded order). */
  events: TimelineEvent[];
  now: Date;
  name(id: string): string;
  outcome: PostmortemOutcome;
  requestedAt: string;
  requester: string;
  firstAlert?: EventOf<'alert'>;
  deploy?: EventOf<'deploy'>;
  /** The changes the deploy event named (its PRs), from the deploy history. */
  changes: DeployChange[];
  /** The release analysis's findings, in a responder's words with file:line. */
  findings: ReleaseFinding[];
  approvedAt?: string;
  approvers: string[];
  rejected?: EventOf<'rejected'>;
  expired?: EventOf<'expired'>;
  refusals: EventOf<'approval_refused'>[];
  complete?: EventOf<'rollback_complete'>;
  rollbackFailed?: EventOf<'rollback_failed'>;
  unverified?: EventOf<'rollback_unverified'>;
  manual?: EventOf<'manual_intervention_required'>;
  unlocked?: EventOf<'unlocked'>;
  execution: ExecutionSummary;
  /** Steps that failed at least once. */
  retriedSteps: StepSummary[];
  failedChecks: CheckSummary[];
  /** Attempts that started (1 when the first attempt was the only one). */
  attemptCount: number;
  /** The bad version: the incident's, else the latest deploy's. */
  fromVersion?: string;
  toVersion?: string;
}

/** One finding of the release analysis, as the postmortem quotes it. */
export interface ReleaseFinding {
  rule: string;
  severity: Severity;
  message: string;
  /** `migrations/002_add_order_metadata.sql:1` */
  where: string;
}

/** What the bot knew of the release beside the timeline: the deploy it follows and the analysis. */
export interface ReleaseKnowledge {
  deploy?: DeployRecord;
  findings?: ReleaseFinding[];
}

function first<T extends TimelineEvent['type']>(events: TimelineEvent[], type: T): EventOf<T> | undefined {
  return events.find((e): e is EventOf<T> => e.type === type);
}

function last<T extends TimelineEvent['type']>(events: TimelineEvent[], type: T): EventOf<T> | undefined {
  return events.findLast((e): e is EventOf<T> => e.type === type);
}

function outcomeOf(incident: Incident, events: TimelineEvent[]): PostmortemOutcome {
  switch (incident.state) {
    case 'completed':
      return 'rolled_back';
    case 'failed':
    case 'unverified':
    case 'manual_intervention':
    case 'rejected':
    case 'expired':
      return incident.state;
    default:
      // The state may lag the timeline (written in two steps); the timeline's end events decide.
      if (last(events, 'manual_intervention_required')) return 'manual_intervention';
      if (last(events, 'rollback_unverified')) return 'unverified';
      if (last(events, 'rollback_failed')) return 'failed';
      if (last(events, 'rollback_complete')) return 'rolled_back';
      return 'in_progress';
  }
}

export function gatherFacts(
  incident: Incident,
  unsorted: TimelineEvent[],
  now: Date,
  people: Record<string, string>,
  release: ReleaseKnowledge = {},
): PostmortemFacts {
  // Validates every timestamp up front: a corrupt one is named instead of sorting silently wrong.
  const stamped = unsorted.map((event, index) => ({
    event,
    index,
    time: parseTimestamp(event.at).getTime(),
  }));
  const events = stamped.sort((a, b) => a.time - b.time || a.index - b.index).map((s) => s.event);
  const requested = first(events, 'requested');
  const approved = first(events, 'approved');
  const outcome = outcomeOf(incident, events);
  const execution = summarizeExecution(
    incident.plan,
    events,
    isTerminal(incident.state) || outcome !== 'in_progress',
  );
  const alerts = events.filter((e): e is EventOf<'alert'> => e.type === 'alert');
  // A deploy reported while the incident was open is on the timeline; else the one it follows.
  const known = release.deploy;
  const deploy =
    last(events, 'deploy') ??
    (known
      ? {
          type: 'deploy' as const,
          at: known.deployedAt,
          version: known.version,
          ...(known.previousVersion ? { previousVersion: known.previousVersion } : {}),
        }
      : undefined);
  const approverIds = approved?.approvers ?? incident.approvals.map((a) => a.userId);
  const fromVersion = incident.fromVersion ?? deploy?.version;

  return {
    incident,
    events,
    now,
    name: (id) => people[id] ?? id,
    outcome,
    requestedAt: requested?.at ?? incident.createdAt,
    requester: requested?.by ?? incident.requester,
    firstAlert: alerts[0],
    deploy,
    changes: known && known.version === deploy?.version ? known.changes : [],
    findings: release.findings ?? [],
    approvedAt: approved?.at,
    approvers: approverIds,
    rejected: first(events, 'rejected'),
    expired: first(events, 'expired'),
    refusals: events.filter((e): e is EventOf<'approval_refused'> => e.type === 'approval_refused'),
    // Only a rollback that ended well counts as recovery: an unverified one is not.
    complete: outcome === 'rolled_back' ? last(events, 'rollback_complete') : undefined,
    rollbackFailed: last(events, 'rollback_failed'),
    unverified: last(events, 'rollback_unverified'),
    manual: last(events, 'manual_intervention_required'),
    unlocked: last(events, 'unlocked'),
    execution,
    retriedSteps: execution.steps.filter((s) =>
      s.tries.some((t) => t.status === 'failed' || t.status === 'unfinished'),
    ),
    failedChecks: execution.checks.filter((c) => c.status === 'failed'),
    attemptCount: execution.currentAttempt,
    fromVersion,
    // The deploy that brought the bad version in also names the one before it.
    toVersion:
      incident.toVersion ?? (deploy && deploy.version === fromVersion ? deploy.previousVersion : undefined),
  };
}

/** Milliseconds between two ISO times, or undefined when either is unknown. */
export function span(start: string | undefined, end: string | undefined): number | undefined {
  return start === undefined || end === undefined ? undefined : millisBetween(start, end);
}
