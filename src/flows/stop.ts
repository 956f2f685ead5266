/**
 * The progress message's Stop button: an approver stops a queued or running rollback. The running
 * step finishes (killing it mid-way would leave its effect unknown) unless the catalog declares it
 * interruptible, when it is killed at once (execute-rollback watches for Stop); no further step starts, and
 * the rollback ends MANUAL_INTERVENTION_REQUIRED with what ran on the timeline. The journal stays
 * as the steps left it, so a later request starts clean.
 */
import { planFor } from '../domain/alternatives.js';
import { isEligible } from '../domain/approval.js';
import { summarizeExecution } from '../domain/execution-summary.js';
import type { Incident } from '../domain/incident.js';
import type { FlowDeps } from './deps.js';
import type { ClickOutcome } from './decide.js';
import { refreshProgress, refreshTimeline } from './views.js';

export async function stopClick(deps: FlowDeps, incidentId: string, userId: string): Promise<ClickOutcome> {
  const known = await deps.store.get(incidentId);
  if (!known) return { notice: `There is no incident ${incidentId}.` };
  const members = await deps.groups.membersOf(known.policy.approvers);
  const at = deps.now().toISOString();
  const outcome = await deps.store.mutate<{ notice: string; changed: boolean }>(incidentId, (incident) => {
    const refuse = (notice: string) => ({ unchanged: true as const, result: { notice, changed: false } });
    if (incident.state !== 'running' && incident.state !== 'queued')
      return refuse(`${incident.id} is ${incident.state.replace('_', ' ')}: there is nothing to stop.`);
    if (!isEligible(incident.policy, userId, members))
      return refuse(`Only an approver for ${incident.service}/${incident.environment} can stop it.`);
    if (incident.stopRequested)
      return refuse(
        `<@${incident.stopRequested.by}> already stopped ${incident.id}; it ends after the running step.`,
      );
    return {
      incident: { ...incident, stopRequested: { by: userId, at }, updatedAt: at },
      events: [{ type: 'stop_requested', at, by: userId }],
      result: {
        notice: `Stopping ${incident.id}: the running step finishes, nothing after it starts.`,
        changed: true,
      },
    };
  });
  if (!outcome) return { notice: `There is no incident ${incidentId}.` };
  if (!outcome.changed) return { notice: outcome.notice };
  await Promise.allSettled([refreshProgress(deps, incidentId), refreshTimeline(deps, incidentId)]);
  const killed = await interruptibleRunning(deps, known);
  return {
    notice: killed
      ? `Stopping ${incidentId}: "${killed}" is declared interruptible and is killed now; nothing after it starts.`
      : outcome.notice,
  };
}

/** The name of the step running now when the catalog declares it interruptible. */
async function interruptibleRunning(deps: FlowDeps, incident: Incident): Promise<string | undefined> {
  const plan = planFor(incident, incident.choice);
  if (!plan?.steps.some((step) => step.interruptible)) return undefined;
  const { steps } = summarizeExecution(plan, await deps.store.timeline(incident.id), false);
  const running = steps.find((step) => step.status === 'running');
  return running && plan.steps.find((step) => step.id === running.id)?.interruptible
    ? running.name
    : undefined;
}
