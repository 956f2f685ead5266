import { backoffDelayMs, decideRetry, isRetryable } from '../../../src/domain/retry.js';

describe('retry', () => {
  const policy = { maxAttempts: 4, retryDelayMs: 5000 };

  it('waits retryDelay before the first retry and doubles after', () => {
    expect([1, 2, 3].map((attempt) => backoffDelayMs(attempt, policy))).toEqual([5000, 10_000, 20_000]);
    expect(backoffDelayMs(5, { retryDelayMs: 5000, maxDelayMs: 30_000 })).toBe(30_000);
    expect(() => backoffDelayMs(0, policy)).toThrow('attempt must be an integer of at least 1, got 0');
  });

  it('retries step failures, timeouts and shutdowns until maxAttempts', () => {
    expect(decideRetry({ attempt: 1, kind: 'step_failed', policy })).toEqual({
      retry: true,
      nextAttempt: 2,
      delayMs: 5000,
    });
    expect(decideRetry({ attempt: 2, kind: 'step_timed_out', policy })).toEqual({
      retry: true,
      nextAttempt: 3,
      delayMs: 10_000,
    });
    expect(decideRetry({ attempt: 4, kind: 'step_failed', policy })).toEqual({
      retry: false,
      why: 'attempt 4 of 4 failed; no attempts left',
    });
  });

  it('never retries what another attempt cannot fix', () => {
    for (const kind of [
      'not_found',
      'bad_plan',
      'budget_exhausted',
      'interrupted_unsafe',
      'fenced_out',
    ] as const) {
      expect(isRetryable(kind)).toBe(false);
      expect(decideRetry({ attempt: 1, kind, policy })).toEqual({
        retry: false,
        why: `${kind.replace(/_/g, ' ')} is not retryable`,
      });
    }
  });

  it('does not schedule a retry that would start after the time budget ends', () => {
    expect(decideRetry({ attempt: 2, kind: 'step_failed', policy, remainingBudgetMs: 8000 })).toEqual({
      retry: false,
      why: 'the next attempt would start after 10000ms but only 8000ms of the time budget remain',
    });
  });
});
