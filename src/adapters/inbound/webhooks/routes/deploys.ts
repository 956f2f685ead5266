/** POST /webhooks/deploys: deploy events from CI, HMAC-signed; recorded once per delivery. */
import { findRoute } from '../catalog-routing.js';
import { deployEventSchema, failedDeploySignal } from '../deploys.js';
import { excerpt, parseJson, shortHash, validate, WebhookError } from '../parse.js';
import { verifyDeploySignature } from '../verify.js';
import { storeSignals, type Handler, type RouteContext } from './context.js';

export function deploysRoute(ctx: RouteContext): Handler {
  return async (req, body) => {
    if (!verifyDeploySignature(req.get('x-signature-256'), body, ctx.deps.secrets.deploy)) {
      throw new WebhookError(401, 'X-Signature-256 does not match the deploy webhook secret');
    }
    const event = validate(deployEventSchema, parseJson(body));
    if (!findRoute(ctx.catalog(), event.service, event.environment)) {
      ctx.log.info(
        { service: event.service, environment: event.environment },
        'deploy for a service not in the catalog; ignored',
      );
      return {
        status: 202,
        body: { status: 'ignored', reason: `${event.service}/${event.environment} is not in the catalog` },
      };
    }
    const { record, duplicate } = await ctx.deps.deploys.record(
      event,
      ctx.now(),
      shortHash(body.toString('utf8')),
    );
    const deploy = { version: record.version, previousVersion: record.previousVersion };
    const failed = failedDeploySignal(event, ctx.now(), excerpt(body));
    if (failed) {
      const stored = await storeSignals(ctx.deps, [{ signal: failed }], 'all');
      return {
        ...stored,
        body: { ...(stored.body as object), deploy },
        // After the 202: the deploy first, so the assessment the signal opens rolls back from it.
        after: async () => {
          if (!duplicate) await ctx.deps.onDeployStored?.(record);
          await stored.after?.();
        },
      };
    }
    return {
      status: 202,
      body: { status: duplicate ? 'duplicate' : 'accepted', deploy },
      ...(duplicate ? {} : { after: () => ctx.deps.onDeployStored?.(record) }),
    };
  };
}
