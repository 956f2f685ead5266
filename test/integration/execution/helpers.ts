/** Builders for execution tests: plans whose steps are real node processes recording to a file. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanStep, RollbackPlan, VerifyCheck } from '../../../src/domain/plan.js';
import type { TimelineEvent } from '../../../src/domain/timeline.js';
import { ExecaCommandRunner } from '../../../src/adapters/outbound/shell/command-runner.js';
import { RedisStepJournal } from '../../../src/adapters/outbound/store/step-journal.js';
import type { ExecutionContext } from '../../../src/flows/execute-rollback.js';
import { testRedis, type TestRedis } from '../../support/redis.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const RECORD_STEP = join(REPO, 'test/fixtures/steps/record.mjs');

export interface StepLogEntry {
  /** `killed`: SIGTERM from the runner (timeout, cancel, lost ownership). */
  event: 'start' | 'end' | 'killed';
  argv: string[];
  pid: number;
  at: number;
  exitCode?: number;
  signal?: string;
}

/** A temporary directory for step logs, removed by `remove()`. */
export function scratchDir(): { dir: string; log(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'rb-exec-'));
  return {
    dir,
    log: (name) => join(dir, `${name}.jsonl`),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function readLog(path: string): StepLogEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StepLogEntry);
}

export function starts(path: string): number {
  return readLog(path).filter((e) => e.event === 'start').length;
}

/** A step running test/fixtures/steps/record.mjs, logging to `log`. */
export function recordStep(
  id: string,
  log: string,
  options: { idempotent?: boolean; timeoutMs?: number; env?: Record<string, string>; args?: string[] } = {},
): PlanStep {
  return {
    id,
    name: `Step ${id}`,
    argv: [process.execPath, RECORD_STEP, ...(options.args ?? [id])],
    idempotent: options.idempotent ?? false,
    timeoutMs: options.timeoutMs ?? 10_000,
    env: { STEP_LOG: log, ...options.env },
  };
}

export function plan(steps: PlanStep[], verify: VerifyCheck[] = [], timeBudgetMs = 30_000): RollbackPlan {
  return { steps, verify, timeBudgetMs };
}

/** Collects emitted events. */
export function recorder(): { events: TimelineEvent[]; emit(event: TimelineEvent): void; types(): string[] } {
  const events: TimelineEvent[] = [];
  return { events, emit: (event) => void events.push(event), types: () => events.map((e) => e.type) };
}

/** Polls until `check` holds, failing after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether a process still runs (a zombie left for an init that does not reap counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * What an engine test needs, fresh for each test: a Redis under its own prefix, a step journal,
 * a scratch dir, and `context(plan)` for an ExecutionContext that records the events emitted.
 * Call inside a `describe`: it registers its own beforeEach/afterEach.
 */
export function engineFixture(label: string) {
  const runner = new ExecaCommandRunner({ killGraceMs: 200 });
  let redis: TestRedis;
  let journal: RedisStepJournal;
  let scratch: ReturnType<typeof scratchDir>;
  let incidentSeq = 0;
  beforeEach(async () => {
    redis = await testRedis(label);
    journal = new RedisStepJournal(redis.redis, { keyPrefix: redis.prefix });
    scratch = scratchDir();
  });
  afterEach(async () => {
    scratch.remove();
    await redis.cleanup();
  });
  return {
    runner,
    journal: () => journal,
    scratch: () => scratch,
    context(p: RollbackPlan, overrides: Partial<ExecutionContext> = {}) {
      const events = recorder();
      const ctx: ExecutionContext = {
        incidentId: `RB-${++incidentSeq}`,
        plan: p,
        attempt: 1,
        journal,
        runner,
        emit: events.emit,
        signal: new AbortController().signal,
        deadline: Date.now() + p.timeBudgetMs,
        ...overrides,
      };
      return { ctx, events };
    },
  };
}

/** [start, end] intervals of each run in a record.mjs log, matched by pid (a kill ends a run too). */
export function intervals(log: string): { label: string; start: number; end: number }[] {
  const entries = readLog(log);
  const ends = new Map(entries.filter((e) => e.event !== 'start').map((e) => [e.pid, e]));
  return entries
    .filter((e): e is StepLogEntry => e.event === 'start')
    .map((s) => ({ label: s.argv[0] ?? '', start: s.at, end: ends.get(s.pid)?.at ?? Infinity }));
}
