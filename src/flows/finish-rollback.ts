/**
 * How a rollback ends: the terminal state and its timeline event in one atomic change (only the
 * process that makes the change announces it, so a re-delivered job never signals twice), then
 * the write-up in the thread: the escalation for a human when the bot stopped, the card and
 * timeline refreshed, and the postmortem agenda posted and uploaded as a Markdown file.
 */
import { postRecoveryChart } from './recovery-chart.js';
import { isTerminal, advance, type Incident } from '../domain/incident.js';
import { buildPostmortem } from '../domain/postmortem.js';
import { drillRecordOf } from '../domain/drill.js';
import type { ReleaseKnowledge } from '../domain/postmortem-facts.js';
import { OUTBOUND_SIGNALS, type TimelineEvent } from '../domain/timeline.js';
import {
  escalationMessage,
  type EscalationKind,
} from '../adapters/outbound/slack/blocks/escalation-message.js';
import { postmortemSlackText, renderPostmortemMarkdown } from '../adapters/outbound/render/postmortem.js';
import type { FlowDeps } from './deps.js';
import { once } from './once.js';
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
    const next = advance(current, conclusion.event);
    if (!next.ok || !stillSo(current)) return { unchanged: true, result: undefined };
    return { incident: next.incident, events: [next.event], result: next.incident };
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
  // Locked and unlocked before this claim existed (an incident from an earlier release): leave it.
  const unlockedBefore = async () =>
    (await deps.store.timeline(incident.id)).some((event) => event.type === 'unlocked');
  const version = incident.fromVersion ?? 'unknown';
  const from = incident.fromVersion ? ` from ${incident.fromVersion}` : '';
  const against = incident.fromVersion
    ? `against ${incident.fromVersion}`
    : '(the rolled-back version is unknown)';
  const now = deps.now();
  const at = now.toISOString();
  const where = `${incident.service} ${incident.environment}`;
  const lock = async () => {
    if (await unlockedBefore()) return;
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
  };
  await once(deps.store, deps.logger, `locked:${incident.id}`, incident.id, lock).catch((error: unknown) =>
    deps.logger.error({ err: error, incidentId: incident.id }, 'could not set the deploy lock'),
  );
}

/** A finished drill's times, once per incident, for the runbook and the "last rehearsed" line. */
async function recordDrill(deps: RollbackFlowDeps, incident: Incident): Promise<void> {
  const record = async () => {
    const drill = drillRecordOf(incident, await deps.store.timeline(incident.id));
    if (drill) await deps.drills.record(drill);
  };
  await once(deps.store, deps.logger, `drill-recorded:${incident.id}`, incident.id, record).catch(
    (error: unknown) =>
      deps.logger.error({ err: error, incidentId: incident.id }, 'could not record the drill'),
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
  if (incident.drill) parts.push(`drill-recorded:${incident.id}`);
  else if (incident.state === 'completed') parts.push(`locked:${incident.id}`);
  if (ESCALATION_KINDS[incident.state]) parts.push(`escalated:${incident.id}`);
  if (!incident.messageTs) return true; // no thread to write in: nothing more can be done
  const claimed = await Promise.all(parts.map((part) => deps.store.isClaimed(part)));
  return claimed.every(Boolean);
}

async function writeUpParts(deps: RollbackFlowDeps, incident: Incident): Promise<void> {
  const incidentId = incident.id;
  // Before the thread check: CD is locked whether or not the incident has a thread. A drill locks
  // nothing (it rehearsed a rollback of a good release); its times are kept for the runbook.
  if (incident.drill) await recordDrill(deps, incident);
  else if (incident.state === 'completed') await lockAgainstRolledBack(deps, incident);
  if (!incident.messageTs) return;
  const log = deps.logger.child({ incidentId });
  const events = await deps.store.timeline(incidentId);
  const thread = { channel: incident.channel, thread_ts: incident.messageTs };

  const kind = ESCALATION_KINDS[incident.state];
  /** One write-up part, once per incident; a failure is logged and retried by a later write-up. */
  const part = (key: string, what: string, work: () => Promise<unknown>) =>
    once(deps.store, deps.logger, `${key}:${incidentId}`, incidentId, work).catch((error: unknown) =>
      log.error({ err: error }, `could not ${what}`),
    );

  if (kind) {
    await part('escalated', 'post the escalation', () =>
      deps.slack.chat.postMessage({
        ...thread,
        ...escalationMessage(incident, events, kind, escalationWhy(events)),
      }),
    );
  }

  await refreshViews(deps, incidentId);
  if (incident.progressTs) {
    await refreshProgress(deps, incidentId).catch((error: unknown) =>
      log.warn({ err: error }, 'could not update the progress message'),
    );
  }

  // The agenda message and its file are claimed apart, so retrying a failed upload never posts
  // the message twice. The agenda is built at most once, and only when a part still needs it.
  const buildAgenda = async () =>
    buildPostmortem(incident, events, {
      now: deps.now(),
      people: await deps.people.names(peopleIn(incident, events)),
      release: await releaseKnowledge(deps, incident),
    });
  let built: ReturnType<typeof buildAgenda> | undefined;
  const agenda = () => (built ??= buildAgenda());
  await part('postmortem', 'post the postmortem agenda', async () =>
    deps.slack.chat.postMessage({ ...thread, text: postmortemSlackText(await agenda()) }),
  );
  await part('postmortem-file', 'upload the postmortem agenda', async () => {
    const model = await agenda();
    return deps.slack.filesUploadV2({
      channel_id: incident.channel,
      thread_ts: thread.thread_ts,
      filename: `${incidentId}-postmortem.md`,
      title: model.title,
      content: renderPostmortemMarkdown(model),
    });
  });
  // Last: it reads Prometheus again, which must not hold up the escalation or the postmortem.
  await postRecoveryChart(deps, incident, events).catch((error: unknown) =>
    log.warn({ err: error }, 'could not post the after-rollback chart'),
  );
}

/** The deploy the incident rolled back and what the release analysis found in it, for the write-up. */
async function releaseKnowledge(deps: FlowDeps, incident: Incident): Promise<ReleaseKnowledge> {
  const [deploy, report] = await Promise.all([
    incident.fromVersion
      ? deps.deploys.get(incident.service, incident.environment, incident.fromVersion)
      : deps.deploys.latest(incident.service, incident.environment),
    deps.safety.reports.get(incident.id),
  ]);
  const findings = (report?.files ?? []).flatMap((file) =>
    file.findings.map((finding) => ({
      rule: finding.rule,
      severity: finding.severity,
      message: finding.message,
      where: finding.line ? `${file.path}:${finding.line}` : file.path,
    })),
  );
  return { ...(deploy ? { deploy } : {}), findings };
}
