/**
 * Who may approve or reject, decided as data with a reason, as Argo's analysis does. Deny by
 * default: with no approvers configured nobody can approve.
 */
import type { Incident } from './incident.js';
import { safetyHold } from './override.js';

export type ApprovalDecision =
  | { kind: 'counted'; approvers: string[]; complete: boolean }
  /** Changes nothing and leaves no trace: a second click, or one after the decision. */
  | { kind: 'duplicate'; why: string }
  | { kind: 'refused'; why: string };

/** True when `userId` is listed, directly or through a listed user group. */
export function isEligible(
  policy: Pick<Incident['policy'], 'approvers'>,
  userId: string,
  groupMembers: ReadonlySet<string>,
): boolean {
  return policy.approvers.includes(userId) || groupMembers.has(userId);
}

export function decideApproval(
  incident: Incident,
  userId: string,
  groupMembers: ReadonlySet<string>,
  now: Date,
  /** An alternative plan's id (its Approve button); absent: the incident's own plan. */
  choice?: string,
): ApprovalDecision {
  const where = `${incident.service}/${incident.environment}`;
  if (incident.state !== 'awaiting_approval') {
    // A click that lands after the decision (a double click, a slow client) changes nothing and
    // is not worth a line on the timeline: like a second click, it is `duplicate`.
    return {
      kind: 'duplicate',
      why: `${incident.id} is no longer awaiting approval (${incident.state.replace('_', ' ')}).`,
    };
  }
  if (now.getTime() > Date.parse(incident.expiresAt)) {
    return { kind: 'refused', why: `${incident.id} expired before it was approved; open a new request.` };
  }
  if (incident.policy.approvers.length === 0) {
    return { kind: 'refused', why: `No approvers are configured for ${where}, so nobody can approve it.` };
  }
  if (!isEligible(incident.policy, userId, groupMembers)) {
    return { kind: 'refused', why: `You are not an approver for ${where}.` };
  }
  const chosen = choice ? incident.alternatives?.find((alternative) => alternative.id === choice) : undefined;
  if (choice && !chosen) return { kind: 'refused', why: `${incident.id} offers no alternative "${choice}".` };
  if (incident.approvals.length > 0 && (incident.choice ?? undefined) !== (choice ?? undefined)) {
    const current = incident.alternatives?.find((alternative) => alternative.id === incident.choice);
    return {
      kind: 'refused',
      why: `The approvals of ${incident.id} so far are for ${current ? `“${current.title}”` : 'the full plan'}; approve that, or reject and open a new request to choose another.`,
    };
  }
  const hold = safetyHold(incident, chosen?.plan);
  if (hold) return { kind: 'refused', why: hold };
  if (userId === incident.requester && !incident.policy.allowSelfApproval) {
    return { kind: 'refused', why: `You requested ${incident.id}; someone else has to approve it.` };
  }
  if (incident.approvals.some((approval) => approval.userId === userId)) {
    return { kind: 'duplicate', why: `You already approved ${incident.id}.` };
  }
  const approvers = [...incident.approvals.map((approval) => approval.userId), userId];
  return { kind: 'counted', approvers, complete: approvers.length >= incident.policy.requiredApprovals };
}

export type RejectDecision = { kind: 'rejected' } | { kind: 'refused'; why: string };

/** An approver may reject; the requester may withdraw their own request. */
export function decideReject(
  incident: Incident,
  userId: string,
  groupMembers: ReadonlySet<string>,
): RejectDecision {
  if (incident.state !== 'awaiting_approval') {
    return {
      kind: 'refused',
      why: `${incident.id} is no longer awaiting approval (${incident.state.replace('_', ' ')}).`,
    };
  }
  if (userId !== incident.requester && !isEligible(incident.policy, userId, groupMembers)) {
    return { kind: 'refused', why: `Only an approver (or the requester) can reject ${incident.id}.` };
  }
  return { kind: 'rejected' };
}
