/**
 * The catalog's YAML shape as zod schemas. Every object is strict, so a misspelt key is an error
 * rather than a silently ignored setting. Requirements that depend on `defaults` (channel,
 * rollback) are checked after merging, in resolve.ts.
 */
import { z } from 'zod';
import {
  approverId,
  argv,
  channelId,
  checkUrl,
  duration,
  envMap,
  envVarName,
  isHttpUrl,
  labelMap,
  pagerDutyId,
  flagPatternSource,
} from './fields.js';
import { PLACEHOLDER_LIST, unknownPlaceholders } from './placeholders.js';
import { metricsCheckSchema, metricsSchema } from './metrics-fields.js';
import { HELM_RELEASE, KUBERNETES_NAME } from '../domain/strategies/types.js';

/** A step's name is shown on the card with its placeholders filled, so only known ones may appear. */
const stepName = z
  .string()
  .trim()
  .min(1)
  .superRefine((name, ctx) => {
    const unknown = unknownPlaceholders(name);
    if (unknown.length > 0)
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder ${unknown.join(', ')}; expected one of ${PLACEHOLDER_LIST}`,
      });
  });

const FLAG_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const kubernetesName = z
  .string()
  .regex(KUBERNETES_NAME, { error: 'expected a Kubernetes name (lower case, digits, - and .)' });

const stepSchema = z
  .strictObject({
    name: stepName,
    run: argv.optional(),
    kubernetes: z
      .strictObject({
        deployment: kubernetesName,
        namespace: kubernetesName,
        container: kubernetesName.optional(),
      })
      .optional(),
    helm: z
      .strictObject({
        release: z.string().regex(HELM_RELEASE, {
          error: 'expected a Helm release name (lower case, digits and -, at most 53)',
        }),
        namespace: kubernetesName,
      })
      .optional(),
    argoRollouts: z
      .strictObject({
        rollout: kubernetesName,
        namespace: kubernetesName,
        container: kubernetesName.optional(),
      })
      .optional(),
    sql: z
      .strictObject({
        databaseEnv: envVarName,
        file: z
          .string()
          .trim()
          .min(1)
          .refine((file) => !/(^|\/)\.\.(\/|$)/.test(file), {
            error: 'expected a path inside the repo (no ..)',
          }),
        backupDir: z.string().trim().min(1).optional(),
      })
      .optional(),
    flag: z
      .strictObject({
        provider: z
          .enum(['launchdarkly', 'unleash', 'flagsmith', 'flagd'])
          .refine((provider) => provider !== 'flagd', {
            // flagd serves flags from a file or a FeatureFlag resource and has no API to change them.
            error:
              'flagd has no API to change a flag: edit its source (for example a `run` step: kubectl patch featureflag …)',
          }),
        key: z.string().regex(FLAG_KEY, { error: 'expected a flag key (letters, digits, . _ -)' }),
        project: z
          .string()
          .regex(FLAG_KEY, { error: 'expected a project key (letters, digits, . _ -)' })
          .default('default'),
        environment: z
          .string()
          .regex(FLAG_KEY, { error: 'expected an environment key (letters, digits, . _ -)' }),
        tokenEnv: envVarName,
        url: z
          .string()
          .refine(isHttpUrl, { error: 'expected the http:// or https:// API base URL' })
          .optional(),
      })
      .optional(),
    idempotent: z.boolean().optional(),
    interruptible: z.boolean().optional(),
    timeout: duration().optional(),
    env: envMap.optional(),
  })
  .superRefine((step, ctx) => {
    const kinds = [step.run, step.kubernetes, step.helm, step.argoRollouts, step.sql, step.flag].filter(
      (kind) => kind !== undefined,
    );
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: 'expected exactly one of run, kubernetes, helm, argoRollouts, sql or flag',
      });
    if (step.run === undefined && step.idempotent !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['idempotent'],
        message: 'a strategy decides whether its step may be re-run; remove idempotent',
      });
    // Killing a strategy mid-way can leave the system between states (a Helm release left
    // pending-rollback): only a catalog author's own command can be declared safe to kill.
    if (step.run === undefined && step.interruptible !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['interruptible'],
        message:
          'only a `run` step can be declared interruptible; a strategy step finishes before Stop takes effect',
      });
  });

const httpSchema = z.strictObject({
  url: checkUrl,
  expectStatus: z.number().int().min(100).max(599).optional(),
  expectBody: z.string().optional(),
});

const checkSchema = z
  .strictObject({
    name: stepName,
    http: httpSchema.optional(),
    run: argv.optional(),
    metrics: metricsCheckSchema.optional(),
    env: envMap.optional(),
    retries: z.number().int().min(0).max(100).optional(),
    interval: duration(0).optional(),
    timeout: duration().optional(),
  })
  .superRefine((check, ctx) => {
    const kinds = [check.http, check.run, check.metrics].filter((kind) => kind !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of http, run or metrics' });
    if (check.http !== undefined && check.env !== undefined)
      ctx.addIssue({ code: 'custom', path: ['env'], message: 'env applies only to run checks' });
  });

const notifySchema = z.strictObject({
  url: z.string().refine(isHttpUrl, { error: 'expected an http:// or https:// URL' }),
  secretEnv: envVarName.optional(),
});

const alertsSchema = z.strictObject({
  labels: labelMap.optional(),
  pagerduty: z.array(pagerDutyId).optional(),
});

/** Keys allowed both in `defaults` and in an environment; all optional at this stage. */
const settingsSchema = z.strictObject({
  channel: channelId.optional(),
  approvers: z.array(approverId).optional(),
  requiredApprovals: z.number().int().min(1).optional(),
  allowSelfApproval: z.boolean().optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  retryDelay: duration(0).optional(),
  stepTimeout: duration().optional(),
  timeBudget: duration().optional(),
  approvalTimeout: duration().optional(),
  deployLookback: duration().optional(),
  alerts: alertsSchema.optional(),
  rollback: z.array(stepSchema).min(1).optional(),
  verify: z.array(checkSchema).optional(),
  notify: z.array(notifySchema).optional(),
  flagPatterns: z.array(flagPatternSource).optional(),
  // The argv prefix that runs one SQL statement (appended as ONE final element, never a shell).
  sqlRunner: argv.optional(),
  metrics: metricsSchema.optional(),
  // Read-only: the live schema the safety check and the schema gate read.
  database: z.strictObject({ urlEnv: envVarName }).optional(),
});

const serviceSchema = z.strictObject({
  repo: z.string().trim().min(1).optional(),
  environments: z.record(z.string(), settingsSchema),
});

export const catalogSchema = z.strictObject({
  version: z.literal(1, { error: 'expected version: 1' }),
  defaults: settingsSchema.optional(),
  services: z.record(z.string(), serviceSchema),
});

export type RawSettings = z.output<typeof settingsSchema>;
export type RawStep = z.output<typeof stepSchema>;
export type RawCheck = z.output<typeof checkSchema>;
export type RawCatalog = z.output<typeof catalogSchema>;
