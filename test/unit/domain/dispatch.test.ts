import { expect } from 'chai';
import { maxConcurrentCallbackDials, pickForAdvisor } from '../../../server/domain/dispatch.js';
import type { CallbackCandidate, DispatchSettings, LiveCaller } from '../../../server/domain/dispatch.js';
import type { TeamView } from '../../../server/domain/callback-ladder.js';
import type { PacingDecision } from '../../../server/domain/pacing.js';
import { DEFAULT_TIER_RULES } from '../../../server/domain/tiers.js';
import type { Callback } from '../../../server/domain/model.js';
import { HOUR, MIN, NOW, advisor, callback, presence } from './builders.js';

const settings: DispatchSettings = { ownerWindowMs: 2 * HOUR, delegateWindowMs: HOUR, tierRules: DEFAULT_TIER_RULES, priorityBoostMs: 15 * MIN };
const team: TeamView = { delegatesOf: new Map([[1, [2]]]), presences: new Map([1, 2, 3].map((id) => [id, presence.available(id)])) };
const allowed: PacingDecision = { allowed: true, overridden: [], override: null, explanation: 'ok' };
const iso = (ms: number) => new Date(ms).toISOString();
const owner = advisor(1);
const other = advisor(3);

function cand(over: Partial<Callback>, pacing: PacingDecision = allowed): CallbackCandidate {
  return { callback: callback(over), memberLevel: 'regular', pacing };
}
function live(callId: string, firstCallAt: number, over: Partial<LiveCaller> = {}): LiveCaller {
  return { callId, firstCallAt, memberLevel: 'regular', waitingFor: { kind: 'pool' }, triedAdvisorIds: [], ...over };
}
const pick = (a = owner, candidates: CallbackCandidate[] = [], callers: LiveCaller[] = []) =>
  pickForAdvisor(a, presence.available(a.id), candidates, callers, NOW, settings, team);

describe('domain/dispatch: what a free advisor takes next', () => {
  it('dials the owner\'s own due callback (own-advisor)', () => {
    expect(pick(owner, [cand({ id: 5 })])).to.include({ kind: 'dial-callback', callbackId: 5, reason: 'own-advisor', assigned: false });
  });

  it('serves work oldest first-call first: callbacks and live callers share one line', () => {
    const candidates = [cand({ id: 5, firstCallAt: iso(NOW - 10 * MIN) }), cand({ id: 6, firstCallAt: iso(NOW - 20 * MIN) })];
    expect(pick(owner, candidates, [live('c1', NOW - 15 * MIN)])).to.include({ callbackId: 6 });
    expect(pick(owner, candidates, [live('c1', NOW - 25 * MIN)])).to.include({ kind: 'serve-live-caller', callId: 'c1' });
  });

  it('puts a live caller before a callback with the very same first-call time', () => {
    expect(pick(owner, [cand({ id: 5, firstCallAt: iso(NOW - 10 * MIN) })], [live('c1', NOW - 10 * MIN)]).kind).to.equal('serve-live-caller');
  });

  it('boosts a prioritised callback by priority x boost', () => {
    const candidates = [cand({ id: 5, firstCallAt: iso(NOW - 20 * MIN) }), cand({ id: 6, firstCallAt: iso(NOW - 10 * MIN), priority: 1 })];
    expect(pick(owner, candidates)).to.include({ callbackId: 6 });
  });

  it('skips callbacks not due, held by pacing or not pending, and says when to look again', () => {
    const paced: PacingDecision = { allowed: false, reason: 'quiet-hours', blockedBy: ['quiet-hours'], notBefore: NOW + 2 * HOUR, explanation: '' };
    const d = pick(owner, [cand({ id: 5, dueAt: iso(NOW + HOUR) }), cand({ id: 6 }, paced), cand({ id: 7, state: 'dialing' })]);
    expect(d).to.include({ kind: 'nothing', reason: 'no-eligible-work', nextCheckAt: NOW + HOUR });
    expect(d.explanation).to.contain('1 not due, 1 held by pacing');
  });

  it('keeps other advisors off a callback during the owner window, with the time it opens', () => {
    const d = pick(other, [cand({ id: 5, createdAt: iso(NOW - 10 * MIN) })]);
    expect(d).to.include({ kind: 'nothing', nextCheckAt: NOW - 10 * MIN + 3 * HOUR });
  });

  it('gives the delegate the callback after the owner window (delegate)', () => {
    expect(pick(advisor(2), [cand({ id: 5, createdAt: iso(NOW - 2 * HOUR - MIN) })])).to.include({ reason: 'delegate', callbackId: 5 });
  });

  it('honours a supervisor assignment', () => {
    expect(pick(other, [cand({ id: 5, assignedAdvisorId: 3 })])).to.include({ kind: 'dial-callback', assigned: true, reason: 'pool' });
  });

  it('serves a live caller waiting for their owner only to that owner, and never re-offers a tried advisor', () => {
    const waiting = live('c1', NOW - 5 * MIN, { waitingFor: { kind: 'owner', advisorId: 1 } });
    expect(pick(other, [], [waiting]).kind).to.equal('nothing');
    expect(pick(owner, [], [waiting]).kind).to.equal('serve-live-caller');
    expect(pick(other, [], [live('c2', NOW, { triedAdvisorIds: [3] })]).kind).to.equal('nothing');
  });

  it('keeps a live gold caller from a standard advisor', () => {
    expect(pick(other, [], [live('c1', NOW, { memberLevel: 'gold' })]).kind).to.equal('nothing');
  });

  it('gives nothing to an advisor who is not available', () => {
    const d = pickForAdvisor(owner, presence.onCall(1), [cand({ id: 5 })], [], NOW, settings, team);
    expect(d).to.include({ kind: 'nothing', reason: 'advisor-not-available' });
    expect(d.explanation).to.contain('on a call');
  });
});

describe('domain/dispatch: concurrent callback dials', () => {
  const table: [number, number, number][] = [
    [3, 0, 3],
    [3, 2, 1],
    [2, 3, 0],
    [0, 0, 0],
    [NaN, 1, 0],
    [-2, -1, 0],
  ];
  for (const [free, inProgress, allowedDials] of table) {
    it(`${free} free advisors, ${inProgress} dials in progress -> ${allowedDials} more`, () => {
      expect(maxConcurrentCallbackDials(free, inProgress)).to.equal(allowedDials);
    });
  }
});
