/** POST /webhooks/alertmanager: Alertmanager's webhook (v4), bearer token; one signal per routed alert. */
import { alertmanagerPayload, alertmanagerSignals } from '../alertmanager.js';
import { excerpt, parseJson, validate, WebhookError } from '../parse.js';
import { verifyBearer } from '../verify.js';
import { storeSignals, type Handler, type RouteContext } from './context.js';

export function alertmanagerRoute(ctx: RouteContext): Handler {
  return async (req, body) => {
    if (!verifyBearer(req.get('authorization'), ctx.deps.secrets.alertmanagerToken)) {
      throw new WebhookError(401, 'Authorization bearer token is missing or wrong');
    }
    const payload = validate(alertmanagerPayload, parseJson(body));
    const { signals, unrouted } = alertmanagerSignals(payload, ctx.catalog(), ctx.now(), excerpt(body));
    if (unrouted.length > 0) {
      ctx.log.info(
        { groupKey: payload.groupKey, unrouted: unrouted.slice(0, 5), count: unrouted.length },
        'alerts match no catalog environment; ignored',
      );
    }
    if (signals.length === 0) {
      return { status: 202, body: { status: 'ignored', reason: 'no alert matches a catalog environment' } };
    }
    return storeSignals(ctx.deps, signals, 'any');
  };
}
