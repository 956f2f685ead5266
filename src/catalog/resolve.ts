/**
 * Turns a schema-valid, preflight-checked catalog into the resolved shape: `defaults` merged into
 * each environment (environment keys win, whole values, no deep merge), built-in defaults applied,
 * and alert routing checked for ambiguity (reported as issues, all together).
 */
import { isAbsolute, resolve } from 'node:path';
import type { MetricsConfig } from '../domain/evidence/metrics-config.js';
import type { StepTemplate, VerifyCheck } from '../domain/plan.js';
import { strategyFor } from '../domain/strategies/registry.js';
import type { StrategySpec } from '../domain/strategies/types.js';
import type { RawIssue } from './preflight.js';
import type { RawCatalog, RawCheck, RawSettings, RawStep } from './schema.js';
import type { Catalog, EnvironmentConfig, ServiceConfig } from './types.js';

/** The built-in defaults of the contract and its extensions, in milliseconds. */
export const BUILT_IN = {
  requiredApprovals: 1,
  allowSelfApproval: false,
  maxAttempts: 3,
  retryDelayMs: 5_000,
  stepTimeoutMs: 120_000,
  timeBudgetMs: 300_000,
  approvalTimeoutMs: 30 * 60_000,
  deployLookbackMs: 2 * 3_600_000,
  verifyRetries: 0,
  verifyIntervalMs: 5_000,
  checkTimeoutMs: 10_000,
  expectStatus: 200,
  metricsWatchMs: 10 * 60_000,
  metricsTolerance: 1.5,
} as const;

function strategyOf(step: RawStep): StrategySpec | undefined {
  if (step.kubernetes) return { kind: 'kubernetes', ...step.kubernetes };
  if (step.helm) return { kind: 'helm', ...step.helm };
  if (step.argoRollouts) return { kind: 'argoRollouts', ...step.argoRollouts };
  if (step.flag) {
    const { provider, url, ...rest } = step.flag;
    return {
      kind: 'flag',
      provider: provider as 'launchdarkly' | 'unleash',
      ...rest,
      ...(url ? { url } : {}),
    };
  }
  if (step.sql)
    return {
      kind: 'sql',
      databaseEnv: step.sql.databaseEnv,
      file: step.sql.file,
      backupDir: step.sql.backupDir ?? 'backups',
    };
  return undefined;
}

/** An sql step's file is the service repo's (else the catalog's directory's); backups default beside the catalog. */
function anchorSqlPaths(
  environment: EnvironmentConfig,
  repoDir: string,
  catalogDir: string,
): EnvironmentConfig {
  const rollback = environment.rollback.map((step) =>
    step.strategy?.kind === 'sql'
      ? {
          ...step,
          strategy: {
            ...step.strategy,
            file: isAbsolute(step.strategy.file) ? step.strategy.file : resolve(repoDir, step.strategy.file),
            backupDir: isAbsolute(step.strategy.backupDir)
              ? step.strategy.backupDir
              : resolve(catalogDir, step.strategy.backupDir),
          },
        }
      : step,
  );
  return { ...environment, rollback };
}

function toStep(step: RawStep, stepTimeoutMs: number): StepTemplate {
  const strategy = strategyOf(step);
  return {
    name: step.name,
    run: step.run ?? [],
    ...(strategy ? { strategy } : {}),
    idempotent: strategy ? strategyFor(strategy).idempotent : (step.idempotent ?? false),
    ...(step.interruptible ? { interruptible: true } : {}),
    timeoutMs: step.timeout ?? stepTimeoutMs,
    env: step.env ?? {},
  };
}

/** Reading the metrics once a minute suits the watch: the default queries' rate() spans 1m. */
const METRICS_INTERVAL_MS = 60_000;

function toCheck(check: RawCheck, metrics: MetricsConfig | undefined): VerifyCheck {
  const common = {
    name: check.name,
    retries: check.retries ?? BUILT_IN.verifyRetries,
    intervalMs: check.interval ?? BUILT_IN.verifyIntervalMs,
    timeoutMs: check.timeout ?? BUILT_IN.checkTimeoutMs,
  };
  if (check.http) {
    return {
      ...common,
      kind: 'http',
      url: check.http.url,
      expectStatus: check.http.expectStatus ?? BUILT_IN.expectStatus,
      ...(check.http.expectBody !== undefined ? { expectBody: check.http.expectBody } : {}),
    };
  }
  if (check.metrics && metrics) {
    return {
      ...common,
      kind: 'metrics',
      watchMs: check.metrics.watch ?? BUILT_IN.metricsWatchMs,
      tolerance: check.metrics.tolerance ?? BUILT_IN.metricsTolerance,
      intervalMs:
        check.interval ?? Math.min(METRICS_INTERVAL_MS, check.metrics.watch ?? BUILT_IN.metricsWatchMs),
      metrics,
    };
  }
  return { ...common, kind: 'run', run: check.run ?? [], env: check.env ?? {} };
}

/** Expects preflight() to have passed: channel and rollback are present after merging. */
function resolveEnvironment(service: string, environment: string, s: RawSettings): EnvironmentConfig {
  if (s.channel === undefined || s.rollback === undefined)
    throw new Error(`catalog ${service}/${environment} resolved before preflight checks`);
  const stepTimeoutMs = s.stepTimeout ?? BUILT_IN.stepTimeoutMs;
  return {
    service,
    environment,
    channel: s.channel,
    approvers: s.approvers ?? [],
    requiredApprovals: s.requiredApprovals ?? BUILT_IN.requiredApprovals,
    allowSelfApproval: s.allowSelfApproval ?? BUILT_IN.allowSelfApproval,
    maxAttempts: s.maxAttempts ?? BUILT_IN.maxAttempts,
    retryDelayMs: s.retryDelay ?? BUILT_IN.retryDelayMs,
    stepTimeoutMs,
    timeBudgetMs: s.timeBudget ?? BUILT_IN.timeBudgetMs,
    approvalTimeoutMs: s.approvalTimeout ?? BUILT_IN.approvalTimeoutMs,
    deployLookbackMs: s.deployLookback ?? BUILT_IN.deployLookbackMs,
    alerts: { labels: s.alerts?.labels ?? {}, pagerduty: s.alerts?.pagerduty ?? [] },
    rollback: s.rollback.map((step) => toStep(step, stepTimeoutMs)),
    verify: (s.verify ?? []).map((check) => toCheck(check, s.metrics)),
    notify: (s.notify ?? []).map((n) => ({ url: n.url, ...(n.secretEnv ? { secretEnv: n.secretEnv } : {}) })),
    flagPatterns: s.flagPatterns ?? [],
    ...(s.sqlRunner !== undefined ? { sqlRunner: s.sqlRunner } : {}),
    ...(s.metrics !== undefined ? { metrics: s.metrics } : {}),
    ...(s.database !== undefined ? { database: { urlEnv: s.database.urlEnv } } : {}),
  };
}

/**
 * An alert must lead to one place: the same PagerDuty service id, or the same full set of
 * Alertmanager labels, in two environments would open incidents against a guess.
 */
function checkAlertRouting(services: Record<string, ServiceConfig>, issues: RawIssue[]): void {
  const pagerduty = new Map<string, string>();
  const labelSets = new Map<string, string>();
  for (const service of Object.values(services)) {
    for (const env of Object.values(service.environments)) {
      const where = `${env.service}/${env.environment}`;
      const path = ['services', env.service, 'environments', env.environment, 'alerts'];
      env.alerts.pagerduty.forEach((id, index) => {
        const other = pagerduty.get(id);
        if (other)
          issues.push({
            path: [...path, 'pagerduty', index],
            message: `${id} is already mapped to ${other}`,
          });
        else pagerduty.set(id, where);
      });
      const labels = Object.entries(env.alerts.labels).sort(([a], [b]) => a.localeCompare(b));
      if (labels.length === 0) continue;
      const key = JSON.stringify(labels);
      const other = labelSets.get(key);
      if (other)
        issues.push({ path: [...path, 'labels'], message: `the same labels already select ${other}` });
      else labelSets.set(key, where);
    }
  }
}

/** A `metrics` verify check needs the environment's `metrics` source (its own or from defaults). */
function checkMetricsChecks(raw: RawCatalog, issues: RawIssue[]): void {
  for (const [name, service] of Object.entries(raw.services)) {
    for (const [envName, settings] of Object.entries(service.environments)) {
      const merged = { ...raw.defaults, ...settings };
      if (merged.metrics) continue;
      const where = settings.verify ? 'environments' : 'defaults';
      (merged.verify ?? []).forEach((check, index) => {
        if (!check.metrics) return;
        const path =
          where === 'defaults'
            ? ['defaults', 'verify', index, 'metrics']
            : ['services', name, 'environments', envName, 'verify', index, 'metrics'];
        issues.push({
          path,
          message: `needs a metrics source: add metrics: (prometheus, selector) to ${name}/${envName} or defaults`,
        });
      });
    }
  }
}

export function resolveCatalog(
  raw: RawCatalog,
  source: string,
  baseDir: string,
): { catalog: Catalog; issues: RawIssue[] } {
  const issues: RawIssue[] = [];
  const services: Record<string, ServiceConfig> = {};
  for (const [name, rawService] of Object.entries(raw.services)) {
    const environments: Record<string, EnvironmentConfig> = {};
    const repoDir = rawService.repo !== undefined ? resolve(baseDir, rawService.repo) : baseDir;
    for (const [envName, settings] of Object.entries(rawService.environments))
      environments[envName] = anchorSqlPaths(
        resolveEnvironment(name, envName, { ...raw.defaults, ...settings }),
        repoDir,
        baseDir,
      );
    services[name] = {
      name,
      ...(rawService.repo !== undefined
        ? { repo: isAbsolute(rawService.repo) ? rawService.repo : resolve(baseDir, rawService.repo) }
        : {}),
      environments,
    };
  }
  checkAlertRouting(services, issues);
  checkMetricsChecks(raw, issues);
  return { catalog: { version: 1, source, services }, issues };
}
