/**
 * The webhook router: one route a file (routes/). Each handler verifies, parses and stores, then answers 202; the work that
 * follows (cards, Slack) starts only after the answer, through the `on…Stored` callbacks. A 5xx
 * means only "storing failed, send it again".
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Catalog } from '../../../catalog/types.js';
import type { DeployRecord, DuplicateSignal, Signal } from '../../../domain/signal.js';
import type { DeployStore } from '../../outbound/store/deploys.js';
import type { LockStore } from '../../outbound/store/locks.js';
import type { SignalStore } from '../../outbound/store/signals.js';
import { WebhookError } from './parse.js';
import { alertmanagerRoute } from './routes/alertmanager.js';
import type { Handler, RouteContext } from './routes/context.js';
import { deploysRoute } from './routes/deploys.js';
import { locksRoute } from './routes/locks.js';
import { pagerDutyRoute } from './routes/pagerduty.js';

/** Credentials the senders use; an empty or missing one refuses every request on its route. */
export interface WebhookSecrets {
  /** Several during a rotation. */
  pagerduty: string[];
  alertmanagerToken?: string;
  deploy?: string;
}

/** What the router needs; `on…` callbacks run after the 202, and their failures are only logged. */
export interface WebhookDeps {
  logger: Logger;
  /** A function when the catalog can be reloaded while running. */
  catalog: Catalog | (() => Catalog);
  secrets: WebhookSecrets;
  signals: SignalStore;
  deploys: DeployStore;
  locks: LockStore;
  onSignalStored?: (signal: Signal) => unknown;
  onDuplicateSignal?: (duplicate: DuplicateSignal) => unknown;
  onDeployStored?: (deploy: DeployRecord) => unknown;
  now?: () => Date;
}

const MAX_BODY = '1mb';

export function webhookRouter(deps: WebhookDeps): express.Router {
  const router = express.Router();
  const log = deps.logger;
  const now = deps.now ?? (() => new Date());
  const catalog = () => (typeof deps.catalog === 'function' ? deps.catalog() : deps.catalog);
  // Every content type: the signature covers the exact bytes, whatever the sender called them.
  const raw = express.raw({ limit: MAX_BODY, type: () => true });

  /** Runs a callback after the answer went out, so no Slack call delays or fails a webhook. */
  const later = (what: string, work: () => unknown) =>
    setImmediate(() => {
      Promise.resolve()
        .then(work)
        .catch((error: unknown) => log.error({ err: error }, `${what} failed after the webhook was taken`));
    });

  const handle =
    (name: string, handler: Handler) =>
    async (req: Request, res: Response): Promise<void> => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        const answer = await handler(req, body);
        res.status(answer.status).json(answer.body);
        if (answer.after) later(name, answer.after);
      } catch (error) {
        if (error instanceof WebhookError) {
          log.warn({ webhook: name, status: error.status, why: error.message }, 'webhook refused');
          res.status(error.status).json({ error: error.message });
          return;
        }
        log.error({ err: error, webhook: name }, 'webhook could not be stored');
        res.status(503).json({ error: 'could not store the delivery; please retry' });
      }
    };

  const ctx: RouteContext = { deps, log, now, catalog };
  router.post('/webhooks/pagerduty', raw, handle('pagerduty', pagerDutyRoute(ctx)));
  router.post('/webhooks/alertmanager', raw, handle('alertmanager', alertmanagerRoute(ctx)));
  router.post('/webhooks/deploys', raw, handle('deploys', deploysRoute(ctx)));
  router.get('/locks/:service/:environment', locksRoute(ctx));

  // The raw parser's own errors: too large (413), aborted, bad encoding.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const failure = error as { type?: string; status?: number; message?: string };
    if (failure?.type === 'entity.too.large') {
      res.status(413).json({ error: `body: larger than the ${MAX_BODY} limit` });
      return;
    }
    if (typeof failure?.status === 'number' && failure.status >= 400 && failure.status < 500) {
      res.status(failure.status).json({ error: `body: ${failure.message ?? 'unreadable'}` });
      return;
    }
    next(error);
  });

  return router;
}
