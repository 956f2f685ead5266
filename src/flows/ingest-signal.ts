/**
 * After a webhook's 202: turns a stored signal into an incident, or attaches it to the open one
 * ("one open incident per service and environment"). Storms attach with a count, and card updates
 * are coalesced to at most one per incident per `coalesceMs`, so Slack's rate limits hold.
 */
import { findEnvironment } from '../catalog/load.js';
import { KeyedCoalescer } from './coalesce.js';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/types.js';
import { triage, type Assessment, type TriageThresholds } from '../domain/assessment.js';
import { isTerminal, type Incident } from '../domain/incident.js';
import {
  SOURCE_LABELS,
  isActiveStatus,
  type DeployRecord,
  type DuplicateSignal,
  type Signal,
} from '../domain/signal.js';
import type { TimelineEvent } from '../domain/timeline.js';
import type { DeployHistory, SignalLog } from './ports/stores.js';

import { triageSection } from '../adapters/outbound/slack/blocks/triage-section.js';
import type { KnownBlock } from '@slack/types';
import { openIncident, type OpenRequest } from './open-incident.js';
import type { FlowDeps } from './deps.js';
import { refreshCard, refreshTimeline } from './views.js';

/** What ingest needs from incidents; `flowIncidentPort` builds it from the bot's flows. */
export interface IncidentPort {
  /** The open (non-terminal) incident of a service and environment. */
  findOpen(service: string, environment: string): Promise<{ id: string } | undefined>;
  /** Opens one; `opened: false` when another caller holds the slot (then `id` is that incident). */
  open(request: OpenRequest): Promise<{ id: string; opened: boolean } | undefined>;
  /** Appends to the incident's timeline. */
  append(incidentId: string, event: TimelineEvent): Promise<void>;
  /** Re-renders the card and thread (called at most once per incident per coalescing window). */
  refresh(incidentId: string): Promise<void>;
}

export interface IngestDeps {
  incidents: IncidentPort;
  signals: SignalLog;
  deploys: DeployHistory;
  logger: Logger;
  /** Minimum time between two card refreshes of one incident. Default 1000 ms. */
  coalesceMs?: number;
}

/** The ingest entry points, wired as the webhook router's callbacks. */
export interface SignalIngest {
  ingest(signal: Signal): Promise<void>;
  duplicate(duplicate: DuplicateSignal): Promise<void>;
  deploy(record: DeployRecord): Promise<void>;
  /** Runs pending refreshes now and stops the timers (shutdown, tests). */
  flush(): Promise<void>;
}

/** The request an alert opens: target the previous deploy, name the alert as the reason. */
async function openRequestFor(signal: Signal, deploys: DeployHistory): Promise<OpenRequest> {
  const versions = await versionsFor(signal, deploys);
  return {
    service: signal.service,
    environment: signal.environment,
    requester: signal.source,
    reason: `${SOURCE_LABELS[signal.source]}: ${signal.summary}`,
    source: signal.source,
    ...(versions.from ? { fromVersion: versions.from } : {}),
    ...(versions.to ? { toVersion: versions.to } : {}),
    dedupeKey: `signal:${signal.dedupeKeys[0] ?? signal.id}`,
    links: signal.links,
  };
}

/**
 * From the latest deploy to the one before it. After a rollback done outside the bot, though, its
 * previous version is the bad one: a failed rollback is retried towards the version it went back
 * to, never forward to the bad release.
 */
async function versionsFor(signal: Signal, deploys: DeployHistory): Promise<{ from?: string; to?: string }> {
  const latest = await deploys.latest(signal.service, signal.environment);
  if (!latest) return {};
  if (latest.kind === 'rollback')
    return { ...(latest.previousVersion ? { from: latest.previousVersion } : {}), to: latest.version };
  const previous =
    latest.previousVersion ?? (await deploys.previousOf(signal.service, signal.environment, latest.version));
  return { from: latest.version, ...(previous ? { to: previous } : {}) };
}

const alertEvent = (signal: Signal): TimelineEvent => ({
  type: 'alert',
  at: signal.receivedAt,
  source: signal.source,
  summary: signal.summary,
  status: signal.status,
  count: signal.alertCount,
});

export function createSignalIngest(deps: IngestDeps): SignalIngest {
  const coalescer = new KeyedCoalescer(
    (id) => deps.incidents.refresh(id),
    deps.coalesceMs ?? 1000,
    (error, id) => deps.logger.warn({ err: error, incidentId: id }, 'card refresh failed'),
  );
  // Signals of one service and environment are handled one at a time in this process, so a storm
  // opens one incident; across processes the incident store's open slot decides.
  const lanes = new Map<string, Promise<void>>();
  const inLane = (key: string, work: () => Promise<void>): Promise<void> => {
    const next = (lanes.get(key) ?? Promise.resolve()).then(work);
    const settled = next.catch(() => undefined);
    lanes.set(key, settled);
    void settled.then(() => {
      if (lanes.get(key) === settled) lanes.delete(key);
    });
    return next;
  };

  const ingestNow = async (signal: Signal): Promise<void> => {
    const open = await deps.incidents.findOpen(signal.service, signal.environment);
    if (open) {
      await deps.signals.attach(open.id, signal);
      await deps.incidents.append(open.id, alertEvent(signal));
      coalescer.schedule(open.id);
    } else if (isActiveStatus(signal.status)) {
      const request = await openRequestFor(signal, deps.deploys);
      const result = await deps.incidents.open(request);
      if (result) {
        await deps.signals.attach(result.id, signal);
        await deps.incidents.append(result.id, alertEvent(signal));
        // The card was posted before the signal was on the incident's log: show its triage now.
        coalescer.schedule(result.id);
      }
    } else {
      deps.logger.info(
        { signal: signal.id, status: signal.status },
        'signal for no open incident; kept, nothing opened',
      );
    }
    await deps.signals.markProcessed(signal.id);
  };

  return {
    ingest: (signal) => inLane(`${signal.service}/${signal.environment}`, () => ingestNow(signal)),
    duplicate: (duplicate) =>
      inLane(`${duplicate.service}/${duplicate.environment}`, async () => {
        const open = await deps.incidents.findOpen(duplicate.service, duplicate.environment);
        if (!open) return;
        await deps.signals.countDuplicate(open.id);
        coalescer.schedule(open.id);
      }),
    deploy: (record) =>
      inLane(`${record.service}/${record.environment}`, async () => {
        const open = await deps.incidents.findOpen(record.service, record.environment);
        if (!open) return;
        await deps.incidents.append(open.id, {
          type: 'deploy',
          at: record.deployedAt,
          version: record.version,
          ...(record.previousVersion ? { previousVersion: record.previousVersion } : {}),
        });
        coalescer.schedule(open.id);
      }),
    flush: () => coalescer.flush(),
  };
}

/** The port over the bot's own flows and incident store. */
export function flowIncidentPort(flow: FlowDeps): IncidentPort {
  return {
    async findOpen(service, environment) {
      const id = await flow.store.openIncidentId(service, environment);
      const incident = id ? await flow.store.get(id) : undefined;
      return incident && !isTerminal(incident.state) ? { id: incident.id } : undefined;
    },
    async open(request) {
      try {
        const result = await openIncident(flow, request);
        if (result.kind === 'opened') return { id: result.incident.id, opened: true };
        if (result.kind === 'already_open') return { id: result.incident.id, opened: false };
        return { id: result.incidentId, opened: false };
      } catch (error) {
        flow.logger.error(
          { err: error, service: request.service, environment: request.environment },
          'an alert could not open an incident',
        );
        return undefined;
      }
    },
    append: (incidentId, event) => flow.store.append(incidentId, event),
    async refresh(incidentId) {
      await refreshCard(flow, incidentId);
      await refreshTimeline(flow, incidentId);
    },
  };
}

/** What the card's triage blocks are computed from. */
export interface TriageDeps {
  catalog: Catalog;
  signals: SignalLog;
  deploys: DeployHistory;
  now: () => Date;
  thresholds?: TriageThresholds;
}

/** The assessment of an incident: its first signal (if an alert opened it) against its deploys. */
export async function assessIncident(
  deps: TriageDeps,
  incident: Incident,
): Promise<{ assessment: Assessment; signal?: Signal }> {
  const log = await deps.signals.incidentLog(incident.id, 200);
  const first = log.at(-1);
  const signal = first ? await deps.signals.get(first.id) : undefined;
  const env = findEnvironment(deps.catalog, incident.service, incident.environment);
  const lookback = env?.deployLookbackMs ?? 2 * 3_600_000;
  const history = await deps.deploys.history(incident.service, incident.environment, 20);
  const assessment = triage(signal, history, deps.now(), lookback, deps.thresholds, {
    ...(incident.evidence ? { evidence: incident.evidence } : {}),
    ...(incident.fromVersion ? { fromVersion: incident.fromVersion } : {}),
  });
  return { assessment, ...(signal ? { signal } : {}) };
}

/** The card's triage blocks of an incident. */
export async function triageBlocks(deps: TriageDeps, incident: Incident): Promise<KnownBlock[]> {
  const { assessment, signal } = await assessIncident(deps, incident);
  const counts = await deps.signals.incidentCounters(incident.id);
  const active = counts.firing + counts.triggered;
  return triageSection({
    assessment,
    ...(signal ? { signal } : {}),
    counts,
    resolvedBeforeApproval:
      incident.state === 'awaiting_approval' && counts.resolved > 0 && counts.resolved >= active,
    now: deps.now(),
  });
}
