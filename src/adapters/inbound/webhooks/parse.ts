/** Shared parsing: raw body → JSON → zod, with a 400 message naming the first invalid field. */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { RAW_EXCERPT_BYTES } from '../../../domain/signal.js';

/** A request the webhook refuses, with the HTTP status and a message naming what is wrong. */
export class WebhookError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** `event.data.service.id: expected string`. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  if (issue.code === 'invalid_type') return `${path}: expected ${issue.expected}`;
  return `${path}: ${issue.message}`;
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new WebhookError(400, 'body: expected a JSON object, got an empty body');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new WebhookError(400, `body: not valid JSON (${(error as Error).message})`);
  }
}

export function validate<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new WebhookError(400, issue ? describeIssue(issue) : 'body: invalid');
  }
  return result.data;
}

/** The first bytes of the raw body, cut on a character boundary. */
export function excerpt(body: Buffer): string {
  if (body.length <= RAW_EXCERPT_BYTES) return body.toString('utf8');
  return `${body
    .subarray(0, RAW_EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\uFFFD+$/, '')}…`;
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 20);
}

/** True when the text is a timestamp Date.parse understands (Alertmanager sends nanoseconds). */
export const isTimestamp = (text: string): boolean => !Number.isNaN(Date.parse(text));
