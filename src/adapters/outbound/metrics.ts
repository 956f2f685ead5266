/**
 * The bot's own Prometheus metrics. One registry per process (tests make their own), so nothing
 * leaks between instances.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  incidentStates?: () => Promise<Record<string, number>>;
  queueDepths?: () => Promise<Record<string, number>>;
}

export function createMetrics(sources: MetricsSources = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rollback_bot_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'rollback_bot_http_requests_total',
      help: 'HTTP requests served, by route and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'rollback_bot_http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames: ['route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
      registers: [registry],
    }),
    incidentsOpened: new Counter({
      name: 'rollback_bot_incidents_opened_total',
      help: 'Incidents opened, by source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    approvals: new Counter({
      name: 'rollback_bot_approval_clicks_total',
      help: 'Approve clicks, by outcome (counted, approved, refused)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    signals: new Counter({
      name: 'rollback_bot_rollback_signals_total',
      help: 'ROLLBACK_STARTED / COMPLETE / FAILED / UNVERIFIED / MANUAL_INTERVENTION_REQUIRED',
      labelNames: ['signal', 'environment'] as const,
      registers: [registry],
    }),
    incidentsByState: new Gauge({
      name: 'rollback_bot_incidents',
      help: 'Recent incidents by state',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        if (!sources.incidentStates) return;
        this.reset();
        for (const [state, count] of Object.entries(await sources.incidentStates()))
          this.set({ state }, count);
      },
    }),
    queueDepth: new Gauge({
      name: 'rollback_bot_queue_depth',
      help: 'Rollback jobs waiting, delayed or running, by environment',
      labelNames: ['environment'] as const,
      registers: [registry],
      async collect() {
        if (!sources.queueDepths) return;
        this.reset();
        for (const [environment, depth] of Object.entries(await sources.queueDepths()))
          this.set({ environment }, depth);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
