import { expect } from 'chai';
import { DEFAULT_EVENT_RATE_LIMIT, eventRateLimit, type EventVerdict } from '../../../server/desktop/event-rate-limit.js';

/** Verdicts for `count` events sent at the same instant. */
function burst(limit: ReturnType<typeof eventRateLimit>, at: number, count: number): EventVerdict[] {
  return Array.from({ length: count }, () => limit.take(at));
}

const tally = (verdicts: EventVerdict[]) =>
  verdicts.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});

describe('desktop event rate limit (token buckets, clock passed in)', () => {
  it('defaults to 20 events a second, bursts of 40, and a flood at 10 times that', () => {
    expect(DEFAULT_EVENT_RATE_LIMIT).to.deep.equal({ perSecond: 20, burst: 40, floodFactor: 10 });
  });

  it('allows a burst of 40 at once, refuses the 41st, and allows one more every 50 ms after', () => {
    const limit = eventRateLimit({}, 0);
    expect(tally(burst(limit, 0, 41))).to.deep.equal({ allowed: 40, refused: 1 });
    expect(limit.take(49)).to.equal('refused');
    expect(limit.take(50)).to.equal('allowed');
    expect(limit.take(50)).to.equal('refused');
    expect(limit.take(100)).to.equal('allowed');
  });

  it('a desktop sending 20 a second for ten minutes is never refused', () => {
    const limit = eventRateLimit({}, 0);
    const verdicts = Array.from({ length: 20 * 600 }, (_, i) => limit.take(i * 50));
    expect(tally(verdicts)).to.deep.equal({ allowed: 12_000 });
  });

  it('refills up to the burst only: a long quiet spell does not bank more than 40', () => {
    const limit = eventRateLimit({}, 0);
    burst(limit, 0, 40);
    expect(tally(burst(limit, 3_600_000, 45))).to.deep.equal({ allowed: 40, refused: 5 });
  });

  it('a socket sending just over the budget is refused the excess but never called flooding', () => {
    const limit = eventRateLimit({}, 0);
    // 40 a second for a minute: twice the budget, a fifth of a flood.
    const verdicts = Array.from({ length: 40 * 60 }, (_, i) => limit.take(i * 25));
    const counts = tally(verdicts);
    expect(counts.flooding).to.equal(undefined);
    expect(counts.allowed).to.be.within(20 * 60, 20 * 60 + 40);
    expect(counts.refused).to.be.greaterThan(0);
  });

  it('calls it flooding once more than 10 times the burst arrives at once (refused events count too)', () => {
    const limit = eventRateLimit({}, 0);
    const verdicts = burst(limit, 0, 401);
    expect(tally(verdicts.slice(0, 400))).to.deep.equal({ allowed: 40, refused: 360 });
    expect(verdicts[400]).to.equal('flooding');
  });

  it('calls it flooding when 10 times the rate is kept up beyond the flood burst', () => {
    const limit = eventRateLimit({}, 0);
    // 300 a second: 100 a second over the flood rate of 200, so the flood burst of 400 lasts about 4 s.
    let firstFlood = -1;
    for (let i = 0; i < 300 * 10 && firstFlood < 0; i++) {
      const at = (i * 1000) / 300;
      if (limit.take(at) === 'flooding') firstFlood = at;
    }
    expect(firstFlood).to.be.within(3_500, 4_500);
  });

  it('takes its own numbers, and refuses nonsense ones', () => {
    const limit = eventRateLimit({ perSecond: 1, burst: 2, floodFactor: 2 }, 0);
    expect(burst(limit, 0, 5)).to.deep.equal(['allowed', 'allowed', 'refused', 'refused', 'flooding']);
    expect(() => eventRateLimit({ perSecond: 0 })).to.throw(RangeError);
    expect(() => eventRateLimit({ burst: 0.5 })).to.throw(RangeError);
    expect(() => eventRateLimit({ floodFactor: Number.NaN })).to.throw(RangeError);
  });

  it('a clock that goes back refills nothing and paces from there', () => {
    const limit = eventRateLimit({}, 10_000);
    burst(limit, 10_000, 40);
    expect(limit.take(5_000)).to.equal('refused');
    expect(limit.take(5_049)).to.equal('refused');
    expect(limit.take(5_050)).to.equal('allowed');
  });
});
