/** `/rollback status [id]`: where things stand, live, from the stored incident and timeline. */
import { STATE_LABELS, type Incident } from '../domain/incident.js';
import type { TimelineEvent } from '../domain/timeline.js';
import { formatDuration } from '../domain/values.js';
import { versionLine } from '../adapters/slack/blocks/assessment-card.js';
import { mention } from '../adapters/slack/blocks/mrkdwn.js';
import type { FlowDeps } from './deps.js';

function stepLines(incident: Incident, events: TimelineEvent[]): string[] {
  return incident.plan.steps.map((step, index) => {
    let mark = '○ pending';
    for (const event of events) {
      if (!('stepId' in event) || event.stepId !== step.id) continue;
      if (event.type === 'step_started') mark = `… running (attempt ${event.attempt})`;
      if (event.type === 'step_succeeded') mark = `✓ done in ${formatDuration(event.durationMs)}`;
      if (event.type === 'step_failed') mark = `✗ failed: ${event.error.slice(0, 120)}`;
      if (event.type === 'step_skipped') mark = `↷ skipped (${event.why})`;
    }
    return `${index + 1}. ${step.name}: ${mark}`;
  });
}

export function describeIncident(incident: Incident, events: TimelineEvent[]): string {
  const lines = [
    `*${incident.id}* ${incident.service}/${incident.environment} (${versionLine(incident)}): *${STATE_LABELS[incident.state]}*`,
    `${incident.source === 'slack' ? `Requested by ${mention(incident.requester)}` : `Opened by ${incident.source === 'pagerduty' ? 'PagerDuty' : 'Alertmanager'}`} at ${incident.createdAt}; approvals ${incident.approvals.length}/${incident.policy.requiredApprovals}${incident.approvals.length ? ` (${incident.approvals.map((a) => mention(a.userId)).join(', ')})` : ''}`,
  ];
  if (!['awaiting_approval', 'rejected', 'expired'].includes(incident.state))
    lines.push(...stepLines(incident, events));
  return lines.join('\n');
}

export async function statusText(deps: FlowDeps, incidentId?: string): Promise<string> {
  if (incidentId) {
    const incident = await deps.store.get(incidentId);
    if (!incident) return `There is no incident ${incidentId}.`;
    return describeIncident(incident, await deps.store.timeline(incidentId));
  }
  const ids = await deps.store.recentIds(10);
  if (ids.length === 0) return 'No rollbacks yet.';
  const incidents = (await Promise.all(ids.map((id) => deps.store.get(id)))).filter(
    (i): i is Incident => !!i,
  );
  return [
    '*Recent rollbacks* (newest first):',
    ...incidents.map(
      (i) => `• *${i.id}* ${i.service}/${i.environment}: ${STATE_LABELS[i.state]} (${i.createdAt})`,
    ),
  ].join('\n');
}
