// Paces the events one desktop socket sends. A person at a desktop changes state or
// acknowledges a pop a few times a minute, so the budget is far above what anyone can
// click: only a script or a stuck loop meets it. Two token buckets see every event: the
// budget decides whether this event is applied, and a bucket `floodFactor` times larger
// decides whether the socket is flooding and should be closed. Pure: the caller passes
// the time (a monotonic clock, in ms).

export interface EventRateLimitOptions {
  /** Events a second a socket may keep sending. Default 20. */
  perSecond: number;
  /** Events it may send at once after a quiet spell. Default 40. */
  burst: number;
  /** A socket sending more than this many times the budget (rate and burst) is closed. Default 10. */
  floodFactor: number;
}

export const DEFAULT_EVENT_RATE_LIMIT: Readonly<EventRateLimitOptions> = { perSecond: 20, burst: 40, floodFactor: 10 };

/** `refused`: answer with an error and apply nothing; `flooding`: close the socket. */
export type EventVerdict = 'allowed' | 'refused' | 'flooding';

export interface EventRateLimit {
  take(at: number): EventVerdict;
}

export function eventRateLimit(options: Partial<EventRateLimitOptions> = {}, startedAt = 0): EventRateLimit {
  const { perSecond, burst, floodFactor } = { ...DEFAULT_EVENT_RATE_LIMIT, ...options };
  if (!(perSecond > 0 && burst >= 1 && floodFactor >= 1)) {
    throw new RangeError(`event rate limit needs perSecond > 0, burst >= 1 and floodFactor >= 1, got ${perSecond}, ${burst}, ${floodFactor}`);
  }
  const budget = tokenBucket(perSecond, burst, startedAt);
  const flood = tokenBucket(perSecond * floodFactor, burst * floodFactor, startedAt);
  return {
    take(at) {
      // Both buckets are drawn on every event: refused events count towards a flood.
      const withinFlood = flood.take(at);
      const withinBudget = budget.take(at);
      if (!withinFlood) return 'flooding';
      return withinBudget ? 'allowed' : 'refused';
    },
  };
}

function tokenBucket(perSecond: number, capacity: number, startedAt: number) {
  let tokens = capacity;
  let last = startedAt;
  return {
    take(at: number): boolean {
      // A clock that went back refills nothing and restarts from there.
      tokens = Math.min(capacity, tokens + (Math.max(0, at - last) * perSecond) / 1000);
      last = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
