/**
 * One sentence per timeline event, shared by the thread's timeline message (Slack mrkdwn, people
 * as mentions) and the postmortem (plain text, people by name). The style decides how people,
 * free text and literals are written, so each view escapes exactly what it needs.
 */
import { SOURCE_LABELS } from './signal.js';
import type { TimelineEvent } from './timeline.js';
import { OUTBOUND_SIGNALS } from './timeline.js';
import { formatDuration } from './values.js';
import { watchText } from './watch-text.js';

/** How a view writes the parts of a sentence. */
export interface TextStyle {
  /** A person by Slack id: a mention in Slack, a display name in documents. */
  person(id: string): string;
  /** Free text from outside (reasons, errors, alert summaries): escaped for the view. */
  text(value: string): string;
  /** A literal (job id, version, command): shown as code. */
  code(value: string): string;
}

/** Plain text with names looked up (unknown ids shown as they are) and literals in backticks. */
export function plainStyle(people: Record<string, string> = {}): TextStyle {
  return {
    person: (id) => people[id] ?? id,
    text: (value) => value,
    code: (value) => `\`${value.replaceAll('`', "'")}\``,
  };
}

/** `1 try`, `3 tries`. */
export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `Alice`, `Alice and Bob`, `Alice, Bob and Carol`. */
export function listWords(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function attemptSuffix(attempt: number): string {
  return attempt > 1 ? ` (attempt ${attempt})` : '';
}

/** The sentence for one event, e.g. "Step Undo deployment failed after 4s (attempt 2): exit code 1". */
export function describeEvent(event: TimelineEvent, style: TextStyle): string {
  const { person, text, code } = style;
  switch (event.type) {
    case 'requested':
      // An alert opens an incident on its own: there is no person to name.
      return event.source === 'slack'
        ? `${person(event.by)} requested the rollback via Slack: ${text(event.reason)}`
        : `${SOURCE_LABELS[event.source]} opened the request: ${text(event.reason)}`;
    case 'approval_given':
      return `${person(event.by)} approved (${event.count} of ${event.required} required)`;
    case 'approval_refused':
      return `${person(event.by)}'s approval did not count: ${text(event.why)}`;
    case 'approved':
      return `Approved by ${listWords(event.approvers.map(person))}; the rollback may run`;
    case 'rejected':
      return `${person(event.by)} rejected the rollback`;
    case 'expired':
      return `The request expired unapproved after ${formatDuration(event.afterMs)}`;
    case 'queued':
      return `Queued as job ${code(event.jobId)} on ${code(event.queue)}, position ${event.position}`;
    case 'rollback_started':
      return `${OUTBOUND_SIGNALS.rollback_started}: attempt ${event.attempt} started`;
    case 'step_started':
      return `Step ${text(event.name)} started${attemptSuffix(event.attempt)}`;
    case 'step_succeeded':
      return `Step ${text(event.name)} succeeded in ${formatDuration(event.durationMs)}${attemptSuffix(event.attempt)}`;
    case 'step_failed':
      return `Step ${text(event.name)} failed after ${formatDuration(event.durationMs)}${attemptSuffix(event.attempt)}: ${text(event.error)}`;
    case 'step_skipped':
      return `Step ${text(event.name)} skipped: ${text(event.why)}`;
    case 'verify_passed':
      return `Check ${text(event.check)} passed (${plural(event.tries, 'try', 'tries')})`;
    case 'verify_failed':
      return `Check ${text(event.check)} failed after ${plural(event.tries, 'try', 'tries')}: ${text(event.error)}`;
    case 'verify_watching':
      return `Check ${text(event.check)}: ${watchText(event)}`;
    case 'retry_scheduled':
      return `Retry scheduled: attempt ${event.attempt} in ${formatDuration(event.delayMs)}, after: ${text(event.error)}`;
    case 'rollback_complete':
      return `${OUTBOUND_SIGNALS.rollback_complete}: rolled back in ${formatDuration(event.durationMs)}`;
    case 'rollback_failed':
      return `${OUTBOUND_SIGNALS.rollback_failed} after ${plural(event.attempts, 'attempt', 'attempts')}: ${text(event.error)}`;
    case 'rollback_unverified':
      return `${OUTBOUND_SIGNALS.rollback_unverified}: the steps succeeded but verification failed: ${text(event.error)}`;
    case 'manual_intervention_required':
      return `${OUTBOUND_SIGNALS.manual_intervention_required}: ${text(event.why)}${event.stepId ? ` (step ${code(event.stepId)})` : ''}`;
    case 'alert': {
      const count = event.count !== undefined && event.count > 1 ? ` ×${event.count}` : '';
      return `${SOURCE_LABELS[event.source]} alert ${event.status}${count}: ${text(event.summary)}`;
    }
    case 'deploy':
      return `Deployed ${code(event.version)}${event.previousVersion ? ` (replacing ${code(event.previousVersion)})` : ''}`;
    case 'unlocked':
      return `${person(event.by)} lifted the deploy lock`;
    case 'stop_requested':
      return `${person(event.by)} pressed Stop: no further step starts`;
    case 'gate_waiver':
      return `${person(event.by)} waived the schema gate (${event.count} of ${event.required})`;
    case 'gate_waived':
      return `Schema gate waived by ${listWords(event.approvers.map(person))}: the rollback runs without proof that ${event.requirements.length > 0 ? listWords(event.requirements.map(code)) : 'its preconditions'} accept the old code's inserts`;
    case 'schema_gate':
      return `Schema gate ${event.open ? 'open' : 'closed'}: ${text(event.detail)}`;
    case 'note':
      return text(event.text);
    case 'request_joined': {
      const reason = event.reason.trim() === '' ? 'no reason given' : text(event.reason.trim());
      const target =
        event.toVersion === undefined
          ? ''
          : event.toVersion === event.plannedVersion
            ? ` (--to ${code(event.toVersion)}, as planned)`
            : ` (asked for ${code(event.toVersion)}; this incident targets ${event.plannedVersion ? code(event.plannedVersion) : 'no version yet'})`;
      return `${person(event.by)} asked for this rollback too: ${reason}${target}`;
    }
  }
}
