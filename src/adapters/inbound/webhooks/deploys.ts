/**
 * The deploy webhook's body (contract), validated: versions may later fill argv placeholders. A
 * `status` other than `succeeded` is a DEPLOYMENT_FAILED signal that opens an assessment.
 */
import { z } from 'zod';
import type { Signal } from '../../../domain/signal.js';
import { SAFE_VALUE_PATTERN } from '../../../domain/values.js';
import { isTimestamp, shortHash } from './parse.js';

const safe = (what: string) =>
  z
    .string()
    .regex(SAFE_VALUE_PATTERN, `expected a ${what} of letters, digits and . _ / : @ + - (no leading dash)`);

/**
 * `<from>..<to>` or `<from>...<to>`, split the way the release reader splits it: each side a safe
 * value (no leading dash, no spaces) holding no `..` of its own, so `-a..b..c` is refused here
 * rather than failing silently when the release is read.
 */
function isCommitRange(text: string): boolean {
  const match = /^(.+?)(\.\.\.?)(.+)$/.exec(text);
  const sides = [match?.[1], match?.[3]];
  return sides.every((side) => side !== undefined && SAFE_VALUE_PATTERN.test(side) && !side.includes('..'));
}

export const deployEventSchema = z.looseObject({
  service: safe('service name'),
  environment: safe('environment name'),
  version: safe('version'),
  previousVersion: safe('version').optional(),
  deployedAt: z.string().refine(isTimestamp, 'expected an ISO 8601 timestamp').optional(),
  changes: z
    .array(
      z.looseObject({
        id: z.union([z.string().min(1), z.number()]).transform(String),
        title: z.string().max(500),
        url: z.url().optional(),
      }),
    )
    .max(1000)
    .optional(),
  commitRange: z
    .string()
    .refine(isCommitRange, 'expected <from>..<to> or <from>...<to>, each side a commit or tag name')
    .optional(),
  status: z.enum(['succeeded', 'failed', 'health_check_failed', 'smoke_failed']).optional(),
  kind: z.enum(['deploy', 'rollback']).optional(),
});

export type DeployEventBody = z.output<typeof deployEventSchema>;

const FAILURES: Record<string, string> = {
  failed: 'failed',
  health_check_failed: 'failed its health check',
  smoke_failed: 'failed its smoke tests',
};

/** The DEPLOYMENT_FAILED signal of a failed deploy; undefined for one that succeeded. */
export function failedDeploySignal(
  event: DeployEventBody,
  receivedAt: Date,
  rawExcerpt: string,
): Signal | undefined {
  if (!event.status || event.status === 'succeeded') return undefined;
  const what = `${event.kind === 'rollback' ? 'Rollback' : 'Deploy'} of ${event.version}`;
  const key = `deploy:${event.service}:${event.environment}:${event.version}:${event.status}`;
  return {
    id: `deploy-${shortHash(key)}`,
    source: 'deploy',
    service: event.service,
    environment: event.environment,
    status: 'firing',
    summary: `${what} ${FAILURES[event.status] ?? event.status} (DEPLOYMENT_FAILED)`,
    startedAt: event.deployedAt ?? receivedAt.toISOString(),
    receivedAt: receivedAt.toISOString(),
    links: [],
    dedupeKeys: [key],
    alertCount: 1,
    rawExcerpt,
  };
}
