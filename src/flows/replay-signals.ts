/**
 * Re-ingests signals stored (their 202 given) but not turned into incidents within `olderThanMs`:
 * a crash or a Redis or Slack failure after the answer must not lose the alert. Every process
 * sweeps; a claim gives each signal to one of them.
 */
import type { Signal } from '../domain/signal.js';
import type { FlowDeps } from './deps.js';

export async function replayPendingSignals(
  deps: FlowDeps,
  ingest: (signal: Signal) => Promise<void>,
  olderThanMs = 60_000,
): Promise<number> {
  const ids = await deps.signals.pendingSince(new Date(deps.now().getTime() - olderThanMs));
  let replayed = 0;
  for (const id of ids) {
    if (await deps.store.claim(`signal-replay:${id}`, 'replay', 120)) continue;
    const signal = await deps.signals.get(id);
    if (signal) await ingest(signal);
    else await deps.signals.markProcessed(id);
    replayed++;
  }
  return replayed;
}
