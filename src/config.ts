/**
 * The environment, read and validated once. Nothing else reads process.env: a missing or malformed
 * variable stops start-up with one line naming it, so nothing starts half-configured.
 */
import { z } from 'zod';

const secretList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.string().min(8, 'each secret needs at least 8 characters'))
      .min(1, 'expected at least one secret'),
  );

/** A value that, when set, must say something: `NAME: must not be empty`, not zod's "Too small". */
const nonEmpty = () => z.string().min(1, 'must not be empty');

/** Digits only: `PORT=""` or `PORT=80abc` is a mistake, not port 0 or NaN. */
const port = z
  .string()
  .regex(/^\d+$/, 'expected a port number')
  .transform(Number)
  .pipe(z.number().max(65535, 'expected a port number (0-65535)'));

const schema = z
  .object({
    SLACK_BOT_TOKEN: z
      .string({ error: 'is required' })
      .regex(/^xoxb-/, 'expected a bot token starting with xoxb-'),
    SLACK_SIGNING_SECRET: nonEmpty().optional(),
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-/, 'expected an app-level token starting with xapp-')
      .optional(),
    SLACK_API_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    PORT: port.default(3000),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
      .default('redis://127.0.0.1:6379'),
    ROLLBACK_CATALOG: nonEmpty().default('manifests/catalog.yaml'),
    PAGERDUTY_WEBHOOK_SECRET: secretList.optional(),
    ALERTMANAGER_TOKEN: z.string().min(8, 'expected at least 8 characters').optional(),
    DEPLOY_WEBHOOK_SECRET: z.string().min(8, 'expected at least 8 characters').optional(),
    ADMIN_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    NODE_ENV: z.string().optional(),
    ROLLBACK_ROLE: z.enum(['all', 'web', 'worker']).default('all'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, - or _')
      .default('rollback'),
  })
  .superRefine((env, ctx) => {
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'is required in HTTP mode (set it, or SLACK_APP_TOKEN for Socket Mode)',
      });
    }
  });

export interface Config {
  slack: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  port: number;
  redisUrl: string;
  /** Every Redis key and BullMQ queue name starts with this, so several bots (or tests) can share a Redis. */
  redisPrefix: string;
  catalogPath: string;
  pagerdutySecrets: string[];
  alertmanagerToken?: string;
  deployWebhookSecret?: string;
  /** Bearer token for the queue dashboard at /admin/queues; unset: the dashboard is off (404). */
  adminToken?: string;
  logLevel: string;
  pretty: boolean;
  /** web: HTTP and Slack only; worker: runs rollbacks only; all: both (the default). */
  role: 'all' | 'web' | 'worker';
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`${name}: ${issue?.message ?? 'invalid'}`);
  }
  const e = result.data;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
    },
    port: e.PORT,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    catalogPath: e.ROLLBACK_CATALOG,
    pagerdutySecrets: e.PAGERDUTY_WEBHOOK_SECRET ?? [],
    alertmanagerToken: e.ALERTMANAGER_TOKEN,
    deployWebhookSecret: e.DEPLOY_WEBHOOK_SECRET,
    ...(e.ADMIN_TOKEN ? { adminToken: e.ADMIN_TOKEN } : {}),
    logLevel: e.LOG_LEVEL,
    pretty: e.NODE_ENV === 'development',
    role: e.ROLLBACK_ROLE,
  };
}

/** Values the logger and the process runner must never print. */
export function secretsOf(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.alertmanagerToken,
    config.deployWebhookSecret,
    config.adminToken,
    ...config.pagerdutySecrets,
  ].filter((value): value is string => Boolean(value));
}
