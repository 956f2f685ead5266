/**
 * Approved → queued. Idempotent: the job id is derived from the incident id, so calling this twice
 * (a retried click, the reconciler after a crash between approval and enqueue) adds one job.
 */
import { findEnvironment } from '../catalog/load.js';
import { advance } from '../domain/incident.js';
import type { FlowDeps } from './deps.js';

export async function enqueueApproved(deps: FlowDeps, incidentId: string): Promise<void> {
  const incident = await deps.store.get(incidentId);
  if (!incident || incident.state !== 'approved') return;
  const env = findEnvironment(deps.catalog, incident.service, incident.environment);
  const job = await deps.queues.enqueue(incident, {
    maxAttempts: env?.maxAttempts ?? 1,
    retryDelayMs: env?.retryDelayMs ?? 5000,
  });
  const at = deps.now().toISOString();
  await deps.store.mutate(incidentId, (current) => {
    const queued = advance(current, {
      type: 'queued',
      at,
      jobId: job.jobId,
      queue: job.queue,
      position: job.position,
    });
    if (!queued.ok) return { unchanged: true as const, result: undefined };
    return { incident: queued.incident, events: [queued.event], result: undefined };
  });
}
