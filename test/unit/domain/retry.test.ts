import { expect } from 'chai';
import { nextAfterAttempt } from '../../../server/domain/retry.js';
import type { DialResult } from '../../../server/domain/retry.js';
import { HOUR, MIN, NOW } from './builders.js';

const settings = { retryBackoffMs: 15 * MIN, maxBackoffMs: HOUR };

describe('domain/retry: what happens after a callback dial attempt', () => {
  it('completes when the member answers', () => {
    expect(nextAfterAttempt({ result: 'answered', attempts: 1, maxAttempts: 3, now: NOW }, settings)).to.include({ kind: 'completed', state: 'completed' });
  });
  it('cancels without retry when the member declines, even with attempts left', () => {
    expect(nextAfterAttempt({ result: 'declined', attempts: 1, maxAttempts: 5, now: NOW }, settings)).to.include({
      kind: 'cancelled',
      state: 'cancelled',
      reason: 'member-declined',
    });
  });
  const backoff: [DialResult, number, number][] = [
    ['no-answer', 1, 15 * MIN],
    ['busy', 2, 30 * MIN],
    ['failed', 3, HOUR],
    ['no-answer', 4, HOUR],
  ];
  for (const [result, attempts, wait] of backoff) {
    it(`${result} on attempt ${attempts} retries after ${wait / MIN} min (exponential, capped)`, () => {
      expect(nextAfterAttempt({ result, attempts, maxAttempts: 10, now: NOW }, settings)).to.include({
        kind: 'retry',
        state: 'pending',
        dueAt: NOW + wait,
        backoffMs: wait,
      });
    });
  }
  it('fails visibly when attempts are exhausted, never expiring silently', () => {
    const d = nextAfterAttempt({ result: 'no-answer', attempts: 3, maxAttempts: 3, now: NOW }, settings);
    expect(d).to.include({ kind: 'failed', state: 'failed', reason: 'attempts-exhausted' });
    expect(d.explanation).to.contain('supervisor');
  });
});
