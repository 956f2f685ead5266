/**
 * How a rollback ends: the terminal state and its timeline event in one atomic change (only the
 * process that makes the change announces it, so a re-delivered job never signals twice), then
 * the write-up in the thread: the escalation for a human when the bot stopped, the card and
 * timeline refreshed, and the postmortem agenda posted and uploaded as a Markdown file.
 */
import { isTerminal, advance, type Incident } from '../domain/incident.js';
import { buildPostmortem } from '../domain/postmortem.js';
import { OUTBOUND_SIGNALS, type TimelineEvent } from '../domain/timeline.js';
import { escalationMessage, type EscalationKind } from '../adapters/slack/blocks/escalation-message.js';
import { postmortemSlackText, renderPostmortemMarkdown } from '../adapters/render/postmortem.js';
import type { FlowDeps } from './deps.js';
import { refreshProgress, refreshViews } from './views.js';

/** What the ending of a rollback needs: the flows' usual deps. */
export type RollbackFlowDeps = FlowDeps;

type EventOf<T extends TimelineEvent['type']> = Extract<TimelineEvent, { type: T }>;

/** A terminal state and the event that records why. */
export type Conclusion =
  | { state: 'completed'; event: EventOf<'rollback_complete'> }
  | { state: 'failed'; event: EventOf<'rollback_failed'> }
  | { state: 'unverified'; event: EventOf<'rollback_unverified'> }
  | { state: 'manual_intervention'; event: EventOf<'manual_intervention_required'> };

type SignalEvent = EventOf<keyof typeof OUTBOUND_SIGNALS>;

/**
 * Counts an outbound signal. Its delivery to the environment's notify targets goes through the
 * outbox that IncidentStore fills in the same transaction as the change (see signal-outbox.ts).
 */
export function announce(deps: RollbackFlowDeps, incident: Incident, event: SignalEvent): void {
  deps.metrics.signals.inc({ signal: OUTBOUND_SIGNALS[event.type], environment: incident.environment });
}

/**
 * Moves the incident to the conclusion's state if `advance` allows it from the current one
 * (and `stillSo`, when given, holds), then announces and writes up. Returns whether this call
 * made the change; a second call for the same incident changes and posts nothing.
 */
export async function concludeRollback(
  deps: RollbackFlowDeps,
  incidentId: string,
  conclusion: Conclusion,
  stillSo: (incident: Incident) => boolean = () => true,
): Promise<boolean> {
  const changed = await deps.store.mutate<Incident | undefined>(incidentId, (current) => {
    const next = advance(current, { type: conclusion.state }, conclusion.event.at);
    if (!next.ok || !stillSo(current)) return { unchanged: true, result: undefined };
    return { incident: next.incident, events: [conclusion.event], result: next.incident };
  });
  if (!changed) return false;
  announce(deps, changed, conclusion.event);
  await writeUp(deps, incidentId);
  return true;
}

/**
 * After a successful rollback, CD must not simply redeploy what was rolled back: the environment
 * stays locked (GET /locks answers 423) until someone runs `/rollback unlock`. Part of the write-up,
 * claimed once per incident (so a later write-up never re-locks after an unlock); the claim is
 * given back when locking fails, so the next write-up (a re-delivered job) tries again.
 */
async function lockAgainstRolledBack(deps: RollbackFlowDeps, incident: Incident): Promise<void> {
  const claim = `locked:${incident.id}`;
  if (await deps.store.claim(claim, incident.id, CLAIM_TTL_SECONDS)) return;
  // Locked and unlocked before this claim existed (an incident from an earlier release): leave it.
  if ((await deps.store.timeline(incident.id)).some((event) => event.type === 'unlocked')) return;
  const version = incident.fromVersion ?? 'unknown';
  const from = incident.fromVersion ? ` from ${incident.fromVersion}` : '';
  const against = incident.fromVersion
    ? `against ${incident.fromVersion}`
    : '(the rolled-back version is unknown)';
  const now = deps.now();
  const at = now.toISOString();
  const where = `${incident.service} ${incident.environment}`;
  try {
    await deps.locks.lock(incident.service, incident.environment, {
      version,
      reason: `${incident.id} rolled ${incident.service}/${incident.environment} back${from}; fix forward, then run /rollback unlock ${where}`,
      incidentId: incident.id,
      at: now,
    });
    await deps.store.append(incident.id, {
      type: 'note',
      at,
      text: `Deploys of ${incident.service}/${incident.environment} are locked ${against} until someone runs /rollback unlock ${where}`,
    });
  } catch (error) {
    deps.logger.error({ err: error, incidentId: incident.id }, 'could not set the deploy lock');
    await releaseClaim(deps, claim, incident.id);
  }
}

/** How long a write-up part stays claimed (posted once) per incident. */
const CLAIM_TTL_SECONDS = 30 * 86_400;

/** Gives a write-up part's claim back after it failed, so a later write-up tries it again. */
async function releaseClaim(deps: RollbackFlowDeps, key: string, incidentId: string): Promise<void> {
  await deps.store
    .releaseClaim(key, incidentId)
    .catch((error: unknown) =>
      deps.logger.error({ err: error, incidentId, claim: key }, 'could not release a write-up claim'),
    );
}

const ESCALATION_KINDS: Partial<Record<Incident['state'], EscalationKind>> = {
  failed: 'failed',
  unverified: 'unverified',
  manual_intervention: 'manual_intervention',
};

function escalationWhy(events: TimelineEvent[]): string {
  for (const event of [...events].reverse()) {
    if (event.type === 'rollback_failed' || event.type === 'rollback_unverified') return event.error;
    if (event.type === 'manual_intervention_required') return event.why;
  }
  return 'the rollback did not complete';
}

/** Everyone the write-up names: the requester, approvers, refusals, rejecters, unlockers. */
function peopleIn(incident: Incident, events: TimelineEvent[]): string[] {
  const ids = [incident.requester, ...incident.approvals.map((approval) => approval.userId)];
  for (const event of events) if ('by' in event) ids.push(event.by);
  return ids;
}

/**
 * The thread's ending for a terminal incident: the deploy lock (after `completed`), escalation
 * (when a human must act), card and timeline, final progress, postmortem. Each part is claimed once
 * per incident, so a re-run after a crash fills in what is missing without posting anything twice.
 * Failures are logged and give the part's claim back, so a later write-up retries that part.
 */
export async function writeUp(deps: RollbackFlowDeps, incidentId: string): Promise<void> {
  const incident = await deps.store.get(incidentId);
  if (!incident || !isTerminal(incident.state)) return;
  await writeUpParts(deps, incident);
  // Owed until every part is claimed (done, or being done by another process); the reconciler
  // calls writeUp again for what is still owed, e.g. after Slack refused a part.
  if (await allPartsClaimed(deps, incident)) await deps.store.writeUpDone(incidentId);
}

async function allPartsClaimed(deps: RollbackFlowDeps, incident: Incident): Promise<boolean> {
  const parts = [`postmortem:${incident.id}`, `postmortem-file:${incident.id}`];
  if (incident.state === 'completed') parts.push(`locked:${incident.id}`);
  if (ESCALATION_KINDS[incident.state]) parts.push(`escalated:${incident.id}`);
  if (!incident.messageTs) return true; // no thread to write in: nothing more can be done
  const claimed = await Promise.all(parts.map((part) => deps.store.isClaimed(part)));
  return claimed.every(Boolean);
}

async function writeUpParts(deps: RollbackFlowDeps, incident: Incident): Promise<void> {
  const incidentId = incident.id;
  // Before the thread check: CD is locked whether or not the incident has a thread.
  if (incident.state === 'completed') await lockAgainstRolledBack(deps, incident);
  if (!incident.messageTs) return;
  const log = deps.logger.child({ incidentId });
  const events = await deps.store.timeline(incidentId);
  const thread = { channel: incident.channel, thread_ts: incident.messageTs };

  const kind = ESCALATION_KINDS[incident.state];
  const escalated = `escalated:${incidentId}`;
  if (kind && !(await deps.store.claim(escalated, incidentId, CLAIM_TTL_SECONDS))) {
    try {
      const message = escalationMessage(incident, events, kind, escalationWhy(events));
      await deps.slack.chat.postMessage({ ...thread, ...message });
    } catch (error) {
      log.error({ err: error }, 'could not post the escalation');
      await releaseClaim(deps, escalated, incidentId);
    }
  }

  await refreshViews(deps, incidentId);
  if (incident.progressTs) {
    await refreshProgress(deps, incidentId).catch((error: unknown) =>
      log.warn({ err: error }, 'could not update the progress message'),
    );
  }

  // The agenda message and its file are claimed apart, so retrying a failed upload never posts
  // the message twice.
  const posted = `postmortem:${incidentId}`;
  const uploaded = `postmortem-file:${incidentId}`;
  const postIt = !(await deps.store.claim(posted, incidentId, CLAIM_TTL_SECONDS));
  const uploadIt = !(await deps.store.claim(uploaded, incidentId, CLAIM_TTL_SECONDS));
  if (!postIt && !uploadIt) return;
  let model;
  try {
    const people = (await deps.people.names(peopleIn(incident, events))) ?? {};
    model = buildPostmortem(incident, events, { now: deps.now(), people });
  } catch (error) {
    log.error({ err: error }, 'could not build the postmortem agenda');
    if (postIt) await releaseClaim(deps, posted, incidentId);
    if (uploadIt) await releaseClaim(deps, uploaded, incidentId);
    return;
  }
  if (postIt) {
    try {
      await deps.slack.chat.postMessage({ ...thread, text: postmortemSlackText(model) });
    } catch (error) {
      log.error({ err: error }, 'could not post the postmortem agenda');
      await releaseClaim(deps, posted, incidentId);
    }
  }
  if (uploadIt) {
    try {
      await deps.slack.filesUploadV2({
        channel_id: incident.channel,
        thread_ts: incident.messageTs,
        filename: `${incidentId}-postmortem.md`,
        title: model.title,
        content: renderPostmortemMarkdown(model),
      });
    } catch (error) {
      log.error({ err: error }, 'could not upload the postmortem agenda');
      await releaseClaim(deps, uploaded, incidentId);
    }
  }
}
