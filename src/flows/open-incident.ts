/**
 * Opens a rollback request: checks it against the catalog, freezes the plan, stores the incident,
 * posts the assessment card and starts its thread. One open incident per service and environment;
 * a redelivered request (same dedupe key) never opens a second one.
 */
import { findEnvironment } from '../catalog/load.js';
import { isTerminal, type Incident } from '../domain/incident.js';
import { PlanError, resolvePlan } from '../domain/plan.js';
import { isProductionName } from '../domain/drill.js';
import type { FlowDeps } from './deps.js';
import { UserFacingError } from './errors.js';
import { once } from './once.js';
import { measureIncident } from './evidence.js';
import { withAlternatives } from '../domain/alternatives.js';
import { prepareIncident } from './safety-analysis.js';
import { refreshTimeline, renderCard, postThreadViews } from './views.js';

export interface OpenRequest {
  service: string;
  environment: string;
  requester: string;
  reason: string;
  source: Incident['source'];
  fromVersion?: string;
  toVersion?: string;
  /** A Slack trigger id or a webhook event id: the same key never opens two incidents. */
  dedupeKey?: string;
  links?: Incident['links'];
  /** A rehearsal: refused for production, timed for the runbook, locks no deploys. */
  drill?: boolean;
}

export type OpenResult =
  | { kind: 'opened'; incident: Incident; cardPending?: boolean }
  | { kind: 'duplicate'; incidentId: string }
  | { kind: 'already_open'; incident: Incident };

export async function openIncident(deps: FlowDeps, request: OpenRequest): Promise<OpenResult> {
  const env = findEnvironment(deps.catalog, request.service, request.environment);
  if (!env) throw new UserFacingError(`${request.service}/${request.environment} is not in the catalog.`);
  if (request.drill && isProductionName(request.environment))
    throw new UserFacingError(
      `Drills run the plan for real, so ${request.environment} is never drilled: rehearse in a non-production environment (staging), whose times feed the runbook.`,
    );

  const id = await deps.store.nextId();
  if (request.dedupeKey) {
    const earlier = await deps.store.claim(request.dedupeKey, id);
    if (earlier) return { kind: 'duplicate', incidentId: earlier };
  }

  let plan;
  try {
    plan = resolvePlan(env.rollback, env.verify, env.timeBudgetMs, { ...request, incidentId: id });
  } catch (error) {
    await giveBack(deps, request, id);
    if (error instanceof PlanError && error.message.startsWith('{toVersion}')) {
      throw new UserFacingError(
        `The plan for ${request.service}/${request.environment} needs a target version: add \`--to <version>\`.`,
      );
    }
    if (error instanceof PlanError) throw new UserFacingError(`Cannot build the plan: ${error.message}.`);
    throw error;
  }

  // Cheap early answer before the (possibly slow) safety analysis; the slot decides below.
  const early = await liveHolder(deps, request.service, request.environment);
  if (early) {
    await giveBack(deps, request, id);
    await joinOpenIncident(deps, early, request);
    return { kind: 'already_open', incident: early };
  }

  const now = deps.now();
  const drafted: Incident = {
    id,
    service: request.service,
    environment: request.environment,
    requester: request.requester,
    reason: request.reason,
    source: request.source,
    fromVersion: request.fromVersion,
    toVersion: request.toVersion,
    plan,
    policy: {
      approvers: env.approvers,
      requiredApprovals: env.requiredApprovals,
      allowSelfApproval: env.allowSelfApproval,
    },
    state: 'awaiting_approval',
    approvals: [],
    channel: env.channel,
    links: request.links,
    ...(request.drill ? { drill: true as const } : {}),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + env.approvalTimeoutMs).toISOString(),
  };
  // The frozen plan and policy include what the safety analysis adds, before anyone sees the card;
  // the metrics are read meanwhile, each within its own time bound.
  const [prepared, measured] = await Promise.all([
    prepareIncident(deps, drafted),
    measureIncident(deps, drafted),
  ]);
  const incident: Incident = withAlternatives({
    ...prepared.incident,
    ...(measured.evidence ? { evidence: measured.evidence } : {}),
  });
  // Stored before it takes the slot, so a slot holder always exists in the store: a holder that
  // cannot be found is never mistaken for a request still being prepared.
  await deps.store.create(incident, [
    {
      type: 'requested',
      at: incident.createdAt,
      by: request.requester,
      source: request.source,
      reason: request.reason,
    },
  ]);
  const holder = await reserveSlot(deps, request.service, request.environment, id);
  if (holder) {
    await deps.store.discard(id);
    await giveBack(deps, request, id);
    await joinOpenIncident(deps, holder, request);
    return { kind: 'already_open', incident: holder };
  }
  deps.metrics.incidentsOpened.inc({ source: request.source });
  let cardPending = false;
  try {
    await postCard(deps, incident);
  } catch (error) {
    // The request is stored; the sweep posts its card once Slack answers again.
    deps.logger.warn({ err: error, incidentId: id }, 'could not post the card yet');
    cardPending = true;
  } finally {
    // Even when Slack failed: the late analysis still lands on the stored incident.
    prepared.afterPosted?.();
    measured.afterPosted?.();
  }
  return { kind: 'opened', incident: (await deps.store.get(id)) ?? incident, cardPending };
}

/** The request did not open an incident: a redelivery must be free to try again. */
async function giveBack(deps: FlowDeps, request: OpenRequest, id: string): Promise<void> {
  if (request.dedupeKey) await deps.store.releaseClaim(request.dedupeKey, id);
}

async function liveHolder(
  deps: FlowDeps,
  service: string,
  environment: string,
): Promise<Incident | undefined> {
  const holderId = await deps.store.openIncidentId(service, environment);
  const holder = holderId ? await deps.store.get(holderId) : undefined;
  return holder && !isTerminal(holder.state) ? holder : undefined;
}

/**
 * Takes the service/environment slot. A slot held by an incident that has ended (or vanished)
 * is stale and taken over; a live one is returned to the caller.
 */
async function reserveSlot(
  deps: FlowDeps,
  service: string,
  environment: string,
  id: string,
): Promise<Incident | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const holderId = await deps.store.reserveOpen(service, environment, id);
    if (!holderId) return undefined;
    const holder = await deps.store.get(holderId);
    if (holder && !isTerminal(holder.state)) return holder;
    await deps.store.releaseOpen(service, environment, holderId);
  }
  throw new Error(`could not reserve ${service}/${environment}`);
}

/**
 * Posts the card (once: a claim keeps two processes from posting it twice, and is given back when
 * Slack fails), then the thread's timeline under it; the message ids are kept on the incident.
 */
export async function postCard(deps: FlowDeps, incident: Incident): Promise<void> {
  if (incident.messageTs) return;
  const card = await once(deps.store, deps.logger, `card-post:${incident.id}`, incident.id, async () =>
    deps.slack.chat.postMessage({ channel: incident.channel, ...(await renderCard(deps, incident)) }),
  );
  if (!card.ran) return;
  const posted = card.value;
  const messageTs = posted.ts;
  if (!messageTs) throw new Error('chat.postMessage returned no ts');
  await deps.store.mutate(incident.id, (current) => ({
    incident: { ...current, messageTs, channel: posted.channel ?? current.channel },
    events: [],
    result: undefined,
  }));
  await postThreadViews(deps, incident.id);
}

/**
 * Cards that could not be posted when their request opened (Slack down or rate limiting) are
 * posted by the periodic sweep, so no request waits invisibly for its expiry.
 */
export async function postMissingCards(deps: FlowDeps, olderThanMs = 3_000): Promise<number> {
  let posted = 0;
  const cutoff = deps.now().getTime() - olderThanMs;
  for (const id of await deps.store.awaitingIds()) {
    const incident = await deps.store.get(id);
    if (!incident || incident.messageTs || incident.state !== 'awaiting_approval') continue;
    if (Date.parse(incident.createdAt) > cutoff) continue;
    await postCard(deps, incident);
    posted++;
  }
  return posted;
}

/**
 * A person's `/rollback` for a service that already has an incident open: their reason and target
 * go on that incident's timeline (and so into its postmortem) instead of being dropped. Alerts
 * are counted by the signal flow, not here.
 */
async function joinOpenIncident(deps: FlowDeps, open: Incident, request: OpenRequest): Promise<void> {
  if (request.source !== 'slack') return;
  await deps.store.append(open.id, {
    type: 'request_joined',
    at: deps.now().toISOString(),
    by: request.requester,
    reason: request.reason,
    ...(request.toVersion ? { toVersion: request.toVersion } : {}),
    ...(open.toVersion ? { plannedVersion: open.toVersion } : {}),
  });
  await refreshTimeline(deps, open.id).catch((error: unknown) =>
    deps.logger.warn({ err: error, incidentId: open.id }, 'could not refresh the timeline'),
  );
}
