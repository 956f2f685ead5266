/**
 * Approve and Reject clicks. The decision is the pure policy in domain/approval.ts, applied inside
 * one atomic store mutation, so double and concurrent clicks count once. The last needed approval
 * enqueues exactly one job (its id is deterministic).
 */
import { decideApproval, decideReject } from '../domain/approval.js';
import { advance, type Incident } from '../domain/incident.js';
import type { TimelineEvent } from '../domain/timeline.js';
import type { FlowDeps } from './deps.js';
import { enqueueApproved } from './enqueue.js';
import { refreshViews } from './views.js';

export interface ClickOutcome {
  /** Said to the clicker only (ephemeral) when set. */
  notice?: string;
}

function expiredNow(incident: Incident, now: Date): boolean {
  return incident.state === 'awaiting_approval' && now.getTime() > Date.parse(incident.expiresAt);
}

function expire(incident: Incident, now: Date) {
  const at = now.toISOString();
  const afterMs = now.getTime() - Date.parse(incident.createdAt);
  const expired = advance(incident, { type: 'expired', at, afterMs });
  // Only called while awaiting approval, where expiry is always allowed.
  if (!expired.ok) throw new Error(`cannot expire ${incident.id}: ${expired.why}`);
  return { incident: expired.incident, events: [expired.event] };
}

export async function approveClick(
  deps: FlowDeps,
  incidentId: string,
  userId: string,
  choice?: string,
): Promise<ClickOutcome> {
  const known = await deps.store.get(incidentId);
  if (!known) return { notice: `There is no incident ${incidentId}.` };
  const groupMembers = await deps.groups.membersOf(known.policy.approvers);
  const now = deps.now();
  const at = now.toISOString();

  const outcome = await deps.store.mutate<{ notice?: string; changed: boolean; complete: boolean }>(
    incidentId,
    (incident) => {
      if (expiredNow(incident, now)) {
        return {
          ...expire(incident, now),
          result: {
            notice: `${incident.id} expired before it was approved; open a new request.`,
            changed: true,
            complete: false,
          },
        };
      }
      const decision = decideApproval(incident, userId, groupMembers, now, choice);
      // A double click is not an event: nothing on the timeline, nothing for the postmortem.
      if (decision.kind === 'duplicate')
        return {
          unchanged: true as const,
          result: { notice: decision.why, changed: false, complete: false },
        };
      if (decision.kind !== 'counted') {
        const refusal: TimelineEvent = { type: 'approval_refused', at, by: userId, why: decision.why };
        return {
          incident,
          events: [refusal],
          result: { notice: decision.why, changed: false, complete: false },
        };
      }
      const approvals = [...incident.approvals, { userId, at }];
      const events: TimelineEvent[] = [
        {
          type: 'approval_given',
          at,
          by: userId,
          count: approvals.length,
          required: incident.policy.requiredApprovals,
        },
      ];
      const chosen = choice
        ? incident.alternatives?.find((alternative) => alternative.id === choice)
        : undefined;
      // The approved plan is frozen in place: an alternative's plan becomes the one that runs.
      const changes = { approvals, ...(chosen ? { choice: chosen.id, plan: chosen.plan } : {}) };
      const approved = decision.complete
        ? advance(incident, { type: 'approved', at, approvers: decision.approvers }, changes)
        : undefined;
      if (chosen && decision.complete)
        events.push({
          type: 'note',
          at,
          text: `Approved the alternative “${chosen.title}”: ${chosen.changes}`,
        });
      if (approved && !approved.ok) throw new Error(`cannot approve ${incident.id}: ${approved.why}`);
      if (approved) events.push(approved.event);
      return {
        incident: approved?.incident ?? {
          ...incident,
          approvals,
          ...(chosen ? { choice: chosen.id } : {}),
          updatedAt: at,
        },
        events,
        result: {
          notice: decision.complete
            ? undefined
            : `Approval recorded (${approvals.length} of ${incident.policy.requiredApprovals}).`,
          changed: true,
          complete: decision.complete,
        },
      };
    },
  );
  if (!outcome) return { notice: `There is no incident ${incidentId}.` };
  if (outcome.complete) {
    deps.metrics.approvals.inc({ outcome: 'approved' });
    await enqueueApproved(deps, incidentId);
  } else {
    deps.metrics.approvals.inc({ outcome: outcome.changed ? 'counted' : 'refused' });
  }
  if (outcome.changed) await refreshViews(deps, incidentId);
  return { notice: outcome.notice };
}

export async function rejectClick(deps: FlowDeps, incidentId: string, userId: string): Promise<ClickOutcome> {
  const known = await deps.store.get(incidentId);
  if (!known) return { notice: `There is no incident ${incidentId}.` };
  const groupMembers = await deps.groups.membersOf(known.policy.approvers);
  const now = deps.now();
  const at = now.toISOString();
  const outcome = await deps.store.mutate<{ notice?: string; changed: boolean }>(incidentId, (incident) => {
    if (expiredNow(incident, now)) {
      return {
        ...expire(incident, now),
        result: { notice: `${incident.id} had already expired.`, changed: true },
      };
    }
    const decision = decideReject(incident, userId, groupMembers);
    if (decision.kind === 'refused') {
      const refusal: TimelineEvent = { type: 'approval_refused', at, by: userId, why: decision.why };
      return { incident, events: [refusal], result: { notice: decision.why, changed: false } };
    }
    const rejected = advance(incident, { type: 'rejected', at, by: userId }, { rejectedBy: userId });
    if (!rejected.ok) return { incident, events: [], result: { notice: rejected.why, changed: false } };
    return {
      incident: rejected.incident,
      events: [rejected.event],
      result: { notice: undefined, changed: true },
    };
  });
  if (!outcome) return { notice: `There is no incident ${incidentId}.` };
  if (outcome.changed) await refreshViews(deps, incidentId);
  return { notice: outcome.notice };
}

/** Expires requests nobody approved in time; run periodically. */
export async function expireStale(deps: FlowDeps): Promise<string[]> {
  const now = deps.now();
  const expired: string[] = [];
  for (const id of await deps.store.expiredCandidates(now)) {
    const changed = await deps.store.mutate(id, (incident) =>
      expiredNow(incident, now)
        ? { ...expire(incident, now), result: true }
        : { unchanged: true as const, result: false },
    );
    if (changed) {
      expired.push(id);
      await refreshViews(deps, id);
    }
  }
  return expired;
}
