/**
 * Placeholder rules for catalog text. The catalog may only name the placeholders that
 * src/domain/plan.ts fills (with validated values); anything else in braces is a typo that would
 * otherwise reach a command line verbatim.
 */
export const PLACEHOLDER_NAMES = [
  'service',
  'environment',
  'fromVersion',
  'toVersion',
  'incidentId',
] as const;

const ANY_BRACES = /\{([^{}]*)\}/g;

/** Every `{…}` in `text` that is not one of the known placeholders, as written. */
export function unknownPlaceholders(text: string): string[] {
  const known: readonly string[] = PLACEHOLDER_NAMES;
  return [...text.matchAll(ANY_BRACES)].filter((m) => !known.includes(m[1] ?? '')).map((m) => m[0]);
}

export function containsBraces(text: string): boolean {
  return /\{[^{}]*\}/.test(text);
}

export const PLACEHOLDER_LIST = PLACEHOLDER_NAMES.map((name) => `{${name}}`).join(' ');
