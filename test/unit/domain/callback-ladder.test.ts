import { expect } from 'chai';
import { callbackEligibilityFor, callbackLadder, ladderStartFor, ladderStartOnCallNow } from '../../../server/domain/callback-ladder.js';
import type { LadderSettings, TeamView } from '../../../server/domain/callback-ladder.js';
import { DEFAULT_TIER_RULES } from '../../../server/domain/tiers.js';
import type { AdvisorPresence } from '../../../server/domain/model.js';
import { HOUR, MIN, NOW, advisor, callback, presence } from './builders.js';

const settings: LadderSettings = { ownerWindowMs: 2 * HOUR, delegateWindowMs: HOUR, tierRules: DEFAULT_TIER_RULES };
/** Owner 1 with delegates 2 and 3; 4 is a pool advisor. Everyone logged in unless overridden. */
function team(over: Record<number, AdvisorPresence | undefined> = {}): TeamView {
  const presences = new Map<number, AdvisorPresence>();
  for (const id of [1, 2, 3, 4]) {
    const p = id in over ? over[id] : presence.available(id);
    if (p) presences.set(id, p);
  }
  return { delegatesOf: new Map([[1, [2, 3]]]), presences };
}
const createdAgo = (ms: number) => callback({ createdAt: new Date(NOW - ms).toISOString() });

describe('domain/callback-ladder: who may take a callback, and since when', () => {
  const stages: [string, ReturnType<typeof callback>, TeamView, string, number[] | null][] = [
    ['inside the owner window', createdAgo(30 * MIN), team(), 'owner', [1]],
    ['after the owner window', createdAgo(2 * HOUR + MIN), team(), 'delegates', [1, 2, 3]],
    ['after both windows', createdAgo(3 * HOUR + MIN), team(), 'pool', null],
    ['owner absent: delegates at once', createdAgo(MIN), team({ 1: presence.loggedOut(1) }), 'delegates', [1, 2, 3]],
    ['owner who left (no presence): delegates at once', createdAgo(MIN), team({ 1: undefined }), 'delegates', [1, 2, 3]],
    ['owner and delegates absent: pool at once', createdAgo(MIN), team({ 1: undefined, 2: undefined, 3: presence.markedAbsent(3) }), 'pool', null],
    ['owner busy still holds the window', createdAgo(MIN), team({ 1: presence.onCall(1) }), 'owner', [1]],
    ['supervisor assignment', callback({ assignedAdvisorId: 4 }), team(), 'assigned', [4]],
    ['no preferred advisor', callback({ preferredAdvisorId: null }), team(), 'pool', null],
  ];
  for (const [name, cb, t, stage, ids] of stages) {
    it(`${name} -> ${stage}`, () => {
      const ladder = callbackLadder(cb, 'regular', t, NOW, settings);
      expect(ladder.stage).to.equal(stage);
      expect(ladder.advisorIds).to.deep.equal(ids);
    });
  }

  it('measures windows from creation, so a later-created callback for an old call gives its owner a full window', () => {
    const created = NOW - 10 * MIN;
    const cb = callback({
      firstCallAt: new Date(NOW - 5 * HOUR).toISOString(),
      createdAt: new Date(created).toISOString(),
      dueAt: new Date(created).toISOString(),
      ladderFrom: new Date(ladderStartFor(created, created)).toISOString(),
    });
    const ladder = callbackLadder(cb, 'regular', team(), NOW, settings);
    expect(ladder).to.include({ stage: 'owner', nextStageAt: NOW - 10 * MIN + 2 * HOUR });
  });

  describe('a callback the member asked for at 09:00 "after 15:00"', () => {
    // Shanghai times on the builders' day (UTC+8).
    const at = (hhmm: string, day = '2026-03-02') => Date.parse(`${day}T${hhmm}:00+08:00`);
    const isoOf = (ms: number) => new Date(ms).toISOString();
    const booked = callback({
      createdAt: isoOf(at('09:00')),
      firstCallAt: isoOf(at('09:00')),
      dueAt: isoOf(at('15:00')),
      ladderFrom: isoOf(ladderStartFor(at('15:00'), at('09:00'))),
    });
    const stageAt = (cb: ReturnType<typeof callback>, when: number) => {
      const { stage, nextStageAt } = callbackLadder(cb, 'regular', team(), when, settings);
      return { stage, nextStageAt };
    };

    it('is its owner\u2019s alone from 15:00 until 17:00, then also the delegates\u2019 until 18:00, then the pool\u2019s', () => {
      expect(stageAt(booked, at('15:00'))).to.deep.equal({ stage: 'owner', nextStageAt: at('17:00') });
      expect(stageAt(booked, at('16:59'))).to.deep.equal({ stage: 'owner', nextStageAt: at('17:00') });
      expect(stageAt(booked, at('17:00'))).to.deep.equal({ stage: 'delegates', nextStageAt: at('18:00') });
      expect(stageAt(booked, at('18:00'))).to.deep.equal({ stage: 'pool', nextStageAt: null });
      expect(callbackEligibilityFor(advisor(4), booked, 'regular', team(), at('15:00'), settings)).to.include({ eligible: false, eligibleFrom: at('18:00') });
    });

    it('a dialer retry moves the due time only: the owner\u2019s window does not open again', () => {
      // Rung at 16:40 without an answer; the backoff makes it due at 17:10.
      const retried = { ...booked, dueAt: isoOf(at('17:10')), attempts: 1 };
      expect(stageAt(retried, at('17:10'))).to.deep.equal({ stage: 'delegates', nextStageAt: at('18:00') });
      expect(stageAt(retried, at('18:00')).stage).to.equal('pool');
    });

    it('a reschedule starts the ladder again at the new time (or now, if that time has passed)', () => {
      const tomorrow = at('10:00', '2026-03-03');
      const moved = { ...booked, dueAt: isoOf(tomorrow), ladderFrom: isoOf(ladderStartFor(tomorrow, at('18:30'))) };
      expect(stageAt(moved, tomorrow)).to.deep.equal({ stage: 'owner', nextStageAt: at('12:00', '2026-03-03') });
      const backdated = { ...booked, dueAt: isoOf(at('08:00')), ladderFrom: isoOf(ladderStartFor(at('08:00'), at('18:30'))) };
      expect(stageAt(backdated, at('18:30'))).to.deep.equal({ stage: 'owner', nextStageAt: at('20:30') });
    });

    it('"call now" opens a ladder not started yet, and never hands a running one back to its owner alone', () => {
      expect(ladderStartOnCallNow(at('15:00'), at('10:00'))).to.equal(at('10:00'));
      expect(ladderStartOnCallNow(at('15:00'), at('18:30'))).to.equal(at('15:00'));
      expect(ladderStartOnCallNow(Number.NaN, at('18:30'))).to.equal(at('18:30'));
    });
  });

  describe('for one advisor', () => {
    const owner = advisor(1, { tier: 'senior' });
    const delegate = advisor(2);
    const pool = advisor(4);
    const seniorPool = advisor(5, { tier: 'senior' });

    it('the owner takes it as own-advisor', () => {
      expect(callbackEligibilityFor(owner, createdAgo(MIN), 'gold', team(), NOW, settings)).to.include({ eligible: true, reason: 'own-advisor', stage: 'owner' });
    });
    it('a delegate waits for the owner window, then takes it as delegate', () => {
      expect(callbackEligibilityFor(delegate, createdAgo(MIN), 'regular', team(), NOW, settings)).to.include({
        eligible: false,
        why: 'owner-window',
        eligibleFrom: NOW - MIN + 2 * HOUR,
      });
      expect(callbackEligibilityFor(delegate, createdAgo(2 * HOUR), 'regular', team(), NOW, settings)).to.include({ eligible: true, reason: 'delegate' });
    });
    it('a pool advisor waits for both windows, then takes it as pool if the tier fits', () => {
      expect(callbackEligibilityFor(pool, createdAgo(MIN), 'regular', team(), NOW, settings)).to.include({
        eligible: false,
        why: 'owner-window',
        eligibleFrom: NOW - MIN + 3 * HOUR,
      });
      expect(callbackEligibilityFor(pool, createdAgo(2 * HOUR + MIN), 'regular', team(), NOW, settings)).to.include({ why: 'delegate-window' });
      expect(callbackEligibilityFor(pool, createdAgo(3 * HOUR), 'regular', team(), NOW, settings)).to.include({ eligible: true, reason: 'pool' });
    });
    it('a pool advisor below the member tier never gets it', () => {
      expect(callbackEligibilityFor(pool, createdAgo(4 * HOUR), 'gold', team(), NOW, settings)).to.include({ eligible: false, why: 'tier', eligibleFrom: null });
      expect(callbackEligibilityFor(seniorPool, createdAgo(4 * HOUR), 'gold', team(), NOW, settings)).to.include({ eligible: true });
    });
    it('a named delegate keeps it in the pool stage even below the member tier', () => {
      expect(callbackEligibilityFor(delegate, createdAgo(4 * HOUR), 'gold', team(), NOW, settings)).to.include({ eligible: true, reason: 'delegate' });
    });
    it('a supervisor assignment excludes even the owner', () => {
      const cb = callback({ assignedAdvisorId: 4 });
      expect(callbackEligibilityFor(owner, cb, 'regular', team(), NOW, settings)).to.include({ eligible: false, why: 'assigned-to-other' });
      expect(callbackEligibilityFor(pool, cb, 'regular', team(), NOW, settings)).to.include({ eligible: true, stage: 'assigned' });
    });
  });
});
