/**
 * Runs a strategy step through the one process runner: the strategy's reads (stdout captured,
 * parsed, never shown), its resolution against what they printed, then its commands in order,
 * all within the step's timeout. The result reads like one run: the last command's argv, the
 * output of all of them. A live state the strategy refuses to act on throws StrategyRefusal.
 */
import type { PlanStep } from '../domain/plan.js';
import { strategyFor } from '../domain/strategies/registry.js';
import { StrategyRefusal, type Resolution } from '../domain/strategies/types.js';
import type { CommandRunner, RunRequest, RunResult } from './ports/command-runner.js';

/** Enough for the ReplicaSets of a busy namespace. */
const READ_LIMIT_BYTES = 16 * 1024 * 1024;

type Request = Omit<RunRequest, 'argv'>;

/** Reads the live system and resolves the step; a failed read is a refusal naming it. */
export async function resolveStrategyStep(
  runner: CommandRunner,
  step: PlanStep,
  request: Request,
): Promise<{ resolution: Resolution; reads: RunResult[] }> {
  const { spec, toVersion } = step.strategy ?? {};
  if (!spec) throw new StrategyRefusal(`step "${step.name}" has no strategy`);
  const strategy = strategyFor(spec);
  const started = Date.now();
  const outputs: string[] = [];
  const reads: RunResult[] = [];
  for (const argv of strategy.reads(spec)) {
    const remaining = request.timeoutMs - (Date.now() - started);
    const result = await runner.run({
      ...request,
      argv,
      timeoutMs: Math.max(1, remaining),
      captureStdoutBytes: READ_LIMIT_BYTES,
    });
    reads.push(result);
    if (result.status !== 'succeeded')
      throw new StrategyRefusal(
        `reading the live system failed: \`${argv.join(' ')}\` ${result.error}${result.outputTail ? `: ${result.outputTail.trim().split('\n').at(-1)}` : ''}`,
      );
    outputs.push(result.stdout ?? '');
  }
  const timeoutSeconds = Math.max(1, Math.floor((request.timeoutMs - (Date.now() - started)) / 1000));
  return { resolution: strategy.resolve(spec, outputs, toVersion, timeoutSeconds), reads };
}

export async function runStrategyStep(
  runner: CommandRunner,
  step: PlanStep,
  request: Request,
): Promise<RunResult> {
  const started = Date.now();
  const { resolution } = await resolveStrategyStep(runner, step, request);
  const tails: string[] = [`resolved: ${resolution.summary}`];
  let last: RunResult | undefined;
  for (const argv of resolution.commands) {
    const remaining = request.timeoutMs - (Date.now() - started);
    last = await runner.run({ ...request, argv, timeoutMs: Math.max(1, remaining) });
    tails.push(last.outputTail);
    if (last.status !== 'succeeded') break;
  }
  const outputTail = tails.filter(Boolean).join('\n');
  const durationMs = Date.now() - started;
  if (!last) return { status: 'succeeded', exitCode: 0, argv: [], durationMs, outputTail };
  return { ...last, durationMs, outputTail };
}
