/**
 * Verification after the steps: `http` checks (status, optional body text) and `run` checks
 * through the runner, each tried up to `retries + 1` times, `intervalMs` apart, all within the
 * rollback's time budget; `metrics` checks watch error rate and p99 (verify-metrics.ts). Only reports: steps are never re-run because a check failed.
 */
import type { CommandRunner } from './ports/command-runner.js';
import type { HttpCheckTemplate, RunCheckTemplate, VerifyCheck } from '../domain/plan.js';
import type { TimelineEvent } from '../domain/timeline.js';
import { watchMetrics, type MetricsReader } from './verify-metrics.js';

/** What verification needs; a subset of the execution context. */
export interface VerifyContext {
  checks: VerifyCheck[];
  runner: CommandRunner;
  emit(event: TimelineEvent): void | Promise<void>;
  signal: AbortSignal;
  /** Epoch ms at which the time budget ends. */
  deadline: number;
  now?: () => number;
  cwd?: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Reads error rate and p99 for `metrics` checks. */
  metrics?: MetricsReader;
  /** Who pressed Stop; a metrics watch asks between readings. */
  stopRequested?: () => Promise<{ by: string } | undefined>;
}

/** One check's result. */
export interface CheckReport {
  name: string;
  kind: VerifyCheck['kind'];
  passed: boolean;
  tries: number;
  /** The last try's error when it did not pass. */
  error?: string;
}

export interface VerificationReport {
  passed: boolean;
  checks: CheckReport[];
  /** One line naming every failed check, when any failed. */
  error?: string;
  /**
   * Cut short by the AbortSignal (shutdown): a failed check then says nothing about the service,
   * so it is not reported (no verify_failed) and the checks after it are not tried.
   */
  cancelled?: boolean;
}

type TryResult = { ok: true } | { ok: false; error: string };

export async function runVerification(ctx: VerifyContext): Promise<VerificationReport> {
  const now = ctx.now ?? Date.now;
  const checks: CheckReport[] = [];
  for (const check of ctx.checks) {
    const report = await runCheck(ctx, check, now);
    checks.push(report);
    if (!report.passed && ctx.signal.aborted) {
      return { passed: false, checks, cancelled: true, error: `${check.name}: verification cancelled` };
    }
    const at = new Date(now()).toISOString();
    await ctx.emit(
      report.passed
        ? { type: 'verify_passed', at, check: check.name, tries: report.tries }
        : {
            type: 'verify_failed',
            at,
            check: check.name,
            tries: report.tries,
            error: report.error ?? 'failed',
          },
    );
  }
  const failed = checks.filter((c) => !c.passed);
  if (failed.length === 0) return { passed: true, checks };
  return { passed: false, checks, error: failed.map((c) => `${c.name}: ${c.error ?? 'failed'}`).join('; ') };
}

async function runCheck(ctx: VerifyContext, check: VerifyCheck, now: () => number): Promise<CheckReport> {
  if (check.kind === 'metrics') {
    const watched = await watchMetrics(
      {
        ...(ctx.metrics ? { reader: ctx.metrics } : {}),
        ...(ctx.stopRequested ? { stopRequested: ctx.stopRequested } : {}),
        emit: ctx.emit,
        signal: ctx.signal,
        now,
        sleep,
        deadline: ctx.deadline,
      },
      check,
    );
    return watched.ok
      ? { name: check.name, kind: check.kind, passed: true, tries: watched.tries }
      : fail(check, watched.tries, watched.error);
  }
  const maxTries = Math.max(1, Math.floor(check.retries) + 1);
  let error = 'not tried';
  let tries = 0;
  while (tries < maxTries) {
    if (ctx.signal.aborted) return fail(check, tries, `${error}; verification cancelled`);
    const remaining = ctx.deadline - now();
    if (remaining <= 0)
      return fail(check, tries, `${tries === 0 ? 'not tried' : error}; time budget exhausted`);
    const timeoutMs = Math.min(check.timeoutMs, remaining);
    tries += 1;
    const result =
      check.kind === 'http' ? await tryHttp(ctx, check, timeoutMs) : await tryRun(ctx, check, timeoutMs);
    if (result.ok) return { name: check.name, kind: check.kind, passed: true, tries };
    error = result.error;
    if (tries < maxTries) {
      if (ctx.deadline - now() <= check.intervalMs)
        return fail(check, tries, `${error}; time budget exhausted`);
      await sleep(check.intervalMs, ctx.signal);
    }
  }
  return fail(check, tries, error);
}

function fail(check: VerifyCheck, tries: number, error: string): CheckReport {
  return { name: check.name, kind: check.kind, passed: false, tries, error };
}

async function tryHttp(ctx: VerifyContext, check: HttpCheckTemplate, timeoutMs: number): Promise<TryResult> {
  const doFetch = ctx.fetch ?? fetch;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
  try {
    const response = await doFetch(check.url, { signal, headers: { 'user-agent': 'rollback-bot-verify' } });
    const body = check.expectBody !== undefined ? await response.text() : (await response.body?.cancel(), '');
    if (response.status !== check.expectStatus) {
      return { ok: false, error: `expected HTTP ${check.expectStatus}, got ${response.status}` };
    }
    if (check.expectBody !== undefined && !body.includes(check.expectBody)) {
      return {
        ok: false,
        error: `HTTP ${response.status} but the body does not contain "${check.expectBody}"`,
      };
    }
    return { ok: true };
  } catch (error) {
    if (ctx.signal.aborted) return { ok: false, error: 'cancelled' };
    // Duck-typed: fetch's errors may come from another realm (undici, test VMs), failing instanceof.
    const failure = (error ?? {}) as {
      name?: string;
      message?: string;
      cause?: { code?: string; message?: string };
    };
    if (failure.name === 'TimeoutError' || failure.name === 'AbortError') {
      return { ok: false, error: `no answer within ${timeoutMs}ms` };
    }
    return {
      ok: false,
      error: `request failed: ${failure.cause?.code ?? failure.cause?.message ?? failure.message ?? String(error)}`,
    };
  }
}

async function tryRun(ctx: VerifyContext, check: RunCheckTemplate, timeoutMs: number): Promise<TryResult> {
  const request = {
    argv: check.run,
    env: check.env,
    timeoutMs,
    signal: ctx.signal,
    ...(ctx.cwd ? { cwd: ctx.cwd } : {}),
  };
  let result;
  try {
    result = await ctx.runner.run(request);
  } catch (error) {
    return { ok: false, error: `cannot run: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (result.status === 'succeeded') return { ok: true };
  const tail = result.outputTail ? `: ${lastLine(result.outputTail)}` : '';
  return { ok: false, error: `${result.error}${tail}` };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 200);
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
