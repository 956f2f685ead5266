/**
 * Git through the one process runner: argv only, a timeout on every call, and the whole of stdout
 * kept (verbatim, not redacted: it is file content for the analysis, never shown as a log tail).
 * Stderr is never part of what is parsed (a `warning: …` is not data); it explains failures.
 */
import { ExecaCommandRunner } from '../shell/command-runner.js';
import type { Redactor } from '../shell/redact.js';
import type { CommandRunner } from '../../../flows/ports/command-runner.js';

/** Why the release could not be read, in words for the card. */
export class ReleaseSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseSourceError';
  }
}

const VERBATIM: Redactor = { redact: (text) => text };

/** A runner whose "tail" is the whole of stdout up to `maxBytes`, for reading git's answers. */
export function gitOutputRunner(maxBytes: number): CommandRunner {
  return new ExecaCommandRunner({
    redactor: VERBATIM,
    tail: { maxBytes, maxLines: Number.MAX_SAFE_INTEGER },
    output: 'stdout',
  });
}

export interface GitCall {
  repo: string;
  args: string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The answer of a git call; `exitCode` 1 is kept for commands where it means "nothing found". */
export type GitAnswer = { ok: true; output: string } | { ok: false; exitCode?: number; message: string };

/** The last meaningful line of git's output, e.g. `fatal: bad revision 'v9'`. */
function lastLine(text: string): string {
  const lines = text
    .replace(/\0/g, '\n')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

export async function runGit(runner: CommandRunner, call: GitCall): Promise<GitAnswer> {
  const result = await runner.run({
    // --no-pager and no prompt: nothing may wait for a terminal inside the bot.
    argv: ['git', '--no-pager', '--literal-pathspecs', '-C', call.repo, ...call.args],
    env: { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
    timeoutMs: call.timeoutMs,
    ...(call.signal ? { signal: call.signal } : {}),
  });
  if (result.status === 'succeeded') return { ok: true, output: result.outputTail };
  if (result.status === 'failed')
    return {
      ok: false,
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      // The stdout-only runner puts git's stderr on the lines after the error's first.
      message:
        lastLine(result.error.split('\n').slice(1).join('\n')) || lastLine(result.outputTail) || result.error,
    };
  if (result.status === 'not_found') return { ok: false, message: 'git is not installed on the bot host' };
  return { ok: false, message: `git ${call.args[0] ?? ''} ${result.status.replace('_', ' ')}` };
}

/** Like `runGit`, but a failure becomes a ReleaseSourceError saying what was being done. */
export async function gitOrThrow(runner: CommandRunner, call: GitCall, doing: string): Promise<string> {
  const answer = await runGit(runner, call);
  if (!answer.ok) throw new ReleaseSourceError(`git could not ${doing} in ${call.repo}: ${answer.message}`);
  return answer.output;
}
