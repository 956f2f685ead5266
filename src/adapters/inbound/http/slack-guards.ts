/**
 * Guards in front of Bolt's receiver. Bolt refuses signed timestamps older than five minutes but
 * accepts any in the future; a captured request dated ahead would stay replayable, so refuse those too.
 */
import type { NextFunction, Request, Response } from 'express';

const WINDOW_SECONDS = 5 * 60;

export function refuseFutureTimestamps(now: () => number = Date.now) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.header('x-slack-request-timestamp');
    const timestamp = Number(header);
    if (
      header !== undefined &&
      Number.isFinite(timestamp) &&
      timestamp > Math.floor(now() / 1000) + WINDOW_SECONDS
    ) {
      res.status(401).json({ error: 'x-slack-request-timestamp is more than 5 minutes in the future' });
      return;
    }
    next();
  };
}
