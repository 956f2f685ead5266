/**
 * The thread's progress message, updated in place: each plan step as ✓ / ✗ / … / ○ / ↷ with its
 * duration and attempt, then the verification checks. Everything comes from the timeline (the
 * latest attempt wins), so a re-render after a crash shows the truth, not a cached guess.
 */
import type { KnownBlock } from '@slack/types';
import type { Incident } from '../../../../domain/incident.js';
import type { TimelineEvent } from '../../../../domain/timeline.js';
import type { CheckSummary, StepStatus, StepSummary } from '../../../../domain/execution-summary.js';
import { isTerminal, STATE_LABELS } from '../../../../domain/incident.js';
import { summarizeExecution } from '../../../../domain/execution-summary.js';
import { plural } from '../../../../domain/event-text.js';
import { formatDuration } from '../../../../domain/values.js';
import { formatUtcTime } from '../../../../domain/format-time.js';
import { context, escapeMrkdwn, mention, outputTailBlock, packLines, section, truncate } from './mrkdwn.js';
import { ACTION_IDS } from './action-ids.js';
import { sortEvents } from './timeline-message.js';

/** The mark each step state shows. `unfinished`: started, then the rollback ended with no result. */
export const STEP_MARKS: Record<StepStatus, string> = {
  succeeded: '✓',
  failed: '✗',
  running: '…',
  pending: '○',
  skipped: '↷',
  unfinished: '⚠',
};

const CHECK_MARKS: Record<CheckSummary['status'], string> = {
  passed: '✓',
  failed: '✗',
  pending: '○',
  watching: '◔',
};

/** An error shown on a step's line; the escalation message and postmortem carry the rest. */
const ERROR_LIMIT = 200;

function stepLine(step: StepSummary): string {
  const latest = step.tries.at(-1);
  const parts = [`${STEP_MARKS[step.status]} *${escapeMrkdwn(step.name)}*`];
  switch (step.status) {
    case 'succeeded':
    case 'failed':
      if (step.durationMs !== undefined) parts.push(formatDuration(step.durationMs));
      break;
    case 'running':
      parts.push('running');
      break;
    case 'unfinished':
      parts.push('started, no result recorded');
      break;
    case 'skipped':
      parts.push(`skipped: ${escapeMrkdwn(step.skippedWhy ?? 'no reason recorded')}`);
      break;
    case 'pending':
      if (latest) parts.push('waiting to be retried');
      break;
  }
  if (latest && (latest.attempt > 1 || step.tries.length > 1)) parts.push(`attempt ${latest.attempt}`);
  if (step.status === 'failed' && latest?.error)
    parts.push(truncate(escapeMrkdwn(latest.error), ERROR_LIMIT));
  const tail = step.status === 'failed' ? outputTailBlock(latest?.outputTail, 3) : undefined;
  return tail ? `${parts.join(' · ')}\n${tail}` : parts.join(' · ');
}

function checkLine(check: CheckSummary): string {
  const parts = [`${CHECK_MARKS[check.status]} ${escapeMrkdwn(check.name)}`];
  if (check.status === 'pending') parts.push('not run yet');
  else if (check.status === 'watching') parts.push(escapeMrkdwn(check.watching ?? 'watching'));
  else parts.push(`${check.status} after ${plural(check.tries ?? 0, 'try', 'tries')}`);
  if (check.error) parts.push(truncate(escapeMrkdwn(check.error), ERROR_LIMIT));
  return parts.join(' · ');
}

/** The Stop button while the rollback can still be stopped; who asked, once someone did. */
function stopBlocks(incident: Incident): KnownBlock[] {
  if (incident.stopRequested) {
    const what = isTerminal(incident.state)
      ? 'no step started after it'
      : 'the rollback stops after the running step';
    return [
      context(
        `:octagonal_sign: Stop requested by ${mention(incident.stopRequested.by)} at ${formatUtcTime(incident.stopRequested.at)} UTC: ${what}.`,
      ),
    ];
  }
  if (incident.state !== 'running' && incident.state !== 'queued') return [];
  return [
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.stop,
          style: 'danger',
          value: incident.id,
          text: { type: 'plain_text', text: 'Stop' },
          confirm: {
            title: { type: 'plain_text', text: `Stop ${incident.id}?` },
            text: {
              type: 'mrkdwn',
              text: 'The running step finishes; no further step starts. The rollback ends for a human to finish (MANUAL_INTERVENTION_REQUIRED), with what ran on the timeline.',
            },
            confirm: { type: 'plain_text', text: 'Stop' },
            deny: { type: 'plain_text', text: 'Keep going' },
          },
        },
      ],
    },
  ];
}

export function progressMessage(
  incident: Incident,
  events: TimelineEvent[],
): { text: string; blocks: KnownBlock[] } {
  const sorted = sortEvents(events);
  const ended = isTerminal(incident.state);
  const summary = summarizeExecution(incident.plan, sorted, ended);
  const done = summary.steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length;
  const attempt = summary.currentAttempt > 0 ? ` · attempt ${summary.currentAttempt}` : '';
  const header = `*Progress · ${escapeMrkdwn(incident.id)}* · ${escapeMrkdwn(incident.service)}/${escapeMrkdwn(incident.environment)} · ${STATE_LABELS[incident.state]}${attempt}`;

  const stepLines = summary.steps.length > 0 ? summary.steps.map(stepLine) : ['_The plan has no steps._'];
  const blocks: KnownBlock[] = [
    section(header),
    ...packLines([`*Steps* (${done} of ${summary.steps.length} done)`, ...stepLines]).map(section),
  ];
  if (summary.checks.length > 0) {
    blocks.push(...packLines(['*Verification*', ...summary.checks.map(checkLine)]).map(section));
  }
  const started = sorted.find((e) => e.type === 'rollback_started');
  const finished = sorted.findLast(
    (e) => e.type === 'rollback_complete' || e.type === 'rollback_failed' || e.type === 'rollback_unverified',
  );
  if (started) {
    const total =
      finished?.type === 'rollback_complete' ? `, finished in ${formatDuration(finished.durationMs)}` : '';
    blocks.push(
      context(
        `Started ${formatUtcTime(started.at)} UTC${total} · ✓ done · ✗ failed · … running · ○ pending · ↷ skipped`,
      ),
    );
  }
  blocks.push(...stopBlocks(incident));
  const running = summary.steps.find((s) => s.status === 'running');
  const text = `${incident.id} ${incident.service}/${incident.environment}: ${STATE_LABELS[incident.state]}, ${done} of ${summary.steps.length} steps done${
    running ? `, running ${running.name}` : ''
  }`;
  return { text, blocks };
}
