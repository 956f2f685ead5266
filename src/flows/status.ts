/** `/rollback status [id]`: where things stand, live, from the stored incident and timeline. */
import { SOURCE_LABELS } from '../domain/signal.js';
import { STATE_LABELS, isTerminal, type Incident } from '../domain/incident.js';
import { summarizeExecution, type StepStatus } from '../domain/execution-summary.js';
import type { TimelineEvent } from '../domain/timeline.js';
import { formatDuration } from '../domain/values.js';
import { versionLine } from '../adapters/outbound/slack/blocks/assessment-card.js';
import { mention, outputTailBlock } from '../adapters/outbound/slack/blocks/mrkdwn.js';
import type { FlowDeps } from './deps.js';

const STEP_MARKS: Record<StepStatus, string> = {
  pending: '○ pending',
  running: '… running',
  succeeded: '✓ done',
  failed: '✗ failed',
  skipped: '↷ skipped',
  unfinished: '⚠ unfinished',
};

function stepLines(incident: Incident, events: TimelineEvent[]): string[] {
  const { steps } = summarizeExecution(incident.plan, events, isTerminal(incident.state));
  return steps.map((step, index) => {
    const latest = step.tries[step.tries.length - 1];
    const detail =
      step.status === 'running' && latest
        ? ` (attempt ${latest.attempt})`
        : step.status === 'succeeded' && step.durationMs !== undefined
          ? ` in ${formatDuration(step.durationMs)}`
          : step.status === 'failed' && latest?.error
            ? `: ${latest.error.slice(0, 120)}`
            : step.status === 'skipped' && step.skippedWhy
              ? ` (${step.skippedWhy})`
              : '';
    const tail = step.status === 'failed' ? outputTailBlock(latest?.outputTail, 3) : undefined;
    return `${index + 1}. ${step.name}: ${STEP_MARKS[step.status]}${detail}${tail ? `\n${tail}` : ''}`;
  });
}

export function describeIncident(incident: Incident, events: TimelineEvent[]): string {
  const lines = [
    `*${incident.id}* ${incident.service}/${incident.environment} (${versionLine(incident)}): *${STATE_LABELS[incident.state]}*`,
    `${incident.source === 'slack' ? `Requested by ${mention(incident.requester)}` : `Opened by ${SOURCE_LABELS[incident.source]}`} at ${incident.createdAt}; approvals ${incident.approvals.length}/${incident.policy.requiredApprovals}${incident.approvals.length ? ` (${incident.approvals.map((a) => mention(a.userId)).join(', ')})` : ''}`,
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
