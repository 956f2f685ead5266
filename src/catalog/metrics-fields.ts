/**
 * The catalog's `metrics` section and the `metrics` verify check. Every query is filled in and
 * parsed as PromQL while the catalog loads, so a typo is reported at its YAML path instead of
 * surfacing at 2 a.m. as "metrics unavailable".
 */
import { z } from 'zod';
import {
  DEFAULT_QUERY_TEMPLATES,
  LABEL_NAME,
  fillQuery,
  parseSelector,
  promqlError,
  renderSelector,
  type RedQueries,
} from '../domain/evidence/promql.js';
import { DEFAULT_BASELINE_MS, type MetricsConfig } from '../domain/evidence/metrics-config.js';
import { duration, envVarName, isHttpUrl } from './fields.js';

const QUERY_KEYS = ['errorRate', 'latencyP99', 'throughput', 'errorRateByEndpoint'] as const;

export const metricsSchema = z
  .strictObject({
    prometheus: z.string().refine(isHttpUrl, { error: 'expected the http:// or https:// URL of Prometheus' }),
    bearerTokenEnv: envVarName.optional(),
    selector: z.string().superRefine((text, ctx) => {
      const parsed = parseSelector(text);
      if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
    }),
    endpointLabel: z
      .string()
      .regex(LABEL_NAME, { error: 'expected a Prometheus label name such as route' })
      .optional(),
    baseline: duration(60_000).optional(),
    errorRate: z.string().optional(),
    latencyP99: z.string().optional(),
    throughput: z.string().optional(),
    errorRateByEndpoint: z.string().optional(),
  })
  .transform((raw, ctx): MetricsConfig => {
    const parsed = parseSelector(raw.selector);
    if ('error' in parsed) return z.NEVER; // reported by the field itself
    const selector = renderSelector(parsed.matchers);
    const queries: Partial<RedQueries> = {};
    let failed = false;
    for (const key of QUERY_KEYS) {
      const template = raw[key] ?? DEFAULT_QUERY_TEMPLATES[key];
      if (template.includes('{endpointLabel}') && !raw.endpointLabel) {
        // The blast radius is optional: without a label its default query is simply not run.
        if (raw[key] === undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'uses {endpointLabel}, but endpointLabel is not set',
        });
        failed = true;
        continue;
      }
      const query = fillQuery(template, selector, raw.endpointLabel);
      const error = promqlError(query);
      if (error) {
        ctx.addIssue({ code: 'custom', path: [key], message: error });
        failed = true;
      } else queries[key] = query;
    }
    if (failed) return z.NEVER;
    return {
      prometheus: raw.prometheus.replace(/\/+$/, ''),
      ...(raw.bearerTokenEnv ? { bearerTokenEnv: raw.bearerTokenEnv } : {}),
      ...(raw.endpointLabel ? { endpointLabel: raw.endpointLabel } : {}),
      baselineMs: raw.baseline ?? DEFAULT_BASELINE_MS,
      queries: queries as RedQueries,
    };
  });

export const metricsCheckSchema = z.strictObject({
  watch: duration().optional(),
  tolerance: z.number().min(1, { error: 'expected a factor of 1 or more, such as 1.5' }).optional(),
});
