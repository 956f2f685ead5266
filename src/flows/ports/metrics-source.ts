/**
 * Where the evidence flows read RED metrics. A source that cannot answer throws
 * `MetricsUnavailableError`: Prometheus being down or a query being wrong is kept apart from bad
 * metrics, and never turned into a number.
 */

/** Which Prometheus, and the environment variable holding its bearer token, if any. */
export interface MetricsTarget {
  prometheus: string;
  bearerTokenEnv?: string;
}

export interface MetricPoint {
  /** Epoch milliseconds. */
  at: number;
  value: number;
}

/** One series of a range query, with its labels (the endpoint label for a blast radius). */
export interface MetricSeries {
  labels: Record<string, string>;
  points: MetricPoint[];
}

export interface RangeWindow {
  start: Date;
  end: Date;
  stepSeconds: number;
}

export interface MetricsSource {
  /** `/api/v1/query_range`: NaN and infinite points (0/0 with no traffic) are left out. */
  range(
    target: MetricsTarget,
    query: string,
    window: RangeWindow,
    signal?: AbortSignal,
  ): Promise<MetricSeries[]>;
  /** `/api/v1/query` at `at`: one value per series. */
  instant(
    target: MetricsTarget,
    query: string,
    at: Date,
    signal?: AbortSignal,
  ): Promise<{ labels: Record<string, string>; value: number }[]>;
}

/** Why the metrics could not be read, in words for the card ("Prometheus answered HTTP 503"). */
export class MetricsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsUnavailableError';
  }
}
