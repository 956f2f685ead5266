/** The one process runner, as the flows need it: what it is asked to do and what it reports. */

/** One process to run: `argv[0]` is the executable, never interpreted by a shell. */
export interface RunRequest {
  argv: string[];
  /** The step's own variables, on top of the inherited allowlist. */
  env?: Record<string, string>;
  /** The process (and its process group) is killed after this long. Must be > 0. */
  timeoutMs: number;
  /** Aborting kills the process group (shutdown, time budget); the result is `cancelled`. */
  signal?: AbortSignal;
  cwd?: string;
  /**
   * Keep up to this many bytes of stdout, unredacted, in `stdout` (a strategy reading live state
   * as JSON); it is parsed, never shown. Absent: stdout is only in the tail.
   */
  captureStdoutBytes?: number;
}

interface RunResultBase {
  argv: string[];
  /** Wall time from spawn to exit, measured by the runner. */
  durationMs: number;
  /** Last lines of stdout and stderr interleaved, secrets redacted. */
  outputTail: string;
  /** stdout as captured when `captureStdoutBytes` was asked for (cut at that many bytes). */
  stdout?: string;
}

/**
 * How a run ended. `not_found` is a missing or non-executable `argv[0]`: retrying cannot fix it.
 * `timed_out` and `cancelled` mean the runner killed the process: its effects are unknown.
 */
export type RunResult =
  | (RunResultBase & { status: 'succeeded'; exitCode: 0 })
  | (RunResultBase & { status: 'failed'; exitCode?: number; signal?: string; error: string })
  | (RunResultBase & { status: 'timed_out'; error: string })
  | (RunResultBase & { status: 'cancelled'; error: string })
  | (RunResultBase & { status: 'not_found'; error: string });

export type RunStatus = RunResult['status'];

/** The one place processes are started. Never throws for a process that failed: see `RunResult`. */
export interface CommandRunner {
  run(request: RunRequest): Promise<RunResult>;
}
