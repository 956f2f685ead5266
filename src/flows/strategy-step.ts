/**
 * Runs a strategy step through the one process runner: the strategy's reads (stdout captured,
 * parsed, never shown) and files, its resolution against them, then its commands in order, all
 * within the step's timeout. The result reads like one run: the last command's argv, the output
 * of all of them. A live state the strategy refuses to act on throws StrategyRefusal.
 */
import { readFile } from 'node:fs/promises';
import type { PlanStep } from '../domain/plan.js';
import { strategyFor } from '../domain/strategies/registry.js';
import { StrategyRefusal, type Resolution } from '../domain/strategies/types.js';
import type { CommandRunner, RunRequest, RunResult } from './ports/command-runner.js';

/** Enough for the ReplicaSets of a busy namespace. */
const READ_LIMIT_BYTES = 16 * 1024 * 1024;

type Request = Omit<RunRequest, 'argv'>;

/** Where a strategy finds what it needs besides the live system. */
export interface StrategyContext {
  /** The bot's own environment, for variables a strategy names (a database URL). */
  lookupEnv?: (name: string) => string | undefined;
  /** Unique per run (incident, step, attempt): names a backup taken before acting. */
  runLabel?: string;
}

async function readFiles(paths: string[]): Promise<string[]> {
  return Promise.all(
    paths.map((path) =>
      readFile(path, 'utf8').catch((error: unknown) => {
        throw new StrategyRefusal(
          `cannot read ${path} (${(error as { code?: string }).code ?? String(error)})`,
        );
      }),
    ),
  );
}

/** Reads the live system and resolves the step; a failed read is a refusal naming it. */
export async function resolveStrategyStep(
  runner: CommandRunner,
  step: PlanStep,
  request: Request,
  context: StrategyContext = {},
): Promise<{ resolution: Resolution; env: Record<string, string> }> {
  const { spec, toVersion } = step.strategy ?? {};
  if (!spec) throw new StrategyRefusal(`step "${step.name}" has no strategy`);
  const strategy = strategyFor(spec);
  const env = { ...request.env, ...strategy.env?.(spec, context.lookupEnv ?? (() => undefined)) };
  const started = Date.now();
  const outputs: string[] = [];
  for (const argv of strategy.reads(spec)) {
    const remaining = request.timeoutMs - (Date.now() - started);
    const result = await runner.run({
      ...request,
      env,
      argv,
      timeoutMs: Math.max(1, remaining),
      captureStdoutBytes: READ_LIMIT_BYTES,
    });
    if (result.status !== 'succeeded')
      throw new StrategyRefusal(
        `reading the live system failed: \`${argv.join(' ')}\` ${result.error}${result.outputTail ? `: ${result.outputTail.trim().split('\n').at(-1)}` : ''}`,
      );
    outputs.push(result.stdout ?? '');
  }
  const files = await readFiles(strategy.files?.(spec) ?? []);
  const timeoutSeconds = Math.max(1, Math.floor((request.timeoutMs - (Date.now() - started)) / 1000));
  const runLabel = (context.runLabel ?? `${step.id}-${Date.now()}`).replace(/[^A-Za-z0-9._-]/g, '_');
  return { resolution: strategy.resolve(spec, { outputs, files, toVersion, timeoutSeconds, runLabel }), env };
}

export async function runStrategyStep(
  runner: CommandRunner,
  step: PlanStep,
  request: Request,
  context: StrategyContext = {},
): Promise<RunResult> {
  const started = Date.now();
  const { resolution, env } = await resolveStrategyStep(runner, step, request, context);
  const tails: string[] = [`resolved: ${resolution.summary}`];
  let last: RunResult | undefined;
  for (const argv of resolution.commands) {
    const remaining = request.timeoutMs - (Date.now() - started);
    last = await runner.run({ ...request, env, argv, timeoutMs: Math.max(1, remaining) });
    tails.push(last.outputTail);
    if (last.status !== 'succeeded') break;
  }
  const outputTail = tails.filter(Boolean).join('\n');
  const durationMs = Date.now() - started;
  if (!last) return { status: 'succeeded', exitCode: 0, argv: [], durationMs, outputTail };
  return { ...last, durationMs, outputTail };
}

/** What a strategy's probe saw of a step found started after a crash. */
export type ProbeVerdict =
  | { verdict: 'done'; detail: string }
  | { verdict: 'not_done'; detail: string }
  | { verdict: 'unknown'; detail: string };

/**
 * Reads the live system the way the step would and says whether its target is already reached:
 * done (skip it), not done (re-run it if it may be re-run), or unknown (a human decides).
 */
export async function probeStrategyStep(
  runner: CommandRunner,
  step: PlanStep,
  request: Request,
  context: StrategyContext = {},
): Promise<ProbeVerdict> {
  try {
    const { resolution } = await resolveStrategyStep(runner, step, request, context);
    return resolution.alreadyThere
      ? { verdict: 'done', detail: resolution.summary }
      : { verdict: 'not_done', detail: resolution.summary };
  } catch (error) {
    if (error instanceof StrategyRefusal) return { verdict: 'unknown', detail: error.message };
    throw error;
  }
}
