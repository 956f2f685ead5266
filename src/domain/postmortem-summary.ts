/**
 * The postmortem's opening paragraph and impact window, in words: what broke, where, from which
 * version to which, and how it ended.
 */
import { SOURCE_LABELS } from './signal.js';
import type { PostmortemFacts } from './postmortem-facts.js';
import { span } from './postmortem-facts.js';
import { listWords, plural } from './event-text.js';
import { formatSeconds, formatUtcDateTime, millisBetween } from './format-time.js';

function versions(facts: PostmortemFacts): string {
  const from = facts.fromVersion ? `\`${facts.fromVersion}\`` : 'the running release';
  const to = facts.toVersion ? `\`${facts.toVersion}\`` : 'the previous revision';
  return `from ${from} to ${to}`;
}

function verificationWords(facts: PostmortemFacts): string {
  const checks = facts.execution.checks;
  if (checks.length === 0) return 'no verification checks are configured';
  const passed = checks.filter((c) => c.status === 'passed').map((c) => c.name);
  if (passed.length === checks.length) return `verification passed (${passed.join(', ')})`;
  return `verification did not pass (${checks.map((c) => `${c.name}: ${c.status}`).join(', ')})`;
}

function outcomeSentence(facts: PostmortemFacts): string {
  const { incident } = facts;
  const attempts = facts.attemptCount;
  const nowText = formatUtcDateTime(facts.now);
  switch (facts.outcome) {
    case 'rolled_back': {
      const ttr = formatSeconds(span(facts.requestedAt, facts.complete?.at) ?? 0);
      const retried =
        attempts > 1
          ? `on attempt ${attempts}, after ${plural(attempts - 1, 'failed attempt', 'failed attempts')}`
          : 'on the first attempt';
      const at = facts.complete ? `at ${formatUtcDateTime(facts.complete.at)}, ` : '';
      return `The rollback completed ${at}${ttr} after the request, ${retried}; ${verificationWords(facts)}.`;
    }
    case 'unverified':
      return `The rollback steps completed but verification failed (${facts.unverified?.error ?? listWords(facts.failedChecks.map((c) => c.name))}), so ${incident.service} was not confirmed recovered and the incident was escalated for manual intervention.`;
    case 'failed':
      return `The rollback failed after ${plural(facts.rollbackFailed?.attempts ?? attempts, 'attempt', 'attempts')} (last error: ${facts.rollbackFailed?.error ?? 'none recorded'}) and was escalated for manual intervention; ${incident.service} was not confirmed recovered at ${nowText}.`;
    case 'manual_intervention':
      return `The rollback stopped for manual intervention: ${facts.manual?.why ?? 'no reason recorded'}. ${incident.service} was not confirmed recovered at ${nowText}.`;
    case 'rejected':
      return `${facts.rejected ? facts.name(facts.rejected.by) : 'An approver'} rejected the rollback${facts.rejected ? ` at ${formatUtcDateTime(facts.rejected.at)}` : ''}, so none ran.`;
    case 'expired':
      return `The request expired unapproved${facts.expired ? ` after ${formatSeconds(facts.expired.afterMs)}` : ''}; no rollback ran.`;
    case 'in_progress':
      return `The rollback was still in progress (${incident.state}) at ${nowText}.`;
  }
}

/** One paragraph: what broke, service and environment, from→to versions, who decided, the outcome. */
export function describeSummary(facts: PostmortemFacts): string {
  const { incident } = facts;
  const parts: string[] = [
    `${incident.service} in ${incident.environment} broke: ${incident.reason.trim()}.`,
  ];
  if (facts.firstAlert) {
    const afterDeploy = facts.deploy
      ? `, ${formatSeconds(millisBetween(facts.deploy.at, facts.firstAlert.at))} after \`${facts.deploy.version}\` was deployed`
      : '';
    parts.push(
      `The first alert ("${facts.firstAlert.summary}", ${SOURCE_LABELS[facts.firstAlert.source]}) fired at ${formatUtcDateTime(facts.firstAlert.at)}${afterDeploy}.`,
    );
  } else if (facts.deploy) {
    parts.push(`\`${facts.deploy.version}\` was deployed at ${formatUtcDateTime(facts.deploy.at)}.`);
  }
  const decision = span(facts.requestedAt, facts.approvedAt);
  const approval =
    decision !== undefined && facts.approvers.length > 0
      ? `; ${listWords(facts.approvers.map(facts.name))} approved it ${formatSeconds(decision)} later`
      : '';
  parts.push(
    incident.source === 'slack'
      ? `${facts.name(facts.requester)} requested a rollback ${versions(facts)} via Slack at ${formatUtcDateTime(facts.requestedAt)}${approval}.`
      : `${SOURCE_LABELS[incident.source]} opened a rollback request ${versions(facts)} at ${formatUtcDateTime(facts.requestedAt)}${approval}.`,
  );
  parts.push(outcomeSentence(facts));
  return parts.join(' ');
}

/** First alert or request → recovery, or → now when the bot saw no recovery. */
export function describeImpact(facts: PostmortemFacts): {
  start: string;
  startedBy: string;
  end: string;
  endedBy: string;
  duration: string;
  ongoing: boolean;
} {
  // The impact began when the metrics left their baseline, else at the first alert, else at the
  // request: the moment someone asked for a rollback is rarely when users started to suffer.
  const evidence = facts.incident.evidence;
  const changePoint = evidence?.status === 'measured' ? evidence.changePoint : undefined;
  const alertFirst =
    facts.firstAlert !== undefined && millisBetween(facts.firstAlert.at, facts.requestedAt) > 0;
  const [startAt, startedBy] = changePoint
    ? [changePoint.at, `the ${changePoint.metric} leaving its pre-deploy baseline (metrics)`]
    : alertFirst && facts.firstAlert
      ? [
          facts.firstAlert.at,
          `first alert (${SOURCE_LABELS[facts.firstAlert.source]}: ${facts.firstAlert.summary})`,
        ]
      : [facts.requestedAt, 'the rollback request'];
  const endAt = facts.complete?.at ?? facts.now.toISOString();
  const ms = millisBetween(startAt, endAt);
  return {
    start: formatUtcDateTime(startAt),
    startedBy,
    end: formatUtcDateTime(endAt),
    endedBy: facts.complete
      ? 'recovery (rollback complete)'
      : 'not recovered: still open when this was written',
    duration: facts.complete ? formatSeconds(ms) : `${formatSeconds(ms)} and counting`,
    ongoing: !facts.complete,
  };
}
