/**
 * The postmortem agenda as data: everything the bot knows about a rollback, in words, ready for
 * a template. Pure: the incident and its timeline in, a model out; rendering lives in
 * adapters/outbound/render. The only blanks left are the action items' owner and due cells.
 */
import {
  incidentReport,
  releaseAndDecision,
  rootCause,
  type IncidentReport,
  type RootCause,
} from './postmortem-decision.js';
import type { Incident } from './incident.js';
import type { TimelineEvent } from './timeline.js';
import type { PostmortemFacts, PostmortemOutcome, ReleaseKnowledge } from './postmortem-facts.js';
import type { ActionItem } from './postmortem-guidance.js';
import { STATE_LABELS } from './incident.js';
import { describeEvent, plainStyle, plural } from './event-text.js';
import type { PostmortemCheck, PostmortemPerson, PostmortemStep } from './postmortem-sections.js';
import { failures, people, toStep, verification } from './postmortem-sections.js';
import {
  formatOffset,
  formatSeconds,
  formatUtcDate,
  formatUtcDateTime,
  formatUtcTime,
} from './format-time.js';
import { gatherFacts, span } from './postmortem-facts.js';
import { actionItems, discussionPrompts, withinADay, withinTwoWeeks } from './postmortem-guidance.js';
import { describeImpact, describeSummary } from './postmortem-summary.js';
import { formatDuration } from './values.js';

export type { PostmortemOutcome } from './postmortem-facts.js';
export type { ActionItem } from './postmortem-guidance.js';
export type { PostmortemCheck, PostmortemPerson, PostmortemStep } from './postmortem-sections.js';

/** One line of the timeline: `2024-05-14`, `14:02:10`, `+2m 10s`, a sentence. */
export interface PostmortemTimelineRow {
  date: string;
  time: string;
  offset: string;
  sentence: string;
}

export interface AgendaSection {
  title: string;
  minutes: number;
  points: string[];
}

/** Everything the postmortem template shows. Times are UTC text; durations are words like `3m 30s`. */
export interface PostmortemModel {
  incidentId: string;
  service: string;
  environment: string;
  title: string;
  outcome: PostmortemOutcome;
  outcomeLabel: string;
  generatedAt: string;
  summary: string;
  reason: string;
  impact: {
    start: string;
    startedBy: string;
    end: string;
    endedBy: string;
    duration: string;
    ongoing: boolean;
  };
  timeToRecovery: { fromRequest: string; fromApproval: string };
  decisionTime: string;
  timeline: PostmortemTimelineRow[];
  people: PostmortemPerson[];
  steps: PostmortemStep[];
  failures: string[];
  verification: PostmortemCheck[];
  prompts: string[];
  actionItems: ActionItem[];
  agenda: AgendaSection[];
  totalMinutes: number;
  meetingDeadline: string;
  rules: string[];
  within24h: string[];
  within2Weeks: string[];
  /** The release, the safety verdict, preconditions, waivers, overrides, alternatives. */
  release: string[];
  rootCause: RootCause;
  /** The short report for managers, in the thread and the file. */
  report: IncidentReport;
}

export interface PostmortemOptions {
  /** When the agenda is written: ends an impact window that has not ended. */
  now: Date;
  /** Slack user id → display name; unknown ids are shown as they are. */
  people?: Record<string, string>;
  /** The deploy the incident follows and the release analysis's findings, when known. */
  release?: ReleaseKnowledge;
}

/** DOMAIN.md: within 48 hours, blameless. */
const MEETING_WITHIN_MS = 48 * 3_600_000;

const RULES = [
  'Blameless: we discuss systems and decisions, never people',
  'Specific: name times, commands and numbers from the timeline',
  'Forward-looking: every problem found ends in an action item',
  'Actionable: each action item gets one owner and a due date',
  'Honest: say what we do not know yet',
];

function decisionTime(facts: PostmortemFacts): string {
  const approved = span(facts.requestedAt, facts.approvedAt);
  if (approved !== undefined) return `${formatSeconds(approved)} from request to approval`;
  if (facts.rejected)
    return `${formatSeconds(span(facts.requestedAt, facts.rejected.at) ?? 0)} from request to rejection`;
  if (facts.expired) return `no decision: the request expired after ${formatDuration(facts.expired.afterMs)}`;
  return 'no decision yet: still awaiting approval';
}

function timeToRecovery(facts: PostmortemFacts): PostmortemModel['timeToRecovery'] {
  if (!facts.complete) {
    const why = `not recovered by the rollback (${STATE_LABELS[facts.incident.state].toLowerCase()})`;
    return { fromRequest: why, fromApproval: why };
  }
  const fromApproval = span(facts.approvedAt, facts.complete.at);
  return {
    fromRequest: formatSeconds(span(facts.requestedAt, facts.complete.at) ?? 0),
    fromApproval: fromApproval === undefined ? 'no approval recorded' : formatSeconds(fromApproval),
  };
}

function agenda(
  facts: PostmortemFacts,
  model: Omit<PostmortemModel, 'agenda' | 'totalMinutes' | 'release' | 'rootCause' | 'report'>,
): AgendaSection[] {
  const first = model.timeline[0];
  const last = model.timeline.at(-1);
  const span = first && last ? `from ${first.date} ${first.time} to ${last.date} ${last.time} UTC` : '';
  const wentWell: string[] = [];
  if (facts.complete) wentWell.push(`Recovery ${model.timeToRecovery.fromRequest} after the request`);
  if (facts.approvedAt) wentWell.push(`Decision: ${model.decisionTime}`);
  if (facts.complete && facts.retriedSteps.length === 0)
    wentWell.push('Every step succeeded on its first attempt');
  const passed = model.verification.filter((c) => c.result === 'Passed').map((c) => c.check);
  if (passed.length > 0) wentWell.push(`Verification passed: ${passed.join(', ')}`);
  wentWell.push('What else helped the responders?');
  return [
    {
      title: 'Introduction',
      minutes: 5,
      points: ['Purpose: learn, not blame', 'Read the rules below', model.summary],
    },
    {
      title: 'Timeline review',
      minutes: 10,
      points: [
        `Walk through the ${plural(model.timeline.length, 'event', 'events')} ${span}`.trim(),
        `Impact window: ${model.impact.duration}`,
      ],
    },
    {
      title: 'What happened',
      minutes: 15,
      points: [
        model.reason,
        ...(model.failures.length > 0 ? model.failures : ['Nothing failed during the rollback']),
      ],
    },
    { title: 'What went well', minutes: 10, points: wentWell },
    { title: 'What can be improved', minutes: 15, points: model.prompts },
    {
      title: 'Action items',
      minutes: 15,
      points: [`Give each of the ${model.actionItems.length} items below an owner and a due date`],
    },
    {
      title: 'Follow-up',
      minutes: 5,
      points: ['Agree who publishes the postmortem', 'Book the two-week review'],
    },
  ];
}

/** Builds the agenda's model. Throws a RangeError naming any timestamp that is not ISO 8601. */
export function buildPostmortem(
  incident: Incident,
  events: TimelineEvent[],
  opts: PostmortemOptions,
): PostmortemModel {
  const facts = gatherFacts(incident, events, opts.now, opts.people ?? {}, opts.release);
  const style = plainStyle(opts.people);
  const endAt = facts.complete?.at ?? facts.events.at(-1)?.at ?? facts.requestedAt;
  const meetingDeadline = formatUtcDateTime(
    new Date(Math.max(opts.now.getTime(), Date.parse(endAt)) + MEETING_WITHIN_MS),
  );
  const partial: Omit<PostmortemModel, 'agenda' | 'totalMinutes' | 'release' | 'rootCause' | 'report'> = {
    incidentId: incident.id,
    service: incident.service,
    environment: incident.environment,
    title: `Postmortem agenda: ${incident.id}, ${incident.service}/${incident.environment}`,
    outcome: facts.outcome,
    outcomeLabel:
      facts.outcome === 'in_progress'
        ? STATE_LABELS[incident.state]
        : STATE_LABELS[outcomeState(facts.outcome)],
    generatedAt: formatUtcDateTime(opts.now),
    summary: describeSummary(facts),
    reason: incident.reason,
    impact: describeImpact(facts),
    timeToRecovery: timeToRecovery(facts),
    decisionTime: decisionTime(facts),
    timeline: facts.events.map((event) => ({
      date: formatUtcDate(event.at),
      time: formatUtcTime(event.at),
      offset: formatOffset(facts.requestedAt, event.at),
      sentence: describeEvent(event, style),
    })),
    people: people(facts),
    steps: facts.execution.steps.map(toStep),
    failures: failures(facts),
    verification: verification(facts),
    prompts: discussionPrompts(facts),
    actionItems: actionItems(facts),
    meetingDeadline,
    rules: RULES,
    within24h: withinADay(facts, meetingDeadline),
    within2Weeks: withinTwoWeeks(facts),
  };
  const sections = agenda(facts, partial);
  return {
    ...partial,
    agenda: sections,
    totalMinutes: sections.reduce((sum, s) => sum + s.minutes, 0),
    release: releaseAndDecision(facts),
    rootCause: rootCause(facts),
    report: incidentReport(
      facts,
      { impactDuration: partial.impact.duration, fromRequest: partial.timeToRecovery.fromRequest },
      partial.actionItems,
    ),
  };
}

function outcomeState(outcome: Exclude<PostmortemOutcome, 'in_progress'>): Incident['state'] {
  return outcome === 'rolled_back' ? 'completed' : outcome;
}
