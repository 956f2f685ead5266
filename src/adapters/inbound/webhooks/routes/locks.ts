/** GET /locks/:service/:environment: 200 when CD may deploy, 423 (with why) while locked after a rollback. */
import type { Request, Response } from 'express';
import { SAFE_VALUE_PATTERN } from '../../../../domain/values.js';
import { findRoute } from '../catalog-routing.js';
import type { RouteContext } from './context.js';

export function locksRoute(ctx: RouteContext) {
  return async (req: Request, res: Response): Promise<void> => {
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
    if (!findRoute(ctx.catalog(), service, environment)) {
      res.status(404).json({ error: `${service}/${environment} is not in the catalog` });
      return;
    }
    try {
      const lock = await ctx.deps.locks.get(service, environment);
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
      ctx.log.error({ err: error }, 'could not read the deploy lock');
      res.status(503).json({ error: 'could not read the lock; please retry' });
    }
  };
}
