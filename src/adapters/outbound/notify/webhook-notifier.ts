/**
 * Outbound signals (ROLLBACK_STARTED, …) to the `notify` targets of an environment: JSON bodies
 * signed like our own deploy webhook (`X-Signature-256: sha256=<hex HMAC-SHA256 of the body>`),
 * retried a few times with backoff. The outbox drain calls `deliver` and keeps what did not get
 * through for a later try; a slow or broken receiver never holds up a rollback.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { NotifyTarget } from '../../../catalog/types.js';

/** The JSON body every target receives. */
export interface SignalPayload {
  /** ROLLBACK_STARTED, ROLLBACK_COMPLETE, ROLLBACK_FAILED, ROLLBACK_UNVERIFIED, MANUAL_INTERVENTION_REQUIRED. */
  signal: string;
  incidentId: string;
  service: string;
  environment: string;
  /** The incident's state after the change. */
  state: string;
  /** ISO 8601 time of the timeline event behind the signal. */
  at: string;
  fromVersion?: string;
  toVersion?: string;
  /** The timeline event itself (attempt, error, why…). */
  event: unknown;
}

/** Sends signals outward (the outbox drain calls it and keeps what did not get through). */
export interface Notifier {
  /**
   * Delivers to every target (with retries) and says whether the signal is done with: true when
   * every target took it or refused it for good (4xx, missing secret), false when one may take it
   * on a later try (5xx, timeouts, unreachable).
   */
  deliver(targets: readonly NotifyTarget[], payload: SignalPayload): Promise<boolean>;
}

/** Settings of a {@link WebhookNotifier}. */
export interface WebhookNotifierOptions {
  /** Where `secretEnv` names are looked up (main.ts passes process.env). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Tries per target, the first included. Default 4. */
  attempts?: number;
  /** Delay before the second try, doubling after. Default 500 ms. */
  retryDelayMs?: number;
  /** Per-request timeout. Default 5 s. */
  timeoutMs?: number;
}

/** The header value for `body` signed with `secret`. */
export function signatureFor(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Names of `secretEnv` variables that targets need but the environment lacks (checked at start). */
export function missingNotifySecrets(
  targets: readonly NotifyTarget[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const names = targets.flatMap((t) => (t.secretEnv && !env[t.secretEnv] ? [t.secretEnv] : []));
  return [...new Set(names)];
}

/**
 * How a target appears in logs: its origin only. Webhook URLs often carry their secret in the
 * path or the query (`https://hooks.slack.com/services/T…/B…/<secret>`), and logs travel further.
 */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

export class WebhookNotifier implements Notifier {
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookNotifierOptions) {
    this.attempts = Math.max(1, options.attempts ?? 4);
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async deliver(targets: readonly NotifyTarget[], payload: SignalPayload): Promise<boolean> {
    const done = await Promise.all(targets.map((target) => this.deliverOne(target, payload)));
    return done.every(Boolean);
  }

  /** True when done with (taken, or refused for good); false when a later try may succeed. */
  private async deliverOne(target: NotifyTarget, payload: SignalPayload): Promise<boolean> {
    const where = originOf(target.url);
    const log = this.options.logger.child({
      target: where,
      signal: payload.signal,
      incidentId: payload.incidentId,
    });
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.secretEnv) {
      const secret = this.options.env[target.secretEnv];
      // An unsigned delivery to a receiver that expects a signature would be refused anyway, and
      // one that does not check would be told something nobody vouched for.
      if (!secret) {
        log.error(`notify target not sent: ${target.secretEnv} is not set`);
        return true;
      }
      headers['x-signature-256'] = signatureFor(body, secret);
    }
    let lastError = '';
    let retryable = true;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await response.body?.cancel().catch(() => undefined);
        if (response.ok) return true;
        lastError = `HTTP ${response.status}`;
        // A 4xx other than 408/429 will not change on a retry.
        if (response.status < 500 && response.status !== 408 && response.status !== 429) {
          retryable = false;
          break;
        }
      } catch (error) {
        lastError = (error instanceof Error ? error.message : String(error)).replaceAll(target.url, where);
      }
      if (attempt < this.attempts) {
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * 2 ** (attempt - 1)));
      }
    }
    log.warn({ error: lastError, willRetry: retryable }, 'notify target did not take the signal');
    return !retryable;
  }
}
