/**
 * The `flag` strategy step: reads the flag's state from its provider, turns it off when it is on,
 * and reads it again to prove it. The token comes from the bot's environment by the name the
 * catalog gives and never appears in output. The result reads like a process run, so the journal,
 * the progress message and retries treat it as any other step.
 */
import type { PlanStep } from '../domain/plan.js';
import { flagScope } from '../domain/strategies/registry.js';
import { StrategyRefusal, type FlagSpec } from '../domain/strategies/types.js';
import { FlagProviderError, type FlagProviders } from './ports/flags.js';
import type { RunResult } from './ports/command-runner.js';

export interface FlagContext {
  providers?: FlagProviders;
  lookupEnv?: (name: string) => string | undefined;
  signal?: AbortSignal;
  incidentId: string;
}

function access(step: PlanStep, ctx: FlagContext) {
  const spec = step.strategy?.spec as FlagSpec;
  const provider = ctx.providers?.[spec.provider];
  if (!provider) throw new StrategyRefusal(`no ${spec.provider} provider is wired in`);
  const token = ctx.lookupEnv?.(spec.tokenEnv);
  if (!token) throw new StrategyRefusal(`${spec.tokenEnv} (the ${spec.provider} API token) is not set`);
  return { spec, provider, token };
}

/** What the flag is now, for a dry run. */
export async function describeFlag(step: PlanStep, ctx: FlagContext): Promise<string> {
  const { spec, provider, token } = access(step, ctx);
  const on = await provider.isOn(spec, token, ctx.signal);
  return on
    ? `${spec.key} is on in ${flagScope(spec)}: would turn it off`
    : `${spec.key} is already off in ${flagScope(spec)}: nothing to do`;
}

export async function runFlagStep(step: PlanStep, ctx: FlagContext): Promise<RunResult> {
  const started = Date.now();
  const { spec, provider, token } = access(step, ctx);
  const result = (status: 'succeeded' | 'failed', outputTail: string, error?: string): RunResult =>
    status === 'succeeded'
      ? { status, exitCode: 0, argv: [], durationMs: Date.now() - started, outputTail }
      : { status, argv: [], durationMs: Date.now() - started, outputTail, error: error ?? 'failed' };
  try {
    if (!(await provider.isOn(spec, token, ctx.signal)))
      return result('succeeded', `${spec.key} was already off in ${flagScope(spec)}`);
    await provider.turnOff(
      spec,
      token,
      `rollback-bot ${ctx.incidentId}: turned off instead of a rollback`,
      ctx.signal,
    );
    if (await provider.isOn(spec, token, ctx.signal))
      return result('failed', '', `${spec.provider} accepted the change but ${spec.key} still reads as on`);
    return result('succeeded', `${spec.key} turned off in ${spec.provider} ${flagScope(spec)}`);
  } catch (error) {
    if (error instanceof FlagProviderError) return result('failed', '', error.message);
    throw error;
  }
}
