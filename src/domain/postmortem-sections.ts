/**
 * The factual sections of the postmortem: who took part, what ran, what failed and what the
 * checks said, each read from the folded timeline.
 */
import { stepCommandText } from './strategies/registry.js';
import type { PostmortemFacts } from './postmortem-facts.js';
import type { StepSummary } from './execution-summary.js';
import { plural } from './event-text.js';
import { formatDuration } from './values.js';

/** Someone who took part, with every role they had (`Requested the rollback; Approved`). */
export interface PostmortemPerson {
  id: string;
  name: string;
  role: string;
}

/** One plan step as it ran. */
export interface PostmortemStep {
  name: string;
  command: string;
  outcome: string;
  duration: string;
  attempts: number;
  /** Each failed or unfinished attempt: `attempt 1: exit code 1`. */
  errors: string[];
  /** The captured output's tail of the latest failed attempt, as the runner kept it (redacted). */
  outputSummary?: string;
}

export interface PostmortemCheck {
  check: string;
  result: 'Passed' | 'Failed' | 'Not run';
  detail: string;
}

/** Keeps the postmortem readable: the last lines of output carry the error. */
const OUTPUT_SUMMARY_LINES = 20;

function outputSummary(tail: string | undefined): string | undefined {
  const trimmed = tail?.trimEnd();
  if (!trimmed) return undefined;
  return trimmed.split('\n').slice(-OUTPUT_SUMMARY_LINES).join('\n');
}

function stepOutcome(step: StepSummary): string {
  switch (step.status) {
    case 'succeeded':
      return step.tries.length > 1 ? `Succeeded on attempt ${step.tries.at(-1)?.attempt}` : 'Succeeded';
    case 'failed':
      return 'Failed';
    case 'skipped':
      return `Skipped: ${step.skippedWhy ?? 'no reason recorded'}`;
    case 'unfinished':
      return 'Unfinished: started, no result recorded';
    case 'running':
      return 'Running when this was written';
    case 'pending':
      return 'Not run';
  }
}

export function toStep(step: StepSummary): PostmortemStep {
  const failedTries = step.tries.filter((t) => t.status === 'failed' || t.status === 'unfinished');
  const lastFailed = failedTries.findLast((t) => t.outputTail !== undefined);
  const result: PostmortemStep = {
    name: step.name,
    command: step.argv ? stepCommandText(step) : 'not in the approved plan',
    outcome: stepOutcome(step),
    duration: step.durationMs !== undefined ? formatDuration(step.durationMs) : 'not run to completion',
    attempts: step.tries.length,
    errors: failedTries.map((t) => `attempt ${t.attempt}: ${t.error ?? 'no result recorded (interrupted)'}`),
  };
  const output = outputSummary(lastFailed?.outputTail);
  if (output !== undefined) result.outputSummary = output;
  return result;
}

export function people(facts: PostmortemFacts): PostmortemPerson[] {
  const roles = new Map<string, string[]>();
  const add = (id: string, role: string): void => {
    const list = roles.get(id) ?? [];
    if (!list.includes(role)) list.push(role);
    roles.set(id, list);
  };
  // An alert-opened request has no person behind it.
  if (facts.incident.source === 'slack') add(facts.requester, 'Requested the rollback');
  for (const id of facts.approvers) add(id, 'Approved');
  for (const refusal of facts.refusals) add(refusal.by, `Approval did not count: ${refusal.why}`);
  if (facts.rejected) add(facts.rejected.by, 'Rejected the rollback');
  if (facts.unlocked) add(facts.unlocked.by, 'Lifted the deploy lock');
  for (const id of facts.incident.policy.approvers) {
    if (!roles.has(id)) add(id, id.startsWith('S') ? 'Approver group (invite)' : 'Listed approver (invite)');
  }
  return [...roles].map(([id, list]) => ({ id, name: facts.name(id), role: list.join('; ') }));
}

export function failures(facts: PostmortemFacts): string[] {
  const list: string[] = [];
  for (const step of facts.execution.steps) {
    for (const attemptTry of step.tries) {
      if (attemptTry.status === 'failed' || attemptTry.status === 'unfinished') {
        list.push(
          `Step "${step.name}", attempt ${attemptTry.attempt}: ${attemptTry.error ?? 'started but no result was recorded'}`,
        );
      }
    }
  }
  for (const check of facts.failedChecks) {
    list.push(
      `Check "${check.name}" failed after ${plural(check.tries ?? 0, 'try', 'tries')}: ${check.error ?? ''}`,
    );
  }
  if (facts.rollbackFailed) {
    list.push(`The rollback failed after ${plural(facts.rollbackFailed.attempts, 'attempt', 'attempts')}`);
  }
  if (facts.manual) list.push(`Manual intervention was required: ${facts.manual.why}`);
  return list;
}

export function verification(facts: PostmortemFacts): PostmortemCheck[] {
  return facts.execution.checks.map((check) => {
    if (check.status === 'pending')
      return { check: check.name, result: 'Not run', detail: 'the steps did not finish' };
    const tries = plural(check.tries ?? 0, 'try', 'tries');
    return check.status === 'passed'
      ? { check: check.name, result: 'Passed', detail: `after ${tries}` }
      : { check: check.name, result: 'Failed', detail: `after ${tries}: ${check.error ?? ''}` };
  });
}
