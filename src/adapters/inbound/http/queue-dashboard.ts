/**
 * GET /admin/queues: bull-board over the rollback queues, one per environment in the catalog, for
 * operators who want to see what is waiting, running, failed or delayed. Behind a bearer token;
 * without ADMIN_TOKEN the route does not exist (404), so a forgotten setting never exposes it.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Queue } from 'bullmq';
import { Router, type NextFunction, type Request, type Response } from 'express';

export const DASHBOARD_PATH = '/admin/queues';

function sameToken(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The dashboard's router; `queues` resolve as the environments' queues open. */
export function queueDashboard(adminToken: string, queues: Promise<Queue>[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  const board = createBullBoard({
    queues: [],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Rollbacks' } },
  });
  // Read-only: a retry or removal from the dashboard would bypass the step journal and the
  // approvals, so operators look here and act through Slack.
  for (const queue of queues)
    void queue.then(
      (opened) => board.addQueue(new BullMQAdapter(opened, { readOnlyMode: true })),
      () => undefined,
    );

  const router = Router();
  router.use(
    DASHBOARD_PATH,
    (req: Request, res: Response, next: NextFunction) => {
      const match = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '');
      if (!match?.[1] || !sameToken(match[1], adminToken)) {
        res
          .status(401)
          .set('www-authenticate', 'Bearer realm="rollback-bot"')
          .json({ error: 'Authorization: Bearer <ADMIN_TOKEN> required' });
        return;
      }
      next();
    },
    serverAdapter.getRouter() as Router,
  );
  return router;
}
