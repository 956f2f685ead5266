/** Where an environment's RED metrics come from, as the catalog resolved it. */
import type { RedQueries } from './promql.js';

export interface MetricsConfig {
  /** Prometheus HTTP API base URL. */
  prometheus: string;
  /** Name of the environment variable holding a bearer token (never the token itself). */
  bearerTokenEnv?: string;
  /** Label that names an endpoint, for the blast radius. */
  endpointLabel?: string;
  /** The window before the deploy that counts as normal. */
  baselineMs: number;
  /** Complete PromQL, selector filled in and checked. */
  queries: RedQueries;
}

export const DEFAULT_BASELINE_MS = 3_600_000;
