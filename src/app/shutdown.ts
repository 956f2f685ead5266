/**
 * What SIGTERM and SIGINT do to a running bot. The first: stop cleanly (take no new job, start
 * no new step, let the running step finish within the grace period, journal, exit 0), bounded in
 * time even when Redis is unreachable and every command would wait for it. A second signal exits
 * at once: an operator pressing Ctrl-C twice, or Kubernetes after its own grace period, means it.
 */
import type { Logger } from 'pino';

export interface ShutdownOptions {
  stop(): Promise<void>;
  logger: Logger;
  /** After this long, the first signal's stop gives up and the process exits 1. */
  boundMs: number;
}

/** Margin past the step grace period for the journal writes, the queue and Slack to close. */
export const STOP_MARGIN_MS = 5_000;

export function installShutdown(options: ShutdownOptions): void {
  const exit = (code: number) => process.exit(code);
  const { logger } = options;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now, without waiting for the running step');
      exit(130);
      return;
    }
    stopping = true;
    logger.info(
      { signal, boundMs: options.boundMs },
      'stopping: no new jobs or steps; the running step may finish',
    );
    const bound = setTimeout(() => {
      logger.error(
        { boundMs: options.boundMs },
        'could not stop cleanly in time (is Redis reachable?): exiting',
      );
      exit(1);
    }, options.boundMs);
    bound.unref();
    options.stop().then(
      () => {
        clearTimeout(bound);
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(bound);
        logger.error({ err: error }, 'unclean stop');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
