import { compileFlagPatterns } from '../domain/safety/flags.js';
/**
 * Zod field types of the catalog that need more than a built-in: durations, argv lists, environment
 * maps. Each reports one clear message at the field's own path.
 */
import { z } from 'zod';
import { parseDuration } from '../domain/values.js';
import { PLACEHOLDER_LIST, containsBraces, unknownPlaceholders } from './placeholders.js';

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const CHANNEL_PATTERN = /^[CG][A-Z0-9]{2,}$/;
export const APPROVER_PATTERN = /^[UWS][A-Z0-9]{2,}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PAGERDUTY_PATTERN = /^[A-Z0-9]{3,}$/;

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** `500ms`, `5s`, `2m`, `1h` → milliseconds; `min` is the smallest allowed value. */
export function duration(min = 1) {
  return z.unknown().transform((value, ctx) => {
    const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
    if (ms === undefined || ms < min) {
      const floor = min > 0 ? 'more than 0' : '0 or more';
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as 500ms, 5s, 2m or 1h (${floor}), got ${describe(value)}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * A command as an argv list. Literal elements are the operator's own and are not pattern-checked;
 * placeholders must be known ones (their values are checked when the plan is filled), and never in
 * argv[0], so the executable can't be chosen by a value from outside.
 */
export const argv = z.unknown().transform((value, ctx) => {
  if (!Array.isArray(value) || value.length === 0 || !value.every((e) => typeof e === 'string')) {
    const list: unknown[] | undefined = Array.isArray(value) ? value : undefined;
    const bad = list ? list.findIndex((e) => typeof e !== 'string') : -1;
    const hint =
      list && bad >= 0
        ? ` (element ${bad} is ${describe(list[bad])}; quote it)`
        : list
          ? ' (it is empty)'
          : '';
    ctx.addIssue({ code: 'custom', message: `expected a list of strings${hint}` });
    return z.NEVER;
  }
  const list = value as string[];
  const first = list[0] ?? '';
  if (first.trim() === '') ctx.addIssue({ code: 'custom', message: 'argv[0] must name the program to run' });
  else if (containsBraces(first))
    ctx.addIssue({
      code: 'custom',
      message: `argv[0] must not contain placeholders: ${JSON.stringify(first)}`,
    });
  list.forEach((element, index) => {
    for (const unknown of unknownPlaceholders(element))
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder ${unknown} in element ${index}; expected one of ${PLACEHOLDER_LIST}`,
      });
  });
  return list;
});

/** An http(s) URL in which only known placeholders appear. */
export const checkUrl = z.string().superRefine((url, ctx) => {
  for (const unknown of unknownPlaceholders(url))
    ctx.addIssue({
      code: 'custom',
      message: `unknown placeholder ${unknown}; expected one of ${PLACEHOLDER_LIST}`,
    });
  if (!isHttpUrl(url.replace(/\{[^{}]*\}/g, 'x')))
    ctx.addIssue({
      code: 'custom',
      message: `expected an http:// or https:// URL, got ${JSON.stringify(url)}`,
    });
});

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Scalars become strings (YAML reads `port: 8080` as a number); mappings and lists are refused. */
const scalarText = z.unknown().transform((value, ctx) => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  ctx.addIssue({ code: 'custom', message: `expected a string, got ${describe(value)}` });
  return z.NEVER;
});

/** Environment variables for a step; placeholders are not filled there, so they are refused. */
export const envMap = z.record(z.string(), scalarText).superRefine((env, ctx) => {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME_PATTERN.test(name))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'expected an environment variable name like API_URL',
      });
    if (containsBraces(value))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'placeholders are only filled in run and url, not in env',
      });
  }
});

export const labelMap = z.record(z.string(), scalarText);

export const envVarName = z
  .string()
  .regex(ENV_NAME_PATTERN, { error: 'expected an environment variable name' });

export const channelId = z
  .string()
  .regex(CHANNEL_PATTERN, { error: 'expected a Slack channel id such as C0INCIDENTS (C… or G…)' });

export const approverId = z
  .string()
  .regex(APPROVER_PATTERN, { error: 'expected a Slack user id (U…, W…) or user-group id (S…)' });

export const pagerDutyId = z
  .string()
  .regex(PAGERDUTY_PATTERN, { error: 'expected a PagerDuty service id such as PIJ90N7' });

/** A feature-flag pattern: a regular expression whose first capture group is the flag key. */
export const flagPatternSource = z.string().superRefine((source, ctx) => {
  try {
    compileFlagPatterns([source]);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^flag pattern 1 /, 'pattern ') });
  }
});
