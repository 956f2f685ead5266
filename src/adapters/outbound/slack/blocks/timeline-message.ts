/**
 * The thread's timeline message, updated in place: every event with its UTC time and its offset
 * from the request. A long incident stays within Block Kit's limits by packing lines into
 * sections and, past that, keeping the first events and the latest ones, saying how many are elided.
 */
import type { KnownBlock } from '@slack/types';
import type { Incident } from '../../../../domain/incident.js';
import type { TimelineEvent } from '../../../../domain/timeline.js';
import type { TextStyle } from '../../../../domain/event-text.js';
import { describeEvent } from '../../../../domain/event-text.js';
import {
  formatOffset,
  formatUtcDate,
  formatUtcDateTime,
  formatUtcTime,
  parseTimestamp,
} from '../../../../domain/format-time.js';
import {
  codeSpan,
  escapeMrkdwn,
  MESSAGE_BLOCK_LIMIT,
  mention,
  packLines,
  section,
  truncate,
} from './mrkdwn.js';

/** Slack mrkdwn: people by display name when known (an update should not ping anyone), else as mentions. */
export function slackStyle(people?: Record<string, string>): TextStyle {
  return {
    person: (id) => {
      const name = people?.[id];
      return name ? escapeMrkdwn(name) : mention(id);
    },
    text: escapeMrkdwn,
    code: codeSpan,
  };
}

/** The first events always shown: how the incident began is what readers look for first. */
const HEAD_EVENTS = 5;
/** A single event's line; longer ones (a huge note or error) are cut so one event cannot crowd out the rest. */
const LINE_LIMIT = 500;
/** Room for the header section; the rest of the message's 50 blocks hold event lines. */
const MAX_EVENT_SECTIONS = MESSAGE_BLOCK_LIMIT - 1;

/** Events in time order; equal times keep their recorded order. Throws naming a bad timestamp. */
export function sortEvents(events: TimelineEvent[]): TimelineEvent[] {
  return events
    .map((event, index) => ({ event, index, time: parseTimestamp(event.at).getTime() }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map((s) => s.event);
}

function requestTime(incident: Incident, events: TimelineEvent[]): string {
  return events.find((e) => e.type === 'requested')?.at ?? incident.createdAt;
}

/** Chooses which lines to show so that they pack into at most `maxSections` sections. */
export function fitLines(lines: string[], maxSections: number): { shown: string[]; elided: number } {
  if (packLines(lines).length <= maxSections) return { shown: lines, elided: 0 };
  const head = lines.slice(0, HEAD_EVENTS);
  const rest = lines.slice(HEAD_EVENTS);
  // Grows the tail from the latest event back until one more line would not fit.
  let tailCount = 0;
  for (let count = 1; count <= rest.length; count++) {
    const candidate = [...head, elisionLine(rest.length - count), ...rest.slice(rest.length - count)];
    if (packLines(candidate).length > maxSections) break;
    tailCount = count;
  }
  const elided = rest.length - tailCount;
  return { shown: [...head, elisionLine(elided), ...rest.slice(rest.length - tailCount)], elided };
}

function elisionLine(count: number): string {
  return `_… ${count} ${count === 1 ? 'event' : 'events'} not shown here; the postmortem lists every one …_`;
}

/**
 * A metrics watch reads every minute; the timeline keeps only each check's latest reading (the
 * postmortem keeps them all), so ten minutes of watching do not push the story off the message.
 */
function latestWatchOnly(events: TimelineEvent[]): TimelineEvent[] {
  const lastIndex = new Map<string, number>();
  events.forEach((event, index) => {
    if (event.type === 'verify_watching') lastIndex.set(event.check, index);
    else if (event.type === 'verify_passed' || event.type === 'verify_failed') lastIndex.set(event.check, -1);
  });
  return events.filter(
    (event, index) => event.type !== 'verify_watching' || lastIndex.get(event.check) === index,
  );
}

export function timelineMessage(
  incident: Incident,
  events: TimelineEvent[],
  people?: Record<string, string>,
): { text: string; blocks: KnownBlock[] } {
  const sorted = latestWatchOnly(sortEvents(events));
  const start = requestTime(incident, sorted);
  const startDate = formatUtcDate(start);
  const style = slackStyle(people);
  const lines = sorted.map((event) => {
    // The date only when it differs from the request's: most incidents fit in one day.
    const date = formatUtcDate(event.at) === startDate ? '' : `${formatUtcDate(event.at)} `;
    const line = `\`${date}${formatUtcTime(event.at)}\` ${formatOffset(start, event.at)} · ${describeEvent(event, style)}`;
    return truncate(line, LINE_LIMIT);
  });
  const { shown, elided } = fitLines(lines, MAX_EVENT_SECTIONS);
  const header = section(
    `*Timeline · ${escapeMrkdwn(incident.id)}* · ${escapeMrkdwn(incident.service)}/${escapeMrkdwn(incident.environment)} · ` +
      `${sorted.length} ${sorted.length === 1 ? 'event' : 'events'}${elided ? ` (${elided} elided)` : ''} · ` +
      `times UTC, offsets from the request at ${formatUtcDateTime(start)}`,
  );
  const blocks: KnownBlock[] = [header, ...packLines(shown).map(section)];
  const latest = sorted.at(-1);
  const text = `Timeline of ${incident.id} (${incident.service}/${incident.environment}): ${sorted.length} events${
    latest ? `, latest at ${formatUtcTime(latest.at)} UTC` : ''
  }`;
  return { text, blocks };
}
