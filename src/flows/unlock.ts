/**
 * `/rollback unlock`: lifts the deploy lock a successful rollback left. The lock guards production
 * from the version that broke it, so lifting it takes an approver of that environment, decided by
 * the same eligibility rule as approving a rollback.
 */
import { findEnvironment } from '../catalog/load.js';
import { isEligible } from '../domain/approval.js';
import type { FlowDeps } from './deps.js';
import { refreshViews } from './views.js';

export async function unlockDeploys(
  deps: FlowDeps,
  service: string,
  environment: string,
  userId: string,
): Promise<string> {
  const where = `${service}/${environment}`;
  const notLocked = `${where} is not locked; deploys may proceed.`;
  if (!(await deps.locks.get(service, environment))) return notLocked;
  const approvers = findEnvironment(deps.catalog, service, environment)?.approvers ?? [];
  if (!isEligible({ approvers }, userId, await deps.groups.membersOf(approvers)))
    return `Only an approver of ${where} can lift its deploy lock; it stays in place.`;
  const removed = await deps.locks.unlock(service, environment, userId);
  if (!removed) return notLocked;
  if (removed.incidentId) {
    await deps.store.append(removed.incidentId, {
      type: 'unlocked',
      at: deps.now().toISOString(),
      by: userId,
    });
    await refreshViews(deps, removed.incidentId);
  }
  return `Unlocked ${where}: deploys may proceed again (it was locked against ${removed.version} after ${removed.incidentId ?? 'a rollback'}).`;
}

/** Versions a new `/rollback` request starts from: the latest deploy and the one before it. */
export async function requestContext(
  deps: FlowDeps,
  service: string,
  environment: string,
  toVersion?: string,
): Promise<{ fromVersion?: string; toVersion?: string }> {
  const latest = await deps.deploys.latest(service, environment);
  if (!latest) return {};
  return { fromVersion: latest.version, toVersion: toVersion ?? latest.previousVersion };
}
