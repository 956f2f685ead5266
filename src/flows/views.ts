import type { KnownBlock } from '@slack/types';
/**
 * The Slack views of an incident: the card (updated in place) and the thread's timeline and
 * progress messages (each posted once, then updated in place). All are re-rendered from the stored
 * incident and timeline, so any process can refresh them after any change, even after a restart.
 */
import type { Incident } from '../domain/incident.js';
import { assessmentCard } from '../adapters/outbound/slack/blocks/assessment-card.js';
import { timelineMessage } from '../adapters/outbound/slack/blocks/timeline-message.js';
import { progressMessage } from '../adapters/outbound/slack/blocks/progress-message.js';
import type { FlowDeps } from './deps.js';
import { once } from './once.js';
import { triageBlocks } from './ingest-signal.js';
import { rehearsalLine } from '../domain/drill.js';
import { safetyCardBlocks } from './safety-analysis.js';

export async function renderCard(deps: FlowDeps, incident: Incident) {
  const queuePosition = incident.state === 'queued' ? await deps.queues.position(incident) : undefined;
  const [triage, safety, drills] = await Promise.all([
    triageBlocks(deps, incident),
    safetyCardBlocks(deps, incident),
    // The card still renders when the history cannot be read: it only loses the line.
    deps.drills.recent(incident.service).catch(() => undefined),
  ]);
  return assessmentCard(incident, {
    triage,
    ...(safety.length > 0 ? { safety } : {}),
    queuePosition,
    ...(drills ? { rehearsal: rehearsalLine(drills, deps.now()) } : {}),
  });
}

export async function refreshCard(deps: FlowDeps, incidentId: string): Promise<void> {
  const incident = await deps.store.get(incidentId);
  if (!incident?.messageTs) return;
  await deps.slack.chat.update({
    channel: incident.channel,
    ts: incident.messageTs,
    ...(await renderCard(deps, incident)),
  });
}

/**
 * Posts a thread message once, even when two processes get here together: the first to claim
 * `key` posts; the claim is given back if Slack fails, so a later refresh can try again.
 */
async function postOnce(
  deps: FlowDeps,
  incident: Incident,
  key: string,
  view: { text: string; blocks: KnownBlock[] },
) {
  const posted = await once(deps.store, deps.logger, `${key}:${incident.id}`, incident.id, () =>
    deps.slack.chat.postMessage({ channel: incident.channel, thread_ts: incident.messageTs, ...view }),
  );
  return posted.ran ? posted.value : undefined;
}

/** Posts the thread's timeline message under the card, once. */
export async function postThreadViews(deps: FlowDeps, incidentId: string): Promise<void> {
  const incident = await deps.store.get(incidentId);
  if (!incident?.messageTs || incident.timelineTs) return;
  const posted = await postOnce(
    deps,
    incident,
    'timeline-post',
    timelineMessage(incident, await deps.store.timeline(incidentId)),
  );
  if (!posted?.ts) return;
  await deps.store.mutate(incidentId, (current) => ({
    incident: { ...current, timelineTs: posted.ts },
    events: [],
    result: undefined,
  }));
  // Events that arrived while it was being posted.
  await refreshTimeline(deps, incidentId);
}

export async function refreshTimeline(deps: FlowDeps, incidentId: string): Promise<void> {
  const incident = await deps.store.get(incidentId);
  if (!incident?.timelineTs) return postThreadViews(deps, incidentId);
  const view = timelineMessage(incident, await deps.store.timeline(incidentId));
  await deps.slack.chat.update({ channel: incident.channel, ts: incident.timelineTs, ...view });
}

/** The progress message appears when the rollback starts; only the one running worker posts it. */
export async function refreshProgress(deps: FlowDeps, incidentId: string): Promise<void> {
  const incident = await deps.store.get(incidentId);
  if (!incident?.messageTs) return;
  const view = progressMessage(incident, await deps.store.timeline(incidentId));
  if (incident.progressTs) {
    await deps.slack.chat.update({ channel: incident.channel, ts: incident.progressTs, ...view });
    return;
  }
  const posted = await postOnce(deps, incident, 'progress-post', view);
  if (!posted?.ts) return;
  await deps.store.mutate(incidentId, (current) => ({
    incident: { ...current, progressTs: posted.ts },
    events: [],
    result: undefined,
  }));
}

/** Card and timeline after a change; failures to reach Slack are logged, never lose the change. */
export async function refreshViews(deps: FlowDeps, incidentId: string): Promise<void> {
  const results = await Promise.allSettled([
    refreshCard(deps, incidentId),
    refreshTimeline(deps, incidentId),
  ]);
  for (const result of results) {
    if (result.status === 'rejected')
      deps.logger.warn({ err: result.reason, incidentId }, 'could not update the Slack views');
  }
}
