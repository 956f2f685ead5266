/**
 * The CommandRunner on execa 9: argv only (`shell: false`), an allowlisted environment, a timeout
 * and a cancel signal that kill the whole process group, and a redacted tail of the output.
 */
import { execa } from 'execa';
import { buildChildEnv } from './child-env.js';
import { DEFAULT_TAIL_LIMITS, OutputTail, type TailLimits } from './output-tail.js';
import { patternRedactor, secretValuesOf, withValues, type Redactor } from './redact.js';
import type { CommandRunner, RunRequest, RunResult } from '../../../flows/ports/command-runner.js';

/** Settings of an {@link ExecaCommandRunner}. */
export interface ExecaRunnerOptions {
  /**
   * Redacts captured output; defaults to token patterns only. Each run also redacts the values of
   * its step's own `env` and of any variable the child sees whose name looks secret.
   */
  redactor?: Redactor;
  /** Where inherited variables come from; defaults to `process.env`. */
  parentEnv?: NodeJS.ProcessEnv;
  tail?: TailLimits;
  /** After SIGTERM, how long before SIGKILL. Default 2 s. */
  killGraceMs?: number;
  /** Default working directory of children. */
  cwd?: string;
  /**
   * What `outputTail` holds: `all` (default) stdout and stderr interleaved, as a log tail reads;
   * `stdout` only, for callers that parse the output as data (git), so a warning on stderr can
   * never be read as data. With `stdout`, the end of stderr is still reported: appended, on lines
   * of its own, to the `error` of a run that failed.
   */
  output?: 'all' | 'stdout';
}

/** Thrown (not returned) for a request that is malformed: a programming or plan error. */
export class RunRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunRequestError';
  }
}

function validate(request: RunRequest): void {
  if (!Array.isArray(request.argv) || request.argv.length === 0)
    throw new RunRequestError('argv must not be empty');
  if (!request.argv.every((arg) => typeof arg === 'string'))
    throw new RunRequestError('argv elements must be strings');
  if (request.argv[0] === '') throw new RunRequestError('argv[0] (the executable) must not be empty');
  if (request.argv.some((arg) => arg.includes('\0')))
    throw new RunRequestError('argv must not contain NUL bytes');
  if (!Number.isFinite(request.timeoutMs) || request.timeoutMs <= 0) {
    throw new RunRequestError(`timeoutMs must be a positive number, got ${String(request.timeoutMs)}`);
  }
}

type KillReason = 'timeout' | 'cancel';

export class ExecaCommandRunner implements CommandRunner {
  private readonly redactor: Redactor;
  private readonly parentEnv: NodeJS.ProcessEnv;
  private readonly tailLimits: TailLimits;
  private readonly killGraceMs: number;
  private readonly cwd: string | undefined;
  private readonly output: 'all' | 'stdout';

  constructor(options: ExecaRunnerOptions = {}) {
    this.redactor = options.redactor ?? patternRedactor;
    this.parentEnv = options.parentEnv ?? process.env;
    this.tailLimits = options.tail ?? DEFAULT_TAIL_LIMITS;
    this.killGraceMs = options.killGraceMs ?? 2000;
    this.cwd = options.cwd;
    this.output = options.output ?? 'all';
  }

  async run(request: RunRequest): Promise<RunResult> {
    validate(request);
    const env = buildChildEnv(this.parentEnv, request.env);
    // A step's own env holds what the catalog author chose to pass (a namespace, an API key): none
    // of it is echoed back into Slack or the postmortem, whatever its name.
    const redactor = withValues(this.redactor, [...Object.values(request.env ?? {}), ...secretValuesOf(env)]);
    const [file, ...args] = request.argv as [string, ...string[]];
    const argv = [...request.argv];
    const tail = new OutputTail(this.tailLimits);
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const redactedTail = () => redactor.redact(tail.text());
    const stdoutOnly = this.output === 'stdout';
    const stderrTail = new OutputTail(DEFAULT_TAIL_LIMITS);
    /** A failure's error, with the end of stderr when it was not part of the output tail. */
    const withStderr = (error: string) => {
      const text = stdoutOnly ? redactor.redact(stderrTail.text()) : '';
      return text ? `${error}\n${text}` : error;
    };

    if (request.signal?.aborted) {
      return { status: 'cancelled', argv, durationMs: 0, outputTail: '', error: 'cancelled before start' };
    }

    const killer = new AbortController();
    let killReason: KillReason | undefined;
    let forceKill: NodeJS.Timeout | undefined;
    const subprocess = execa(file, args, {
      shell: false,
      extendEnv: false,
      env,
      cwd: request.cwd ?? this.cwd,
      stdin: 'ignore',
      all: !stdoutOnly,
      // The tail is collected from the stream below; execa buffering everything would let a
      // chatty step grow memory without bound.
      buffer: false,
      reject: false,
      // Its own process group, so a timeout also kills grandchildren (a script's `sleep`, `curl`)
      // that would otherwise hold the output pipe open and the run with it.
      detached: true,
      cancelSignal: killer.signal,
      forceKillAfterDelay: this.killGraceMs,
    });
    const captured: Buffer[] = [];
    let capturedBytes = 0;
    const limit = request.captureStdoutBytes ?? 0;
    if (limit > 0)
      subprocess.stdout?.on('data', (chunk: Buffer) => {
        if (capturedBytes >= limit) return;
        captured.push(chunk.subarray(0, limit - capturedBytes));
        capturedBytes += Math.min(chunk.length, limit - capturedBytes);
      });
    if (stdoutOnly) {
      subprocess.stdout?.on('data', (chunk: Buffer) => tail.push(chunk));
      subprocess.stderr?.on('data', (chunk: Buffer) => stderrTail.push(chunk));
    } else subprocess.all?.on('data', (chunk: Buffer) => tail.push(chunk));

    const kill = (reason: KillReason) => {
      if (killReason) return;
      killReason = reason;
      killer.abort(reason);
      signalGroup(subprocess.pid, 'SIGTERM');
      forceKill = setTimeout(() => signalGroup(subprocess.pid, 'SIGKILL'), this.killGraceMs);
    };
    const timer = setTimeout(() => kill('timeout'), request.timeoutMs);
    const onAbort = () => kill('cancel');
    request.signal?.addEventListener('abort', onAbort, { once: true });

    try {
      const result = await subprocess;
      const base = {
        argv,
        durationMs: elapsed(),
        outputTail: redactedTail(),
        ...(limit > 0 ? { stdout: Buffer.concat(captured).toString('utf8') } : {}),
      };
      if (killReason === 'timeout') {
        return { ...base, status: 'timed_out', error: withStderr(`timed out after ${request.timeoutMs}ms`) };
      }
      if (killReason === 'cancel') {
        const why = describeReason(request.signal?.reason);
        return { ...base, status: 'cancelled', error: `cancelled${why ? `: ${why}` : ''}` };
      }
      if (!result.failed) return { ...base, status: 'succeeded', exitCode: 0 };
      const code = (result as { code?: string }).code;
      if (code === 'ENOENT' || code === 'EACCES') {
        const what = code === 'ENOENT' ? 'not found' : 'not executable (permission denied)';
        return { ...base, status: 'not_found', error: `executable "${file}" ${what}` };
      }
      if (result.exitCode !== undefined) {
        return {
          ...base,
          status: 'failed',
          exitCode: result.exitCode,
          error: withStderr(`exited with code ${result.exitCode}`),
        };
      }
      if (result.signal) {
        return {
          ...base,
          status: 'failed',
          signal: result.signal,
          error: withStderr(`killed by ${result.signal}`),
        };
      }
      return { ...base, status: 'failed', error: redactor.redact(result.shortMessage ?? 'failed') };
    } finally {
      clearTimeout(timer);
      if (forceKill) clearTimeout(forceKill);
      request.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** An abort reason as text; duck-typed, since errors from another realm fail `instanceof Error`. */
function describeReason(reason: unknown): string {
  if (reason && typeof reason === 'object' && 'message' in reason) return String(reason.message);
  return reason === undefined ? '' : String(reason);
}

/** Signals a process group; a group that is already gone is not an error. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has exited already.
  }
}
