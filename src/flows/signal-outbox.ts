/**
 * Delivers the outbox of outbound signals to the environments' `notify` targets. Every process
 * drains (one entry is taken by one drain at a time); what a receiver could not take now is tried
 * again after a while, and given up (logged) once it is a day old.
 */
import { findEnvironment } from '../catalog/load.js';
import { OUTBOUND_SIGNALS } from '../domain/timeline.js';
import type { Notifier } from '../adapters/outbound/notify/webhook-notifier.js';
import type { SignalOutbox } from '../adapters/outbound/store/signal-outbox.js';
import type { FlowDeps } from './deps.js';

/** How long a taken entry stays hidden from other drains (longer than a delivery with retries). */
const INVISIBLE_MS = 60_000;
const GIVE_UP_AFTER_MS = 24 * 3_600_000;
/** Entries per drain pass at most, so one pass never runs for long. */
const MAX_PER_PASS = 50;

export async function drainSignals(
  deps: FlowDeps,
  outbox: SignalOutbox,
  notifier: Notifier,
): Promise<number> {
  let delivered = 0;
  for (let taken = 0; taken < MAX_PER_PASS; taken++) {
    const now = deps.now();
    const next = await outbox.take(now, INVISIBLE_MS);
    if (!next) break;
    const { incidentId, event, state } = next.entry;
    const incident = await deps.store.get(incidentId);
    const targets = incident
      ? (findEnvironment(deps.catalog, incident.service, incident.environment)?.notify ?? [])
      : [];
    const signal = OUTBOUND_SIGNALS[event.type as keyof typeof OUTBOUND_SIGNALS];
    if (!incident || !signal || targets.length === 0) {
      await outbox.done(next.raw);
      continue;
    }
    const done = await notifier.deliver(targets, {
      signal,
      incidentId,
      service: incident.service,
      environment: incident.environment,
      state,
      at: event.at,
      ...(incident.fromVersion ? { fromVersion: incident.fromVersion } : {}),
      ...(incident.toVersion ? { toVersion: incident.toVersion } : {}),
      event,
    });
    if (done) {
      await outbox.done(next.raw);
      delivered++;
    } else if (now.getTime() - Date.parse(event.at) > GIVE_UP_AFTER_MS) {
      deps.logger.error({ incidentId, signal }, 'gave up delivering a signal after a day of tries');
      await outbox.done(next.raw);
    }
    // Otherwise it stays taken and reappears for another try once INVISIBLE_MS has passed.
  }
  return delivered;
}
