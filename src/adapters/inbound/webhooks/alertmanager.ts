/**
 * Alertmanager webhooks (payload version 4): the schema and how a group's alerts become Signals,
 * one per catalog environment and status.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
import { z } from 'zod';
import type { Catalog } from '../../../catalog/types.js';
import type { Signal, SignalLink } from '../../../domain/signal.js';
import { routeLabels } from './catalog-routing.js';
import { isTimestamp, shortHash } from './parse.js';

const labels = z.record(z.string(), z.string());

const alert = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.optional(),
  startsAt: z.string().refine(isTimestamp, 'expected an RFC 3339 timestamp'),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const alertmanagerPayload = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels.optional(),
  commonLabels: labels.optional(),
  commonAnnotations: labels.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(alert),
});

export type AlertmanagerPayload = z.output<typeof alertmanagerPayload>;
type Alert = AlertmanagerPayload['alerts'][number];

/** A group's signal, and how to rebuild it from the alerts (by index) that were not seen before. */
export interface RoutedSignal {
  signal: Signal;
  narrow(freshIndexes: number[]): Signal;
}

/** What a delivery turned into: signals to store and alerts no catalog environment claims. */
export interface AlertmanagerRouting {
  signals: RoutedSignal[];
  unrouted: { alertname: string; labels: Record<string, string> }[];
}

const SEVERITY_ORDER = ['critical', 'page', 'high', 'error', 'warning', 'low', 'info'];
const severityRank = (severity: string | undefined): number => {
  const index = severity ? SEVERITY_ORDER.indexOf(severity.toLowerCase()) : -1;
  return index === -1 ? SEVERITY_ORDER.length : index;
};

/** Alertmanager always sends a fingerprint; older senders may not, so fall back to the labels. */
function fingerprintOf(item: Alert): string {
  if (item.fingerprint) return item.fingerprint;
  const sorted = Object.entries(item.labels).sort(([a], [b]) => a.localeCompare(b));
  return shortHash(JSON.stringify(sorted));
}

function linksOf(first: Alert, payload: AlertmanagerPayload): SignalLink[] {
  const links: SignalLink[] = [];
  if (first.generatorURL) links.push({ label: 'Source', url: first.generatorURL });
  const runbook = first.annotations?.runbook_url ?? payload.commonAnnotations?.runbook_url;
  if (runbook) links.push({ label: 'Runbook', url: runbook });
  if (payload.externalURL) links.push({ label: 'Alertmanager', url: payload.externalURL });
  return links;
}

function groupSignal(
  alerts: Alert[],
  route: { service: string; environment: string },
  payload: AlertmanagerPayload,
  receivedAt: Date,
  rawExcerpt: string,
): Signal {
  const sorted = [...alerts].sort(
    (a, b) => severityRank(a.labels.severity) - severityRank(b.labels.severity),
  );
  const first = sorted[0] as Alert;
  const status = first.status;
  const title =
    first.annotations?.summary ?? first.annotations?.description ?? first.labels.alertname ?? 'alert';
  const more = alerts.length > 1 ? ` (+${alerts.length - 1} more)` : '';
  const dedupeKeys = alerts.map((item) => `am:${fingerprintOf(item)}:${item.startsAt}:${item.status}`);
  const startedAt = Math.min(...alerts.map((item) => Date.parse(item.startsAt)));
  const description = first.annotations?.description;
  return {
    id: `sig-${shortHash(`${route.service}/${route.environment}/${dedupeKeys.join('|')}`)}`,
    source: 'alertmanager',
    service: route.service,
    environment: route.environment,
    status,
    summary: `${title}${more}`,
    ...(description && description !== title ? { description } : {}),
    ...(first.labels.severity ? { severity: first.labels.severity } : {}),
    startedAt: new Date(startedAt).toISOString(),
    receivedAt: receivedAt.toISOString(),
    externalId: payload.groupKey,
    links: linksOf(first, payload),
    dedupeKeys,
    alertCount: alerts.length,
    rawExcerpt,
  };
}

/** Groups a delivery's alerts by catalog environment and status, one Signal per group. */
export function alertmanagerSignals(
  payload: AlertmanagerPayload,
  catalog: Catalog,
  receivedAt: Date,
  rawExcerpt: string,
): AlertmanagerRouting {
  const groups = new Map<string, { route: { service: string; environment: string }; alerts: Alert[] }>();
  const unrouted: AlertmanagerRouting['unrouted'] = [];
  for (const item of payload.alerts) {
    const routes = routeLabels(catalog, item.labels);
    if (routes.length === 0) {
      unrouted.push({ alertname: item.labels.alertname ?? '(no alertname)', labels: item.labels });
      continue;
    }
    for (const route of routes) {
      const key = `${route.service}\u0000${route.environment}\u0000${item.status}`;
      const group = groups.get(key) ?? { route, alerts: [] };
      group.alerts.push(item);
      groups.set(key, group);
    }
  }
  const signals = [...groups.values()].map(({ route, alerts }): RoutedSignal => {
    const where = { service: route.service, environment: route.environment };
    return {
      signal: groupSignal(alerts, where, payload, receivedAt, rawExcerpt),
      narrow: (fresh) =>
        groupSignal(
          alerts.filter((_alert, index) => fresh.includes(index)),
          where,
          payload,
          receivedAt,
          rawExcerpt,
        ),
    };
  });
  return { signals, unrouted };
}
