/**
 * The parts of the postmortem about the release and the decision: what shipped, what the safety
 * analysis said, each precondition and who ran or waived it, overrides, the alternatives offered
 * and the one chosen; a root-cause section to fill in; and the short incident report a manager
 * reads in the thread. Everything comes from the incident and its timeline, nothing is guessed:
 * what is not known says so.
 */
import { evidenceSummary } from './evidence/grade.js';
import { listWords, plainStyle } from './event-text.js';
import { formatUtcDateTime } from './format-time.js';
import type { PostmortemFacts } from './postmortem-facts.js';
import type { ActionItem } from './postmortem-guidance.js';

export interface IncidentReport {
  whatFailed: string;
  why: string;
  rolledBack: string;
  recovery: string;
  fixes: string[];
}

export interface RootCause {
  immediate: string;
  contributing: string[];
  whys: string[];
}

/** Findings that may explain the failure itself: the new version's code or configuration. */
const CAUSE_CANDIDATE_RULES = new Set(['major-dependency-bump', 'env-var-added', 'env-var-removed']);

/** Literals as the postmortem's plain text writes them everywhere else. */
const { code } = plainStyle();

/** "`v2.4.0` was deployed at … (after `v2.3.0`)", the links the request carried, and the decision. */
export function releaseAndDecision(facts: PostmortemFacts): string[] {
  const { incident, events } = facts;
  const lines: string[] = [];
  if (facts.deploy)
    lines.push(
      `Release: ${code(facts.deploy.version)} deployed at ${formatUtcDateTime(facts.deploy.at)}${facts.deploy.previousVersion ? ` (after ${code(facts.deploy.previousVersion)})` : ''}.`,
    );
  else
    lines.push(
      `Release: no deploy is on the timeline; the rollback targeted ${incident.toVersion ? code(incident.toVersion) : 'the previous revision'}.`,
    );
  for (const change of facts.changes)
    lines.push(`Change: ${change.id} ${change.title}${change.url ? ` (${change.url})` : ''}.`);
  for (const link of incident.links ?? []) lines.push(`Change: ${link.label} ${link.url}`);

  const safety = incident.safety;
  if (safety && safety.verdict !== 'pending')
    lines.push(`Rollback safety: ${safety.verdict}${safety.why ? ` (${safety.why})` : ''}.`);
  else if (!safety) lines.push('Rollback safety: not analysed for this incident.');
  for (const finding of facts.findings.filter((f) => f.severity !== 'info'))
    lines.push(`Found: ${finding.message} (${code(finding.where)})`);
  if (safety?.override)
    lines.push(
      `Override: approving meant overriding the analysis, so it took ${incident.policy.requiredApprovals} approvers (${listWords(facts.approvers.map(facts.name)) || 'none yet'}).`,
    );
  if (safety?.liveSchema?.inEffect.length)
    lines.push(`Already in effect in the live database: ${safety.liveSchema.inEffect.join('; ')}.`);

  for (const step of facts.execution.steps.filter((s) => /^p\d+$/.test(s.id))) {
    const ran =
      step.status === 'succeeded'
        ? 'ran and succeeded'
        : step.status === 'pending'
          ? 'did not run'
          : step.status;
    lines.push(
      `Precondition ${code(step.name)}: ${ran}, run by the bot after the approval of ${listWords(facts.approvers.map(facts.name)) || 'nobody yet'}.`,
    );
  }
  for (const event of events) {
    if (event.type === 'gate_waived')
      lines.push(
        `Schema gate waived by ${listWords(event.approvers.map(facts.name))} at ${formatUtcDateTime(event.at)}: ${event.requirements.join('; ') || 'nothing the gate could check'} went unchecked.`,
      );
    if (event.type === 'schema_gate')
      lines.push(
        `Schema gate at ${formatUtcDateTime(event.at)}: ${event.open ? 'open' : 'closed'}, ${event.detail}.`,
      );
    if (event.type === 'stop_requested')
      lines.push(`Stopped by ${facts.name(event.by)} at ${formatUtcDateTime(event.at)}.`);
  }

  const offered = incident.alternatives ?? [];
  if (offered.length > 0) {
    const chosen = offered.find((alternative) => alternative.id === incident.choice);
    lines.push(
      `Alternatives offered: ${offered.map((a) => `“${a.title}”`).join(', ')}; chosen: ${chosen ? `“${chosen.title}”` : facts.approvedAt ? 'the full plan' : 'none yet'}.`,
    );
  }
  return lines;
}

function whatFailed(facts: PostmortemFacts): string {
  const { incident } = facts;
  const target = `${incident.service} in ${incident.environment}`;
  const evidence = incident.evidence?.status === 'measured' ? evidenceSummary(incident.evidence) : undefined;
  return evidence ? `${target}: ${evidence}.` : `${target}: ${incident.reason || 'no reason given'}.`;
}

function rolledBack(facts: PostmortemFacts): string {
  const from = facts.fromVersion ? code(facts.fromVersion) : 'the running release';
  const to = facts.toVersion ? code(facts.toVersion) : 'the previous revision';
  switch (facts.outcome) {
    case 'rolled_back':
      return `Rolled back from ${from} to ${to}.`;
    case 'unverified':
      return `The steps rolled ${from} back to ${to}, but verification did not pass: recovery is not confirmed.`;
    case 'failed':
    case 'manual_intervention':
      return `Not rolled back by the bot: ${facts.manual?.why ?? facts.rollbackFailed?.error ?? 'the rollback failed'}.`;
    case 'rejected':
      return `Not rolled back: ${facts.rejected ? facts.name(facts.rejected.by) : 'an approver'} rejected it.`;
    case 'expired':
      return 'Not rolled back: the request expired unapproved.';
    default:
      return 'Still in progress.';
  }
}

/** The short report for the thread: what failed, why if known, what was rolled back, how fast. */
export function incidentReport(
  facts: PostmortemFacts,
  recovery: { impactDuration: string; fromRequest: string },
  actionItems: ActionItem[],
): IncidentReport {
  const cause = rootCause(facts).immediate;
  return {
    whatFailed: whatFailed(facts),
    why: cause,
    rolledBack: rolledBack(facts),
    recovery: `Impact lasted ${recovery.impactDuration}; ${recovery.fromRequest} from the request to recovery.`,
    fixes: actionItems.slice(0, 3).map((item) => item.action),
  };
}

/** What is known of the cause, the factors the timeline shows, and the five whys to work through. */
export function rootCause(facts: PostmortemFacts): RootCause {
  const { incident } = facts;
  const evidence = incident.evidence?.status === 'measured' ? incident.evidence : undefined;
  const version = facts.deploy?.version ?? facts.fromVersion;
  let immediate: string;
  if (
    evidence?.changePoint &&
    evidence.deploy &&
    Date.parse(evidence.changePoint.at) < Date.parse(evidence.deploy.at)
  )
    immediate = `Not the release: the ${evidence.changePoint.metric} left its baseline at ${formatUtcDateTime(evidence.changePoint.at)}, before ${code(evidence.deploy.version)} was deployed. Unknown yet; look at traffic, dependencies and the database.`;
  else if (version && facts.outcome === 'rolled_back')
    immediate = `A change in ${code(version)}: errors began after it and ended when it was rolled back. ${facts.findings.some((f) => CAUSE_CANDIDATE_RULES.has(f.rule)) ? 'The release analysis names candidates below; confirm one from the failing requests.' : "Which change is still to be found (see the release's diff and the safety findings)."}`;
  else if (version)
    immediate = `Suspected: a change in ${code(version)}. Not confirmed, since the rollback did not complete.`;
  else immediate = 'Not known yet.';

  const contributing: string[] = [];
  const safety = incident.safety;
  if (safety?.verdict === 'conditional' || safety?.verdict === 'unsafe')
    contributing.push(
      `The release made rolling back ${safety.verdict}${safety.why ? `: ${safety.why}` : ''}.`,
    );
  // Candidates, not the cause: the analysis reads the diff, not the failing requests. Migration and
  // flag findings say what a rollback would break, not why the release failed, so they stay out.
  for (const finding of facts.findings.filter((f) => CAUSE_CANDIDATE_RULES.has(f.rule)).slice(0, 3))
    contributing.push(`Candidate in the release: ${finding.message} (${code(finding.where)})`);
  for (const step of facts.retriedSteps) contributing.push(`Step "${step.name}" failed and was retried.`);
  if (facts.failedChecks.length > 0)
    contributing.push(`Verification failed: ${listWords(facts.failedChecks.map((c) => c.name))}.`);
  if (!facts.firstAlert) contributing.push('No alert fired: the problem was noticed by a person.');

  const whys = [
    `Why did ${incident.service} break in ${incident.environment}? (${immediate})`,
    'Why did that change behave differently in production than in testing?',
    'Why did no check before the deploy (tests, canary, a migration check) catch it?',
    'Why did it take as long as it did to notice and decide?',
    'Why would the same kind of change not break us again next time?',
  ];
  return { immediate, contributing, whys };
}
