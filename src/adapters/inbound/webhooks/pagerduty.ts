/**
 * PagerDuty v3 webhooks: the payload schema and how an incident event becomes a Signal.
 * https://developer.pagerduty.com/docs/webhooks/v3-overview
 */
import { z } from 'zod';
import type { Signal, SignalStatus } from '../../../domain/signal.js';
import { isTimestamp, shortHash } from './parse.js';

const timestamp = z.string().refine(isTimestamp, 'expected an ISO 8601 timestamp');

/** Every v3 event: checked first, so event types we ignore need no incident payload. */
export const pagerDutyEnvelope = z.looseObject({
  event: z.looseObject({
    id: z.string().min(1),
    event_type: z.string().min(1),
    resource_type: z.string().optional(),
    occurred_at: timestamp,
    agent: z.unknown().optional(),
    client: z.unknown().optional(),
    data: z.unknown(),
  }),
});

export const pagerDutyIncidentEvent = z.looseObject({
  event: z.looseObject({
    id: z.string().min(1),
    event_type: z.string(),
    occurred_at: timestamp,
    data: z.looseObject({
      id: z.string().min(1),
      type: z.string().optional(),
      html_url: z.url().optional(),
      number: z.number().optional(),
      status: z.string().optional(),
      title: z.string(),
      urgency: z.enum(['high', 'low']).optional(),
      created_at: timestamp.optional(),
      service: z.looseObject({
        id: z.string().min(1),
        summary: z.string().optional(),
        html_url: z.string().optional(),
        type: z.string().optional(),
      }),
    }),
  }),
});

export type PagerDutyIncidentEvent = z.output<typeof pagerDutyIncidentEvent>;

/** The event types that become signals; any other is answered 202 and ignored. */
export const HANDLED_PAGERDUTY_EVENTS: Record<string, SignalStatus> = {
  'incident.triggered': 'triggered',
  'incident.acknowledged': 'acknowledged',
  'incident.resolved': 'resolved',
};

export function pagerDutySignal(
  payload: PagerDutyIncidentEvent,
  status: SignalStatus,
  route: { service: string; environment: string },
  receivedAt: Date,
  rawExcerpt: string,
): Signal {
  const { event } = payload;
  const incident = event.data;
  // The event id catches redeliveries; the incident id (per status) catches the same incident
  // arriving through a second subscription under another event id.
  const dedupeKeys = [`pd-event:${event.id}`, `pd-incident:${incident.id}:${status}`];
  return {
    id: `sig-${shortHash(dedupeKeys[0] ?? event.id)}`,
    source: 'pagerduty',
    service: route.service,
    environment: route.environment,
    status,
    summary: incident.title,
    ...(incident.urgency ? { urgency: incident.urgency } : {}),
    startedAt: new Date(incident.created_at ?? event.occurred_at).toISOString(),
    receivedAt: receivedAt.toISOString(),
    externalId: incident.id,
    links: incident.html_url
      ? [
          {
            label: `PagerDuty incident${incident.number ? ` #${incident.number}` : ''}`,
            url: incident.html_url,
          },
        ]
      : [],
    dedupeKeys,
    alertCount: 1,
    rawExcerpt,
  };
}
