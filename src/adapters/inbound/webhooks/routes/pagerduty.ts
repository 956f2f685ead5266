/** POST /webhooks/pagerduty: V3 webhooks, signed; incident events of services in the catalog. */
import { routePagerDuty } from '../catalog-routing.js';
import {
  HANDLED_PAGERDUTY_EVENTS,
  pagerDutyEnvelope,
  pagerDutyIncidentEvent,
  pagerDutySignal,
} from '../pagerduty.js';
import { excerpt, parseJson, validate, WebhookError } from '../parse.js';
import { verifyPagerDuty } from '../verify.js';
import { storeSignals, type Handler, type RouteContext } from './context.js';

export function pagerDutyRoute(ctx: RouteContext): Handler {
  return async (req, body) => {
    if (!verifyPagerDuty(req.get('x-pagerduty-signature'), body, ctx.deps.secrets.pagerduty)) {
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
    const [route, ...others] = routePagerDuty(ctx.catalog(), serviceId);
    if (!route) {
      ctx.log.info(
        { pagerdutyService: serviceId, event: payload.event.id },
        'PagerDuty service not in the catalog; ignored',
      );
      return {
        status: 202,
        body: { status: 'ignored', reason: `PagerDuty service ${serviceId} is not in the catalog` },
      };
    }
    if (others.length > 0) {
      ctx.log.warn(
        { pagerdutyService: serviceId, used: `${route.service}/${route.environment}` },
        'PagerDuty service listed by several environments; using the first',
      );
    }
    return storeSignals(
      ctx.deps,
      [{ signal: pagerDutySignal(payload, status, route, ctx.now(), excerpt(body)) }],
      'all',
    );
  };
}
