import { expect } from 'chai';
import { advisorExpectedWait, announceWait, poolExpectedWait } from '../../../server/domain/expected-wait.js';
import type { WaitEstimate } from '../../../server/domain/expected-wait.js';
import { MIN, NOW, presence } from './builders.js';

const settings = { minSamples: 5, minShareLonger: 0.1, wrapUpMs: 30_000 };
/** Ten recent calls of 1..10 minutes. */
const handleTimes = Array.from({ length: 10 }, (_, i) => (i + 1) * MIN);
const known = (e: WaitEstimate) => {
  if (!e.known) throw new Error(`expected an estimate, got ${e.reason}: ${e.explanation}`);
  return e;
};

describe('domain/expected-wait: when will this advisor be free', () => {
  it('is zero for an available advisor', () => {
    expect(known(advisorExpectedWait({ presence: presence.available(1), recentHandleTimesMs: [], now: NOW }, settings)).ms).to.equal(0);
  });

  it('conditions on the age of the current call: median of longer calls minus elapsed, plus wrap-up', () => {
    // Call 2 min old: longer calls are 3..10 min, median 6.5 min -> 4.5 min left + 30 s wrap-up.
    const e = known(advisorExpectedWait({ presence: presence.onCall(1, NOW - 2 * MIN), recentHandleTimesMs: handleTimes, now: NOW }, settings));
    expect(e.ms).to.equal(4.5 * MIN + 30_000);
    expect(e.method).to.equal('conditional-median');
    expect(e.confidence).to.equal('low');
  });

  it('estimates a full call for a ringing advisor', () => {
    const e = known(advisorExpectedWait({ presence: presence.ringing(1), recentHandleTimesMs: handleTimes, now: NOW }, settings));
    expect(e.ms).to.equal(5.5 * MIN + 30_000);
  });

  it('gains confidence with more samples', () => {
    const many = Array.from({ length: 40 }, (_, i) => (i % 10 + 1) * MIN);
    const e = known(advisorExpectedWait({ presence: presence.onCall(1, NOW), recentHandleTimesMs: many, now: NOW }, settings));
    expect(e.confidence).to.equal('high');
  });

  it('uses the exact remaining wrap-up', () => {
    const e = known(advisorExpectedWait({ presence: presence.wrapUp(1, NOW + 20_000), recentHandleTimesMs: [], now: NOW }, settings));
    expect(e).to.include({ ms: 20_000, confidence: 'high' });
  });

  const cannotSay: [string, Parameters<typeof advisorExpectedWait>[0], string][] = [
    ['fewer samples than the minimum', { presence: presence.onCall(1), recentHandleTimesMs: handleTimes.slice(0, 4), now: NOW }, 'too-few-samples'],
    ['a call already longer than nearly all recent calls', { presence: presence.onCall(1, NOW - 9.5 * MIN), recentHandleTimesMs: handleTimes, now: NOW }, 'past-typical'],
    ['a call with unknown start', { presence: presence.onCall(1, null), recentHandleTimesMs: handleTimes, now: NOW }, 'call-start-unknown'],
    ['a not-ready advisor', { presence: presence.notReady(1), recentHandleTimesMs: handleTimes, now: NOW }, 'not-ready'],
    ['an open-ended wrap-up', { presence: presence.wrapUp(1, null), recentHandleTimesMs: handleTimes, now: NOW }, 'open-ended-wrap-up'],
    ['an absent advisor', { presence: presence.loggedOut(1), recentHandleTimesMs: handleTimes, now: NOW }, 'absent'],
    ['garbage durations only', { presence: presence.onCall(1), recentHandleTimesMs: [NaN, -1, 0, Infinity, NaN], now: NOW }, 'too-few-samples'],
  ];
  for (const [name, input, reason] of cannotSay) {
    it(`cannot say for ${name}`, () => {
      const e = advisorExpectedWait(input, settings);
      expect(e.known).to.equal(false);
      expect(e).to.include({ reason });
    });
  }
});

describe('domain/expected-wait: the pool (queue-position estimate)', () => {
  it('is zero when a free eligible advisor outnumbers the callers ahead', () => {
    expect(known(poolExpectedWait({ callersAhead: 1, staffedAgents: 4, freeAgents: 2, averageHandleMs: 4 * MIN })).ms).to.equal(0);
  });
  it('is position x AHT / agents when all are busy', () => {
    // 3 ahead, this caller is 4th, 2 agents, AHT 4 min -> 8 min.
    const e = known(poolExpectedWait({ callersAhead: 3, staffedAgents: 2, freeAgents: 0, averageHandleMs: 4 * MIN }));
    expect(e).to.include({ ms: 8 * MIN, method: 'queue-position', confidence: 'low' });
  });
  it('cannot say with nobody logged in, or without a handle time', () => {
    expect(poolExpectedWait({ callersAhead: 0, staffedAgents: 0, freeAgents: 0, averageHandleMs: MIN })).to.include({ known: false, reason: 'no-agents' });
    expect(poolExpectedWait({ callersAhead: 2, staffedAgents: 3, freeAgents: 0, averageHandleMs: null })).to.include({ known: false, reason: 'no-handle-time' });
  });
});

describe('domain/expected-wait: what a prompt may announce', () => {
  const est = (ms: number): WaitEstimate => ({ known: true, ms, confidence: 'medium', method: 'x', explanation: '' });
  const table: [number, number, string][] = [
    [0, 1, 'about 1 minute'],
    [20_000, 1, 'about 1 minute'],
    [61_000, 2, 'about 2 minutes'],
    [10 * MIN, 10, 'about 10 minutes'],
    [10 * MIN + 1, 15, 'about 15 minutes'],
    [21 * MIN, 25, 'about 25 minutes'],
    [61 * MIN, 60, 'more than an hour'],
  ];
  for (const [ms, minutes, text] of table) {
    it(`${ms} ms -> "${text}"`, () => {
      expect(announceWait(est(ms))).to.deep.equal({ sayable: true, minutes, text });
    });
  }
  it('says "cannot say" and gives no number when unknown', () => {
    expect(announceWait({ known: false, reason: 'past-typical', explanation: '' })).to.deep.equal({ sayable: false, minutes: null, text: 'cannot say' });
  });
});
