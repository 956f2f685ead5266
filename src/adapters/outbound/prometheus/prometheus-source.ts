/**
 * The metrics source over Prometheus's HTTP API (`/api/v1/query_range`, `/api/v1/query`), as its
 * docs describe: form-encoded POST, `{status, data: {resultType, result}}` answers, values as
 * strings. Every failure (refused, timed out, HTTP error, a query Prometheus rejects, an answer of
 * the wrong shape) becomes a `MetricsUnavailableError` naming it.
 */
import {
  MetricsUnavailableError,
  type MetricSeries,
  type MetricsSource,
  type MetricsTarget,
  type RangeWindow,
} from '../../../flows/ports/metrics-source.js';

export interface PrometheusSourceOptions {
  /** One request's limit. Default 5 s. */
  timeoutMs?: number;
  /** Where `bearerTokenEnv` names are looked up (main.ts passes process.env). */
  env: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
}

interface ApiAnswer {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown };
}

type RawSample = [number, string];
interface RawSeries {
  metric?: Record<string, string>;
  values?: RawSample[];
  value?: RawSample;
}

const seconds = (date: Date) => (date.getTime() / 1000).toFixed(3);

function sample([at, text]: RawSample): { at: number; value: number } | undefined {
  const value = Number(text);
  return Number.isFinite(value) && typeof at === 'number' ? { at: Math.round(at * 1000), value } : undefined;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const failure = (error ?? {}) as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (failure.name === 'TimeoutError') return `Prometheus did not answer within ${timeoutMs} ms`;
  if (failure.name === 'AbortError') return 'the read was cancelled';
  const why = failure.cause?.code ?? failure.cause?.message ?? failure.message ?? String(error);
  return `cannot reach Prometheus (${why})`;
}

export class PrometheusSource implements MetricsSource {
  private readonly timeoutMs: number;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly doFetch: typeof fetch;

  constructor(options: PrometheusSourceOptions) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.env = options.env;
    this.doFetch = options.fetch ?? fetch;
  }

  async range(
    target: MetricsTarget,
    query: string,
    window: RangeWindow,
    signal?: AbortSignal,
  ): Promise<MetricSeries[]> {
    const params = {
      query,
      start: seconds(window.start),
      end: seconds(window.end),
      step: String(window.stepSeconds),
    };
    const result = await this.call(target, 'query_range', params, 'matrix', signal);
    return result.map((series) => ({
      labels: series.metric ?? {},
      points: (series.values ?? []).flatMap((raw) => sample(raw) ?? []),
    }));
  }

  async instant(target: MetricsTarget, query: string, at: Date, signal?: AbortSignal) {
    const result = await this.call(target, 'query', { query, time: seconds(at) }, 'vector', signal);
    return result.flatMap((series) => {
      const point = series.value ? sample(series.value) : undefined;
      return point ? [{ labels: series.metric ?? {}, value: point.value }] : [];
    });
  }

  private headers(target: MetricsTarget): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'rollback-bot',
    };
    if (target.bearerTokenEnv) {
      const token = this.env[target.bearerTokenEnv];
      if (!token)
        throw new MetricsUnavailableError(`${target.bearerTokenEnv} (the Prometheus token) is not set`);
      headers.authorization = `Bearer ${token}`;
    }
    return headers;
  }

  private async call(
    target: MetricsTarget,
    endpoint: 'query' | 'query_range',
    params: Record<string, string>,
    resultType: 'matrix' | 'vector',
    signal?: AbortSignal,
  ): Promise<RawSeries[]> {
    const url = `${target.prometheus}/api/v1/${endpoint}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let answer: ApiAnswer | undefined;
    try {
      response = await this.doFetch(url, {
        method: 'POST',
        headers: this.headers(target),
        body: new URLSearchParams(params).toString(),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const text = await response.text();
      try {
        answer = JSON.parse(text) as ApiAnswer;
      } catch {
        answer = undefined;
      }
    } catch (error) {
      if (error instanceof MetricsUnavailableError) throw error;
      throw new MetricsUnavailableError(describeFailure(error, this.timeoutMs));
    }
    if (answer?.status === 'error') {
      const kind = answer.errorType ? `${answer.errorType}: ` : '';
      throw new MetricsUnavailableError(
        `Prometheus refused the query (${kind}${answer.error ?? 'no reason given'})`,
      );
    }
    if (!response.ok) throw new MetricsUnavailableError(`Prometheus answered HTTP ${response.status}`);
    if (
      answer?.status !== 'success' ||
      answer.data?.resultType !== resultType ||
      !Array.isArray(answer.data.result)
    ) {
      throw new MetricsUnavailableError(`Prometheus gave an answer that is not a ${resultType} result`);
    }
    return answer.data.result as RawSeries[];
  }
}
