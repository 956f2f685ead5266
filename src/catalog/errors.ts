/**
 * Catalog errors in the form operators read: `services.checkout.environments.production.rollback[0].run:
 * expected a list of strings`, every problem at once.
 */
import type { z } from 'zod';
import type { CatalogIssue } from './types.js';

/** A catalog that could not be read or is invalid; `errors` lists every problem found. */
export class CatalogError extends Error {
  readonly errors: CatalogIssue[];
  readonly source: string;
  /** True when the file could not be read at all (as opposed to read and found invalid). */
  readonly unreadable: boolean;

  constructor(source: string, errors: CatalogIssue[], options: { unreadable?: boolean } = {}) {
    const lines = errors.map((e) => `  ${formatIssue(e)}`);
    super(`invalid service catalog ${source}:\n${lines.join('\n')}`);
    this.name = 'CatalogError';
    this.source = source;
    this.errors = errors;
    this.unreadable = options.unreadable ?? false;
  }
}

/** `path: message (line 12)`; file-level problems (no path) carry their position in the message. */
export function formatIssue(issue: CatalogIssue): string {
  if (!issue.path) return issue.message;
  return issue.line !== undefined
    ? `${issue.path}: ${issue.message} (line ${issue.line})`
    : `${issue.path}: ${issue.message}`;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['services', 'checkout', 'rollback', 0, 'run']` → `services.checkout.rollback[0].run`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function received(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  return `${typeof input} ${JSON.stringify(input)}`;
}

/**
 * Messages for zod's built-in checks, phrased as "expected …"; schema-level messages (custom checks,
 * regexes) take precedence over this map.
 */
export const catalogErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return issue.input === undefined
        ? `required: ${expected}`
        : `expected ${expected}, got ${received(issue.input)}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return `expected ${String(issue.minimum)} or more, got ${String(issue.input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${String(issue.maximum)} item(s)`;
      return `expected ${String(issue.maximum)} or less, got ${String(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    default:
      return undefined;
  }
};

/** zod issues → catalog issues; an unknown key becomes one issue at that key. */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
): { path: PropertyKey[]; message: string }[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key], message: 'unknown key' }))
      : [{ path: [...issue.path], message: issue.message }],
  );
}
