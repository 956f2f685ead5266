/** The deploy webhook's body (contract), validated: versions may later fill argv placeholders. */
import { z } from 'zod';
import { SAFE_VALUE_PATTERN } from '../../domain/values.js';
import { isTimestamp } from './parse.js';

const safe = (what: string) =>
  z
    .string()
    .regex(SAFE_VALUE_PATTERN, `expected a ${what} of letters, digits and . _ / : @ + - (no leading dash)`);

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
    .regex(/^[A-Za-z0-9._/-]+\.\.\.?[A-Za-z0-9._/-]+$/, 'expected <from>..<to>')
    .optional(),
});

export type DeployEventBody = z.output<typeof deployEventSchema>;
