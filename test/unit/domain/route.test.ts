import { expect } from 'chai';
import { route } from '../../../server/domain/route.js';
import type { RouteDecision } from '../../../server/domain/route.js';
import type { WaitEstimate } from '../../../server/domain/expected-wait.js';
import { MIN, NOW, advisor, member, presence, routeSettings, snapshot } from './builders.js';

const ownerWait: WaitEstimate = { known: true, ms: 90_000, confidence: 'medium', method: 'conditional-median', explanation: '' };
const longPool: WaitEstimate = { known: true, ms: 5 * MIN, confidence: 'medium', method: 'queue-position', explanation: '' };

function expectKind<K extends RouteDecision['kind']>(d: RouteDecision, kind: K): Extract<RouteDecision, { kind: K }> {
  expect(d.kind, d.explanation).to.equal(kind);
  return d as Extract<RouteDecision, { kind: K }>;
}

describe('domain/route: where a live call goes', () => {
  describe('owner', () => {
    it('rings the owner when ready and idle (own-advisor)', () => {
      const d = expectKind(route(snapshot()), 'ring-advisor');
      expect(d).to.include({ advisorId: 1, reason: 'own-advisor', ringTimeoutMs: 20_000, standIn: null });
      expect(d.explanation).to.equal('owner Alice available, ringing');
    });

    it('offers wait/callback/next naming the busy owner, with their own expected wait and the default', () => {
      const s = snapshot({ expectedWaits: { byAdvisor: new Map([[1, ownerWait]]), pool: longPool } }, { 1: presence.onCall(1) });
      const d = expectKind(route(s), 'offer-owner-choice');
      expect(d).to.include({ ownerId: 1, ownerName: 'Alice', ownerBusy: 'on-call', defaultChoice: 'wait', reason: 'own-advisor' });
      expect(d.announcement).to.deep.equal({ sayable: true, minutes: 2, text: 'about 2 minutes' });
      expect(d.choices).to.deep.equal(['wait', 'callback', 'next']);
      expect(d.explanation).to.match(/^owner Alice busy \(on a call\), offered wait\/callback\/next/);
    });

    it('says "cannot say" for the owner wait when no estimate is supplied', () => {
      const d = expectKind(route(snapshot({}, { 1: presence.notReady(1) })), 'offer-owner-choice');
      expect(d.ownerBusy).to.equal('not-ready');
      expect(d.announcement.sayable).to.equal(false);
    });

    it('uses the configured default choice in the offer', () => {
      const s = snapshot({ settings: { ...routeSettings, defaultChoice: 'callback' } }, { 1: presence.wrapUp(1) });
      expect(expectKind(route(s), 'offer-owner-choice').defaultChoice).to.equal('callback');
    });

    it('waits for the owner when the caller chose wait', () => {
      const d = expectKind(route(snapshot({ ownerChoice: 'wait' }, { 1: presence.onCall(1) })), 'wait-for-owner');
      expect(d).to.include({ ownerId: 1, maxWaitMs: 3 * MIN, reason: 'own-advisor' });
    });

    it('rings the owner the moment they free up while the caller waits', () => {
      const d = expectKind(route(snapshot({ ownerChoice: 'wait' })), 'ring-advisor');
      expect(d).to.include({ advisorId: 1, reason: 'own-advisor' });
    });

    it('creates a requested callback for the owner when the caller chose callback', () => {
      const d = expectKind(route(snapshot({ ownerChoice: 'callback' }, { 1: presence.ringing(1) })), 'create-callback');
      expect(d).to.include({ callbackReason: 'requested', preferredAdvisorId: 1, reason: 'own-advisor' });
    });
  });

  describe('delegates', () => {
    it('rings the first delegate when the owner is absent, naming both for the prompt', () => {
      const d = expectKind(route(snapshot({}, { 1: presence.loggedOut(1) })), 'ring-advisor');
      expect(d).to.include({ advisorId: 2, reason: 'delegate' });
      expect(d.standIn).to.deep.include({ ownerName: 'Alice', delegateName: 'Bob', ownerStatus: 'absent' });
      expect(d.explanation).to.match(/^owner Alice away today, ringing delegate Bob/);
    });

    for (const [name, p] of [
      ['marked absent', presence.markedAbsent(1)],
      ['phone unavailable', presence.phoneUnavailable(1)],
      ['no presence', null],
    ] as const) {
      it(`treats an owner with ${name} as absent (delegate chain, no prompt)`, () => {
        expect(expectKind(route(snapshot({}, { 1: p })), 'ring-advisor').reason).to.equal('delegate');
      });
    }

    it('treats an owner who left (inactive) as absent', () => {
      const s = snapshot({ owner: advisor(1, { name: 'Alice', active: false }) });
      expect(expectKind(route(s), 'ring-advisor').advisorId).to.equal(2);
    });

    it('skips a busy delegate to the next one, recording why', () => {
      const d = expectKind(route(snapshot({}, { 1: presence.loggedOut(1), 2: presence.onCall(2) })), 'ring-advisor');
      expect(d.advisorId).to.equal(3);
      expect(d.skipped).to.deep.include({ advisorId: 2, name: 'Bob', why: 'on a call' });
    });

    it('goes to the pool when the owner is absent and every delegate is busy or absent', () => {
      const d = expectKind(route(snapshot({}, { 1: presence.loggedOut(1), 2: presence.onCall(2), 3: presence.loggedOut(3) })), 'ring-advisor');
      expect(d).to.include({ advisorId: 4, reason: 'pool' });
    });

    it('after the owner did not answer, tries the next delegate (stand-in says no-answer)', () => {
      const d = expectKind(route(snapshot({ tried: [{ advisorId: 1, outcome: 'no-answer' }] })), 'ring-advisor');
      expect(d).to.include({ advisorId: 2, reason: 'delegate' });
      expect(d.standIn?.ownerStatus).to.equal('no-answer');
    });

    it('after the owner max wait, tries the delegates, then the pool', () => {
      const s = snapshot({ ownerChoice: 'wait', ownerWaitTimedOut: true }, { 1: presence.onCall(1) });
      expect(expectKind(route(s), 'ring-advisor').standIn?.ownerStatus).to.equal('max-wait');
      const afterDelegates = { ...s, tried: [{ advisorId: 2, outcome: 'no-answer' as const }, { advisorId: 3, outcome: 'rejected' as const }] };
      expect(expectKind(route(afterDelegates), 'ring-advisor')).to.include({ advisorId: 4, reason: 'pool' });
    });

    it('when the caller chose next, tries a free delegate before the pool', () => {
      const d = expectKind(route(snapshot({ ownerChoice: 'next' }, { 1: presence.onCall(1) })), 'ring-advisor');
      expect(d.standIn?.ownerStatus).to.equal('caller-chose-next');
    });
  });

  describe('pool', () => {
    it('picks the tier-eligible advisor idle longest', () => {
      const s = snapshot({ owner: null, delegates: [] }, { 1: presence.available(1, NOW - 30 * MIN), 3: presence.available(3, NOW - 20 * MIN) });
      expect(expectKind(route(s), 'ring-advisor')).to.include({ advisorId: 1, reason: 'pool' });
      const s2 = snapshot({ owner: advisor(9), delegates: [] }, { 1: presence.onCall(1), 3: presence.available(3, NOW - 20 * MIN) });
      expect(expectKind(route(s2), 'ring-advisor')).to.include({ advisorId: 3, reason: 'pool' });
    });

    it('gives a gold member only senior or above, skipping idle-longer standard advisors', () => {
      const s = snapshot({ member: member({ level: 'gold', ownerId: null }), owner: null, delegates: [] }, { 1: presence.available(1, NOW - MIN) });
      expect(expectKind(route(s), 'ring-advisor')).to.include({ advisorId: 1 });
    });

    it('routes an unknown caller to any tier (unknown-caller)', () => {
      const d = expectKind(route(snapshot({ member: null, owner: null, delegates: [] })), 'ring-advisor');
      expect(d).to.include({ advisorId: 4, reason: 'unknown-caller' });
      expect(d.explanation).to.match(/^unknown caller \(any tier\)/);
    });

    it('waits in the pool queue when nobody is available and the wait is short', () => {
      const busy = { 1: presence.onCall(1), 2: presence.onCall(2), 3: presence.onCall(3), 4: presence.onCall(4) };
      const d = expectKind(route(snapshot({ ownerChoice: 'next' }, busy)), 'wait-in-pool');
      expect(d).to.include({ reason: 'pool', minimumTier: 'standard' });
      expect(d.eligibleAdvisorIds).to.deep.equal([1, 2, 3, 4]);
    });

    it('offers a callback first when the pool wait exceeds the peak threshold (peak-offer), then honours the answer', () => {
      const busy = { 1: presence.loggedOut(1), 2: presence.onCall(2), 3: presence.onCall(3), 4: presence.onCall(4) };
      const s = snapshot({ expectedWaits: { byAdvisor: new Map(), pool: longPool } }, busy);
      const offer = expectKind(route(s), 'offer-peak-callback');
      expect(offer).to.include({ reason: 'pool', preferredAdvisorId: 1 });
      expect(offer.announcement.text).to.equal('about 5 minutes');
      expect(expectKind(route({ ...s, peakChoice: 'callback' }), 'create-callback')).to.include({ callbackReason: 'peak-offer', preferredAdvisorId: 1 });
      expect(route({ ...s, peakChoice: 'wait' }).kind).to.equal('wait-in-pool');
    });

    it('offers a callback when no eligible advisor is logged in at all', () => {
      const s = snapshot(
        { member: null, owner: null, delegates: [], expectedWaits: { byAdvisor: new Map(), pool: { known: false, reason: 'no-agents', explanation: '' } } },
        { 1: presence.loggedOut(1), 2: presence.loggedOut(2), 3: presence.loggedOut(3), 4: presence.loggedOut(4) },
      );
      expect(expectKind(route(s), 'offer-peak-callback')).to.include({ reason: 'unknown-caller', preferredAdvisorId: null });
    });

    it('does not offer a callback when the pool wait cannot be estimated from thin data', () => {
      const s = snapshot(
        { expectedWaits: { byAdvisor: new Map(), pool: { known: false, reason: 'no-handle-time', explanation: '' } } },
        { 1: presence.onCall(1), 2: presence.onCall(2), 3: presence.onCall(3), 4: presence.onCall(4) },
      );
      expect(route({ ...s, ownerChoice: 'next' }).kind).to.equal('wait-in-pool');
    });

    it('keeps the true reason when the owner comes out of the pool first', () => {
      const s = snapshot({ ownerChoice: 'next' }, { 2: presence.onCall(2), 3: presence.onCall(3), 4: presence.onCall(4) });
      expect(expectKind(route(s), 'ring-advisor')).to.include({ advisorId: 1, reason: 'own-advisor' });
    });

    it('never rings an advisor already tried on this call', () => {
      const s = snapshot({ member: null, owner: null, delegates: [], tried: [{ advisorId: 4, outcome: 'rejected' }] });
      expect(expectKind(route(s), 'ring-advisor').advisorId).to.equal(3);
    });
  });

  describe('affinity off (benchmark baseline)', () => {
    it('ignores owner and delegates: tier + longest idle only', () => {
      const s = snapshot({ settings: { ...routeSettings, affinity: false } }, { 1: presence.loggedOut(1) });
      expect(expectKind(route(s), 'ring-advisor')).to.include({ advisorId: 4, reason: 'pool' });
    });

    it('does not prompt for a busy owner', () => {
      const s = snapshot({ settings: { ...routeSettings, affinity: false } }, { 1: presence.onCall(1) });
      expect(route(s).kind).to.equal('ring-advisor');
    });
  });
});
