/**
 * The escalation posted in the thread when the bot stops: it mentions the approvers, says plainly
 * that manual intervention is required, lists exactly what was tried (each attempt's steps and
 * errors) and what to check before anyone acts by hand.
 */
import { stepCommandText } from '../../../../domain/strategies/registry.js';
import type { KnownBlock } from '@slack/types';
import type { Incident } from '../../../../domain/incident.js';
import type { TimelineEvent } from '../../../../domain/timeline.js';
import type { ExecutionSummary, StepSummary } from '../../../../domain/execution-summary.js';
import { summarizeExecution } from '../../../../domain/execution-summary.js';
import { plural } from '../../../../domain/event-text.js';
import { formatDuration } from '../../../../domain/values.js';
import { codeSpan, escapeMrkdwn, mention, outputTailBlock, packLines, section, truncate } from './mrkdwn.js';
import { sortEvents } from './timeline-message.js';

export type EscalationKind = 'failed' | 'unverified' | 'manual_intervention';

const HEADLINES: Record<EscalationKind, string> = {
  failed: 'the rollback failed and the bot will not try again',
  unverified: 'the rollback steps succeeded but verification failed, so the bot will not re-run them',
  manual_intervention: 'the bot stopped the rollback rather than risk running a step twice',
};

/** Per-error room: enough for the message that matters, not a whole stack trace. */
const ERROR_LIMIT = 300;

function command(step: StepSummary): string {
  return step.argv ? ` ${codeSpan(stepCommandText(step))}` : '';
}

function triedLines(summary: ExecutionSummary): string[] {
  if (summary.attempts.length === 0) return ['*What was tried:* no step had started.'];
  const lines = ['*What was tried*'];
  for (const { attempt, tries } of summary.attempts) {
    lines.push(`*Attempt ${attempt}*`);
    for (const { step, attemptTry } of tries) {
      const duration =
        attemptTry.durationMs !== undefined ? ` · ${formatDuration(attemptTry.durationMs)}` : '';
      const outcome =
        attemptTry.status === 'failed'
          ? `✗ failed${duration}: ${truncate(escapeMrkdwn(attemptTry.error ?? 'no error recorded'), ERROR_LIMIT)}`
          : attemptTry.status === 'succeeded'
            ? `✓ succeeded${duration}`
            : attemptTry.status === 'unfinished'
              ? '⚠ started, no result recorded'
              : '… running';
      lines.push(`• ${escapeMrkdwn(step.name)}${command(step)} · ${outcome}`);
      const tail = attemptTry.status === 'failed' ? outputTailBlock(attemptTry.outputTail) : undefined;
      if (tail) lines.push(tail);
    }
  }
  const notReached = summary.steps.filter((s) => s.tries.length === 0 && s.status !== 'skipped');
  if (notReached.length > 0)
    lines.push(`Not reached: ${notReached.map((s) => escapeMrkdwn(s.name)).join(', ')}`);
  for (const check of summary.checks) {
    if (check.status === 'pending') continue;
    const error = check.error ? `: ${truncate(escapeMrkdwn(check.error), ERROR_LIMIT)}` : '';
    lines.push(
      `• Check ${escapeMrkdwn(check.name)} ${check.status === 'passed' ? '✓ passed' : '✗ failed'} after ${plural(check.tries ?? 0, 'try', 'tries')}${error}`,
    );
  }
  return lines;
}

function checkLines(
  incident: Incident,
  summary: ExecutionSummary,
  kind: EscalationKind,
  stepId?: string,
): string[] {
  const target = `${escapeMrkdwn(incident.service)}/${escapeMrkdwn(incident.environment)}`;
  const lines = ['*What to check*'];
  const unfinished =
    summary.steps.find((s) => s.id === stepId) ?? summary.steps.find((s) => s.status === 'unfinished');
  if (unfinished && (kind === 'manual_intervention' || unfinished.status === 'unfinished')) {
    lines.push(
      `• Step *${escapeMrkdwn(unfinished.name)}*${command(unfinished)} started but no result was recorded${
        unfinished.idempotent === false ? ', and it is not safe to run twice' : ''
      }: check whether it took effect before running it again by hand.`,
    );
  }
  const lastFailed = summary.steps.filter((s) => s.status === 'failed').at(-1);
  if (lastFailed) {
    lines.push(
      `• Why *${escapeMrkdwn(lastFailed.name)}* fails, and whether a failed attempt partly applied before anything is re-run.`,
    );
  }
  const failedChecks = summary.checks.filter((c) => c.status === 'failed');
  if (kind === 'unverified' || failedChecks.length > 0) {
    lines.push(
      `• Why ${failedChecks.map((c) => `*${escapeMrkdwn(c.name)}*`).join(', ') || 'verification'} fails: the rollback may be incomplete, or the cause lies outside the release (database, configuration, a dependency).`,
    );
  }
  const version = incident.toVersion ? ` (expected ${codeSpan(incident.toVersion)})` : '';
  lines.push(
    `• Which version of ${target} is serving now${version}, and its error rate and p99 against the pre-deploy baseline.`,
  );
  lines.push('• Post what you do in this thread: it goes into the postmortem.');
  return lines;
}

export function escalationMessage(
  incident: Incident,
  events: TimelineEvent[],
  kind: EscalationKind,
  why: string,
): { text: string; blocks: KnownBlock[] } {
  const sorted = sortEvents(events);
  const summary = summarizeExecution(incident.plan, sorted, true);
  const stepId = sorted.findLast((e) => e.type === 'manual_intervention_required')?.stepId;
  // With nobody to approve, the requester is the one person certain to be watching.
  const who = incident.policy.approvers.length > 0 ? incident.policy.approvers : [incident.requester];
  const target = `${escapeMrkdwn(incident.service)}/${escapeMrkdwn(incident.environment)}`;
  const lead =
    `:rotating_light: *Manual intervention is required* · ${escapeMrkdwn(incident.id)} · ${target}\n` +
    `${who.map(mention).join(' ')}: ${HEADLINES[kind]}. A person needs to take over now.\n` +
    `*Why:* ${truncate(escapeMrkdwn(why), 1000)}`;
  const blocks: KnownBlock[] = [
    section(lead),
    ...packLines(triedLines(summary)).map(section),
    ...packLines(checkLines(incident, summary, kind, stepId)).map(section),
  ];
  const text = `${who.map(mention).join(' ')} Manual intervention is required for ${incident.id} (${incident.service}/${incident.environment}): ${why}`;
  return { text: truncate(text, 3000), blocks };
}
