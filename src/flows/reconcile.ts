/**
 * The reconciler: makes sure no incident is left hanging when the queue and the store disagree.
 * - approved but never queued (a crash between approval and enqueue): enqueue it (idempotent);
 * - queued or running, but its job is missing, failed outside our code (e.g. stalled past
 *   BullMQ's limit) or completed without an ending: MANUAL_INTERVENTION_REQUIRED, with a thread
 *   message, since only a human can tell what a half-run rollback did.
 * Run once at start and then every ~15 s; safe to run from several processes at once.
 */
import { isTerminal, type Incident } from '../domain/incident.js';
import { enqueueApproved } from './enqueue.js';
import { concludeRollback, writeUp, type RollbackFlowDeps } from './finish-rollback.js';

/** What one pass did. */
export interface ReconcileReport {
  enqueued: string[];
  escalated: string[];
}

/** Job states in which the queue still owns the rollback. */
const LIVE_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

async function jobProblem(deps: RollbackFlowDeps, incident: Incident): Promise<string | undefined> {
  const job = await deps.queues.jobState(incident);
  if (!job) return 'its job is missing from the queue';
  const { state } = job;
  if (LIVE_JOB_STATES.has(state)) return undefined;
  if (state === 'failed') {
    return `its job failed outside the rollback flow (${job.failedReason ?? 'no reason given'}), e.g. a worker stopped answering more often than the stall limit allows`;
  }
  if (state === 'completed') return 'its job completed without recording how the rollback ended';
  return `its job is in an unexpected state (${state})`;
}

/** How long the worker that ended a rollback has to write it up before the reconciler helps. */
const WRITE_UP_GRACE_MS = 20_000;

export async function reconcile(deps: RollbackFlowDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { enqueued: [], escalated: [] };
  // Ended rollbacks whose write-up was cut short (a crash, Slack refusing a part): writeUp posts
  // only what is missing. The ones that just ended are left to the worker finishing them.
  for (const id of await deps.store.writeUpsOwed()) {
    const incident = await deps.store.get(id);
    if (incident && deps.now().getTime() - Date.parse(incident.updatedAt) < WRITE_UP_GRACE_MS) continue;
    await writeUp(deps, id).catch((error: unknown) =>
      deps.logger.warn({ err: error, incidentId: id }, 'write-up retry failed'),
    );
  }
  for (const id of await deps.store.activeIds()) {
    const incident = await deps.store.get(id);
    if (!incident) continue;
    if (isTerminal(incident.state)) continue;
    try {
      if (incident.state === 'approved') {
        await enqueueApproved(deps, id);
        if ((await deps.store.get(id))?.state === 'queued') report.enqueued.push(id);
        continue;
      }
      if (incident.state !== 'queued' && incident.state !== 'running') continue;
      const problem = await jobProblem(deps, incident);
      if (!problem) continue;
      const why = `${incident.id} was ${incident.state} but ${problem}. Whether its steps ran is unknown to the bot: check the step progress in this thread and the service before acting`;
      const escalated = await concludeRollback(
        deps,
        id,
        {
          state: 'manual_intervention',
          event: { type: 'manual_intervention_required', at: deps.now().toISOString(), why },
        },
        // Only if nothing changed since we looked: a job that just ended reports for itself.
        (current) => current.state === incident.state && current.updatedAt === incident.updatedAt,
      );
      if (escalated) report.escalated.push(id);
    } catch (error) {
      deps.logger.warn({ err: error, incidentId: id }, 'reconcile failed for an incident');
    }
  }
  return report;
}
