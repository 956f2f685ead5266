/**
 * Secret redaction for anything a human or a log might read: step output, error texts, log lines.
 * The runner uses it on captured output; the logger can reuse it (pino's `formatters.log` or a
 * `hooks.logMethod` that maps strings through `redact`).
 */

/** What replaces a secret in redacted text. */
export const REDACTED = '[REDACTED]';

/** Redacts known secret values and token-shaped text. */
export interface Redactor {
  /** Returns `text` with every known secret value and token pattern replaced by `[REDACTED]`. */
  redact(text: string): string;
}

/**
 * Token shapes redacted even when their value is unknown to the bot (a child may print its own
 * credentials). Each pattern keeps a recognisable prefix (group 1) so readers still see *what* leaked.
 */
export const TOKEN_PATTERNS: readonly RegExp[] = [
  // Slack bot/user/app/refresh tokens: xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-, xapp-.
  /\b(xox[abeprs]-|xapp-)[A-Za-z0-9-]{6,}/g,
  // HTTP authorization headers and bearer tokens.
  /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi,
  /\b(Basic\s+)[A-Za-z0-9+/=]{8,}/g,
  // key=value and key: value assignments of obviously secret keys (password=…, api_key: …).
  /\b((?:[A-Za-z0-9]+_)*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret)["']?\s*[:=]\s*)(?:"[^"]*"|'[^']*'|[^\s"'&,;]+)/gi,
  // Credentials inside URLs: scheme://user:password@host.
  /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi,
  // AWS access key ids, GitHub tokens.
  /\b()(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\b()gh[pousr]_[A-Za-z0-9]{20,}/g,
];

/**
 * Values shorter than this are not redacted by value: redacting "abc" everywhere would mangle
 * ordinary output while protecting nothing a real secret looks like.
 */
export const MIN_SECRET_LENGTH = 6;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Builds a redactor from the secret values the process knows (Slack tokens, webhook secrets…).
 * `undefined` and too-short values are ignored, so callers can pass config fields directly.
 */
export function createRedactor(secretValues: Iterable<string | undefined> = []): Redactor {
  const values = [
    ...new Set([...secretValues].filter((v): v is string => !!v && v.length >= MIN_SECRET_LENGTH)),
  ]
    // Longest first, so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  const known = values.length > 0 ? new RegExp(values.map(escapeRegExp).join('|'), 'g') : undefined;
  return {
    redact(text: string): string {
      let out = known ? text.replace(known, REDACTED) : text;
      for (const pattern of TOKEN_PATTERNS)
        out = out.replace(pattern, (_m, prefix: string) => `${prefix}${REDACTED}`);
      return out;
    },
  };
}

/**
 * Names of variables whose values are secrets whatever they look like (PGPASSWORD, AWS_SECRET_ACCESS_KEY,
 * GITHUB_TOKEN, DB_CREDENTIALS…).
 */
export const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL/i;

/** The values of `env`'s variables whose names look secret (see {@link SECRET_NAME}). */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && SECRET_NAME.test(name))
    .map(([, value]) => value as string);
}

/** A redactor that also removes `values`; `base`'s own rules still apply. */
export function withValues(base: Redactor, values: Iterable<string | undefined>): Redactor {
  const extra = createRedactor(values);
  return { redact: (text) => extra.redact(base.redact(text)) };
}

/** A redactor that only knows token patterns, for places without configuration at hand. */
export const patternRedactor: Redactor = createRedactor();
