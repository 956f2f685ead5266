/**
 * Claim → try → give back: runs `work` at most once per key across processes (Slack messages,
 * uploads, the deploy lock). The first caller to claim the key runs it; when the work fails the
 * claim is given back, so a later caller (a retried job, the next sweep) tries again.
 */
import type { Logger } from 'pino';
import type { Claims } from './ports/stores.js';

/** How long a "done once" claim is kept: past any incident's life. */
export const ONCE_TTL_SECONDS = 30 * 86_400;

/**
 * `{ ran: false }` when another caller holds (or held) the claim. A failure of `work` is
 * rethrown after the claim is given back; a failure to give it back is logged.
 */
export async function once<T>(
  claims: Claims,
  logger: Logger,
  key: string,
  owner: string,
  work: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  if (await claims.claim(key, owner, ONCE_TTL_SECONDS)) return { ran: false };
  try {
    return { ran: true, value: await work() };
  } catch (error) {
    await claims
      .releaseClaim(key, owner)
      .catch((releaseError: unknown) =>
        logger.error(
          { err: releaseError, claim: key },
          'could not give a claim back; it will not be retried',
        ),
      );
    throw error;
  }
}
