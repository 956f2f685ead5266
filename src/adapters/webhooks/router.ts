/**
 * The webhook routes. Each handler verifies, parses and stores, then answers 202; the work that
 * follows (cards, Slack) starts only after the answer, through the `on…Stored` callbacks. A 5xx
 * means only "storing failed, send it again".
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Catalog } from '../../catalog/types.js';
import type { DeployRecord, DuplicateSignal, Signal } from '../../domain/signal.js';
import { SAFE_VALUE_PATTERN } from '../../domain/values.js';
import type { DeployStore } from '../store/deploys.js';
import type { LockStore } from '../store/locks.js';
import type { DedupeMode, SignalStore } from '../store/signals.js';
import { alertmanagerPayload, alertmanagerSignals } from './alertmanager.js';
import { findRoute, routePagerDuty } from './catalog-routing.js';
import { deployEventSchema } from './deploys.js';
import {
  HANDLED_PAGERDUTY_EVENTS,
  pagerDutyEnvelope,
  pagerDutyIncidentEvent,
  pagerDutySignal,
} from './pagerduty.js';
import { excerpt, parseJson, shortHash, validate, WebhookError } from './parse.js';
import { verifyBearer, verifyDeploySignature, verifyPagerDuty } from './verify.js';

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

/** Answers the parsed body after the webhook's work, or the error's status. */
type Handler = (
  req: Request,
  body: Buffer,
) => Promise<{ status: number; body: unknown; after?: () => unknown }>;

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

  const storeSignals = async (
    signals: { signal: Signal; narrow?: (fresh: number[]) => Signal }[],
    mode: DedupeMode,
  ) => {
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
  };

  router.post(
    '/webhooks/pagerduty',
    raw,
    handle('pagerduty', async (req, body) => {
      if (!verifyPagerDuty(req.get('x-pagerduty-signature'), body, deps.secrets.pagerduty)) {
        throw new WebhookError(401, 'X-PagerDuty-Signature does not match any configured secret');
      }
      const json = parseJson(body);
      const envelope = validate(pagerDutyEnvelope, json);
      const status = HANDLED_PAGERDUTY_EVENTS[envelope.event.event_type];
      if (!status)
        return {
          status: 202,
          body: { status: 'ignored', reason: `event type ${envelope.event.event_type}` },
        };
      const payload = validate(pagerDutyIncidentEvent, json);
      const serviceId = payload.event.data.service.id;
      const [route, ...others] = routePagerDuty(catalog(), serviceId);
      if (!route) {
        log.info(
          { pagerdutyService: serviceId, event: payload.event.id },
          'PagerDuty service not in the catalog; ignored',
        );
        return {
          status: 202,
          body: { status: 'ignored', reason: `PagerDuty service ${serviceId} is not in the catalog` },
        };
      }
      if (others.length > 0) {
        log.warn(
          { pagerdutyService: serviceId, used: `${route.service}/${route.environment}` },
          'PagerDuty service listed by several environments; using the first',
        );
      }
      return storeSignals([{ signal: pagerDutySignal(payload, status, route, now(), excerpt(body)) }], 'all');
    }),
  );

  router.post(
    '/webhooks/alertmanager',
    raw,
    handle('alertmanager', async (req, body) => {
      if (!verifyBearer(req.get('authorization'), deps.secrets.alertmanagerToken)) {
        throw new WebhookError(401, 'Authorization bearer token is missing or wrong');
      }
      const payload = validate(alertmanagerPayload, parseJson(body));
      const { signals, unrouted } = alertmanagerSignals(payload, catalog(), now(), excerpt(body));
      if (unrouted.length > 0) {
        log.info(
          { groupKey: payload.groupKey, unrouted: unrouted.slice(0, 5), count: unrouted.length },
          'alerts match no catalog environment; ignored',
        );
      }
      if (signals.length === 0) {
        return { status: 202, body: { status: 'ignored', reason: 'no alert matches a catalog environment' } };
      }
      return storeSignals(signals, 'any');
    }),
  );

  router.post(
    '/webhooks/deploys',
    raw,
    handle('deploys', async (req, body) => {
      if (!verifyDeploySignature(req.get('x-signature-256'), body, deps.secrets.deploy)) {
        throw new WebhookError(401, 'X-Signature-256 does not match the deploy webhook secret');
      }
      const event = validate(deployEventSchema, parseJson(body));
      if (!findRoute(catalog(), event.service, event.environment)) {
        log.info(
          { service: event.service, environment: event.environment },
          'deploy for a service not in the catalog; ignored',
        );
        return {
          status: 202,
          body: { status: 'ignored', reason: `${event.service}/${event.environment} is not in the catalog` },
        };
      }
      const { record, duplicate } = await deps.deploys.record(event, now(), shortHash(body.toString('utf8')));
      return {
        status: 202,
        body: {
          status: duplicate ? 'duplicate' : 'accepted',
          deploy: { version: record.version, previousVersion: record.previousVersion },
        },
        ...(duplicate ? {} : { after: () => deps.onDeployStored?.(record) }),
      };
    }),
  );

  router.get('/locks/:service/:environment', async (req: Request, res: Response) => {
    const service = String(req.params.service);
    const environment = String(req.params.environment);
    for (const [name, value] of [
      ['service', service],
      ['environment', environment],
    ] as const) {
      if (!SAFE_VALUE_PATTERN.test(value)) {
        res.status(400).json({ error: `${name}: "${value.slice(0, 60)}" is not a valid name` });
        return;
      }
    }
    if (!findRoute(catalog(), service, environment)) {
      res.status(404).json({ error: `${service}/${environment} is not in the catalog` });
      return;
    }
    try {
      const lock = await deps.locks.get(service, environment);
      if (!lock) {
        res.status(200).json({ locked: false });
        return;
      }
      res.status(423).json({
        locked: true,
        reason: lock.reason,
        version: lock.version,
        incidentId: lock.incidentId,
        since: lock.since,
      });
    } catch (error) {
      log.error({ err: error }, 'could not read the deploy lock');
      res.status(503).json({ error: 'could not read the lock; please retry' });
    }
  });

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

function pick(signal: Signal): Omit<DuplicateSignal, 'duplicateOf'> {
  return {
    source: signal.source,
    service: signal.service,
    environment: signal.environment,
    status: signal.status,
  };
}
