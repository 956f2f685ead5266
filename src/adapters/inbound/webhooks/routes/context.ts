/**
 * What every webhook route gets from the router: its dependencies, the clock, the catalog as it
 * is now, and the one way to store signals (deduplicated) and answer 202.
 */
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { Catalog } from '../../../../catalog/types.js';
import type { DuplicateSignal, Signal } from '../../../../domain/signal.js';
import type { DedupeMode } from '../../../outbound/store/signals.js';
import type { WebhookDeps } from '../router.js';

/** An answer, and work to run after it went out. */
export interface RouteAnswer {
  status: number;
  body: unknown;
  after?: () => unknown;
}

/** Verifies, parses and stores one delivery; throws WebhookError for a refusal. */
export type Handler = (req: Request, body: Buffer) => Promise<RouteAnswer>;

export interface RouteContext {
  deps: WebhookDeps;
  log: Logger;
  now: () => Date;
  catalog: () => Catalog;
}

function pick(signal: Signal): Omit<DuplicateSignal, 'duplicateOf'> {
  return {
    source: signal.source,
    service: signal.service,
    environment: signal.environment,
    status: signal.status,
  };
}

/** Stores each signal unless it is a redelivery; the callbacks run after the 202. */
export async function storeSignals(
  deps: WebhookDeps,
  signals: { signal: Signal; narrow?: (fresh: number[]) => Signal }[],
  mode: DedupeMode,
): Promise<RouteAnswer> {
  const stored: Signal[] = [];
  const duplicates: DuplicateSignal[] = [];
  for (const { signal, narrow } of signals) {
    const result = await deps.signals.intake(signal, mode, narrow);
    if (result.status === 'stored') stored.push(result.signal);
    else duplicates.push({ ...pick(signal), duplicateOf: result.duplicateOf });
  }
  return {
    status: 202,
    body: {
      status: stored.length > 0 ? 'accepted' : 'duplicate',
      signals: stored.map((signal) => ({
        id: signal.id,
        service: signal.service,
        environment: signal.environment,
      })),
      duplicates: duplicates.length,
    },
    after: async () => {
      for (const duplicate of duplicates) await deps.onDuplicateSignal?.(duplicate);
      for (const signal of stored) await deps.onSignalStored?.(signal);
    },
  };
}
