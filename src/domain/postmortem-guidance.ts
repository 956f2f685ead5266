/**
 * The forward-looking half of the postmortem: blameless discussion prompts, prefilled action
 * items and the follow-up lists, each chosen by what actually happened (retries, failed checks,
 * manual intervention, a slow decision) rather than a generic checklist.
 */
import type { PostmortemFacts } from './postmortem-facts.js';
import { span } from './postmortem-facts.js';
import { formatSeconds, formatUtcDateTime } from './format-time.js';
import { listWords, plural } from './event-text.js';

/** A row of the action-items table; owner and due are the only cells left for people to fill. */
export interface ActionItem {
  action: string;
  owner: string;
  due: string;
  status: 'open' | 'done';
}

/** Beyond this, the time to decide deserves its own question (DOMAIN.md: IMMEDIATE aims at 5 minutes). */
const SLOW_DECISION_MS = 5 * 60_000;

const code = (value: string): string => `\`${value}\``;

function badVersion(facts: PostmortemFacts): string {
  return facts.fromVersion ? code(facts.fromVersion) : 'the release that was rolled back';
}

function firstFailure(facts: PostmortemFacts, stepId: string): string | undefined {
  return facts.execution.steps.find((s) => s.id === stepId)?.tries.find((t) => t.error)?.error;
}

export function discussionPrompts(facts: PostmortemFacts): string[] {
  const { incident } = facts;
  const prompts: string[] = [];
  const target = `${incident.service}/${incident.environment}`;

  if (facts.deploy && facts.firstAlert) {
    const lag = span(facts.deploy.at, facts.firstAlert.at) ?? 0;
    prompts.push(
      `${code(facts.deploy.version)} was deployed at ${formatUtcDateTime(facts.deploy.at)} and the first alert came ${formatSeconds(lag)} later. What would have stopped the release sooner (canary analysis, a smaller rollout, a pre-deploy check)?`,
    );
  } else if (facts.firstAlert) {
    prompts.push(
      `The first alert ("${facts.firstAlert.summary}") fired at ${formatUtcDateTime(facts.firstAlert.at)}. Was it the earliest signal available, and did it point at the release?`,
    );
  } else {
    prompts.push(
      `No alert is on the timeline: the rollback was requested by hand. How was the problem noticed, and which alert should have caught it?`,
    );
  }

  const decisionMs = span(facts.requestedAt, facts.approvedAt);
  if (decisionMs !== undefined) {
    prompts.push(
      decisionMs > SLOW_DECISION_MS
        ? `The decision took ${formatSeconds(decisionMs)} from request to approval. What information or which approver were we waiting for, and how could that be ready sooner?`
        : `Approval came ${formatSeconds(decisionMs)} after the request. Did the card give the approvers enough to decide with confidence?`,
    );
  }

  for (const refusal of facts.refusals) {
    prompts.push(
      `${facts.name(refusal.by)}'s approval did not count (${refusal.why}). Is the approver list for ${target} right for who is on call?`,
    );
  }
  if (facts.rejected) {
    prompts.push(
      `${facts.name(facts.rejected.by)} rejected the rollback. What was done instead, and what made rolling back the wrong choice here?`,
    );
  }
  if (facts.expired) {
    prompts.push(
      `The request expired unapproved after ${formatSeconds(facts.expired.afterMs)}. Were the approvers reachable, and how was the incident resolved?`,
    );
  }

  for (const step of facts.retriedSteps) {
    const failures = step.tries.filter((t) => t.status !== 'succeeded').length;
    prompts.push(
      `Step "${step.name}" failed ${plural(failures, 'time', 'times')} (first: ${firstFailure(facts, step.id) ?? 'no result recorded'}). Why, and was retrying the right response, or should it have stopped at once?`,
    );
  }
  if (facts.failedChecks.length > 0) {
    prompts.push(
      `The steps succeeded but ${listWords(facts.failedChecks.map((c) => `"${c.name}"`))} failed afterwards. Was the rollback incomplete, or does the problem lie outside the release (database, configuration, a dependency)?`,
    );
  }
  if (facts.manual || facts.outcome === 'failed') {
    const why = facts.manual?.why ?? facts.rollbackFailed?.error ?? 'the rollback failed';
    prompts.push(
      `Manual intervention was required (${why}). What did the responders do by hand, and which of it belongs in the runbook or the bot?`,
    );
  }
  if (facts.outcome === 'rolled_back') {
    prompts.push(
      `Rolling back code does not roll back data. Did ${badVersion(facts)} write anything (migrations, new columns, messages) that the previous version cannot read?`,
    );
  }
  prompts.push(
    `Would a less destructive option have worked (turning off a feature flag, shifting traffic back) instead of a rollback?`,
  );
  return prompts;
}

export function actionItems(facts: PostmortemFacts): ActionItem[] {
  const { incident } = facts;
  const target = `${incident.service}/${incident.environment}`;
  const items: ActionItem[] = [];
  const add = (action: string, status: ActionItem['status'] = 'open'): void => {
    items.push({ action, owner: '', due: '', status });
  };
  const rolledBack = facts.outcome === 'rolled_back' || facts.outcome === 'unverified';

  if (rolledBack || facts.outcome === 'failed' || facts.outcome === 'manual_intervention') {
    add(`Fix forward the change in ${badVersion(facts)} and release a corrected version`);
  }
  if (rolledBack) {
    add(
      `Lift the deploy lock on ${target} once the fix is released (${code(`/rollback unlock ${incident.service} ${incident.environment}`)})`,
      facts.unlocked ? 'done' : 'open',
    );
  }
  if (facts.outcome !== 'rolled_back' && facts.outcome !== 'rejected' && facts.outcome !== 'expired') {
    add(`Confirm ${target} is healthy and record how it was restored`);
  }
  for (const step of facts.retriedSteps) {
    add(
      `Find out why step "${step.name}" failed (${firstFailure(facts, step.id) ?? 'no result recorded'}) and make it reliable`,
    );
  }
  for (const check of facts.failedChecks) {
    add(
      `Find out why check "${check.name}" failed after the rollback${check.error ? ` (${check.error})` : ''}`,
    );
  }
  if (facts.manual) {
    add(`Write the manual steps taken into the ${incident.service} runbook, with a time estimate for each`);
  }
  add(`Add a test or alert that would have caught this before ${incident.environment}: ${incident.reason}`);
  add(
    `Rehearse this rollback in staging and time it against the ${formatSeconds(incident.plan.timeBudgetMs)} budget`,
  );
  return items;
}

/** What to do within 24 hours of the incident. */
export function withinADay(facts: PostmortemFacts, meetingDeadline: string): string[] {
  const { incident } = facts;
  const target = `${incident.service}/${incident.environment}`;
  const list = [
    `Share this agenda in the incident thread and invite the people involved`,
    `Schedule the blameless postmortem meeting before ${meetingDeadline}`,
    `Save logs, dashboards and traces for ${target} covering the impact window before they expire`,
  ];
  if (facts.outcome === 'rolled_back' || facts.outcome === 'unverified') {
    list.push(`Keep ${target} locked against deploying ${badVersion(facts)} again until the fix is reviewed`);
    list.push(
      `Watch error rate and p99 of ${target} for an hour after the rollback, against the pre-deploy baseline`,
    );
  } else if (facts.outcome !== 'rejected' && facts.outcome !== 'expired') {
    list.push(`Confirm ${target} is stable and note in the thread how it was restored`);
  }
  return list;
}

/** What to finish within two weeks: the fixes and the prevention DOMAIN.md's field proposes. */
export function withinTwoWeeks(facts: PostmortemFacts): string[] {
  const list = [
    `Close or reschedule every action item above, each with an owner`,
    `Release the fix for ${badVersion(facts)} through the normal pipeline, not a hotfix path`,
    `Publish the postmortem and review it with the team that owns ${facts.incident.service}`,
  ];
  if (facts.retriedSteps.length > 0 || facts.manual) {
    list.push(`Rehearse the ${facts.incident.service} rollback in staging, timed, with the fixed steps`);
  }
  list.push(
    `Review prevention: canary analysis, expand–contract migrations, backend flag checks, configuration validation before deploy`,
  );
  return list;
}
