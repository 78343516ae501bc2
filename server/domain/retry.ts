// What happens to a callback after a dial attempt. Nothing expires silently: when the
// attempts run out the callback is `failed` and stays visible until a person decides.
import type { CallbackState } from './model.js';

export const DIAL_RESULTS = ['answered', 'busy', 'no-answer', 'failed', 'declined'] as const;
export type DialResult = (typeof DIAL_RESULTS)[number];

export interface RetrySettings {
  /** Wait after the first unsuccessful attempt; doubles after each further one. */
  retryBackoffMs: number;
  /** Upper bound of one wait. */
  maxBackoffMs: number;
}

export const DEFAULT_MAX_BACKOFF_MS = 4 * 3_600_000;

export interface AttemptOutcome {
  result: DialResult;
  /** Attempts made so far, including the one that just ended. */
  attempts: number;
  maxAttempts: number;
  now: number;
}

export type RetryDecision =
  | { kind: 'completed'; state: Extract<CallbackState, 'completed'>; explanation: string }
  | { kind: 'cancelled'; state: Extract<CallbackState, 'cancelled'>; reason: 'member-declined'; explanation: string }
  | { kind: 'failed'; state: Extract<CallbackState, 'failed'>; reason: 'attempts-exhausted'; explanation: string }
  | { kind: 'retry'; state: Extract<CallbackState, 'pending'>; dueAt: number; backoffMs: number; explanation: string };

export function nextAfterAttempt(outcome: AttemptOutcome, settings: RetrySettings): RetryDecision {
  const { result, attempts, maxAttempts, now } = outcome;
  if (result === 'answered') return { kind: 'completed', state: 'completed', explanation: 'member answered' };
  if (result === 'declined') {
    return { kind: 'cancelled', state: 'cancelled', reason: 'member-declined', explanation: 'member declined the callback; no retry' };
  }
  if (attempts >= maxAttempts) {
    return {
      kind: 'failed',
      state: 'failed',
      reason: 'attempts-exhausted',
      explanation: `${result} on attempt ${attempts} of ${maxAttempts}: attempts exhausted, left for a supervisor to decide`,
    };
  }
  const exponent = Math.max(0, attempts - 1);
  const backoffMs = Math.min(settings.maxBackoffMs, settings.retryBackoffMs * 2 ** exponent);
  return {
    kind: 'retry',
    state: 'pending',
    dueAt: now + backoffMs,
    backoffMs,
    explanation: `${result} on attempt ${attempts} of ${maxAttempts}: retry in ${Math.round(backoffMs / 60_000)} min`,
  };
}
