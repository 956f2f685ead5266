/**
 * The one HTTP server on PORT: health, readiness, metrics, webhooks, locks and (in HTTP mode)
 * Slack's events. Bodies over 1 MiB get 413 wherever they are sent.
 */
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../../outbound/metrics.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerParts {
  metrics: Metrics;
  logger: Logger;
  /** Redis reachable and catalog loaded. */
  ready: () => Promise<{ ok: boolean; problems: string[] }>;
  routers?: Router[];
}

function routeLabel(req: Request): string {
  if (req.path.startsWith('/webhooks/')) return req.path;
  if (req.path.startsWith('/locks/')) return '/locks';
  if (req.path.startsWith('/admin/queues')) return '/admin/queues';
  if (['/slack/events', '/healthz', '/readyz', '/metrics'].includes(req.path)) return req.path;
  return 'other';
}

export function createHttpApp(parts: ServerParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.header('content-length'));
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      res.status(413).json({ error: `body is over ${MAX_BODY_BYTES} bytes` });
      return;
    }
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = routeLabel(req);
      parts.metrics.httpRequests.inc({ route, method: req.method, status: String(res.statusCode) });
      parts.metrics.httpDuration.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const readiness = await parts
      .ready()
      .catch((error: unknown) => ({ ok: false, problems: [String(error)] }));
    res.status(readiness.ok ? 200 : 503).json(readiness);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(parts.metrics.registry.contentType).send(await parts.metrics.registry.metrics());
  });
  for (const router of parts.routers ?? []) app.use(router);
  return app;
}

/** Last in the chain: oversize bodies found while reading, and anything unexpected. */
export function finishHttpApp(app: Express, logger: Logger): void {
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((error: { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (error.type === 'entity.too.large' || error.status === 413) {
      res.status(413).json({ error: `body is over ${MAX_BODY_BYTES} bytes` });
      return;
    }
    logger.error({ err: error }, 'HTTP request failed');
    res.status(500).json({ error: 'internal error' });
  });
}
