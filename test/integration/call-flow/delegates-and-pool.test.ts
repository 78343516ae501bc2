import { expect } from 'chai';
import { DEMO_ADVISORS, DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

const ALL = DEMO_ADVISORS.map((a) => a.endpoint);
const OWNER = DEMO_FIRST_MEMBER.ownerEndpoint;
const [BOB, KELLY] = DEMO_FIRST_MEMBER.delegateEndpoints;
const tierOf = (endpoint: string) => DEMO_ADVISORS.find((a) => a.endpoint === endpoint)!.tier;

describe('call flow: delegates, ring timeout, pool and tiers', function () {
  this.timeout(20_000);
  let h: Harness;

  afterEach(async () => {
    await h?.close();
  });

  it('owner not logged in: the first available delegate rings while the prompt names both', async () => {
    h = await startHarness({ ready: ALL.filter((e) => e !== OWNER), agents: { [BOB]: { kind: 'answer', ringMs: 400 } } });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await caller.waitPlayback('sound:cti/en/owner-away');
    await caller.waitPlayback(`sound:cti/en/advisor-${h.advisorId(OWNER)}-name`);
    await caller.waitPlayback(`sound:cti/en/advisor-${h.advisorId(BOB)}-name`);
    expect(h.sim.originateCount(BOB), 'the delegate rings during the prompt').to.equal(1);
    expect(await caller.waitBridged()).to.equal(BOB);
    const ringing = h.events.find((e) => e.name === 'agent-ringing');
    expect(ringing?.payload).to.include({ reason: 'delegate', reasonText: 'Delegate for Alice Wang' });
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ reason: 'delegate', answeredBy: h.advisorId(BOB), ownerId: h.advisorId(OWNER) });
  });

  it('owner and first delegate away: the second delegate rings', async () => {
    h = await startHarness({ ready: ALL.filter((e) => e !== OWNER && e !== BOB) });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    expect(await caller.waitBridged()).to.equal(KELLY);
    caller.hangup();
    expect((await h.settledCall(caller.id)).reason).to.equal('delegate');
  });

  it('owner rings without answer: after the ring timeout the next step rings, and the trail shows both', async () => {
    h = await startHarness({ agents: { [OWNER]: { kind: 'no-answer' } } });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    expect(await caller.waitBridged()).to.equal(BOB);
    expect(h.sim.originateCount(OWNER)).to.equal(1);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    const rings = stored.trail.filter((s) => s.step === 'ring-advisor');
    expect(rings.map((s) => [s.advisorId, s.reason, s.outcome])).to.deep.equal([
      [h.advisorId(OWNER), 'own-advisor', 'no-answer'],
      [h.advisorId(BOB), 'delegate', 'answered'],
    ]);
    const firstRing = Date.parse(rings[0]!.at);
    const secondRing = Date.parse(rings[1]!.at);
    expect(secondRing - firstRing, 'the second ring waits for the ring timeout').to.be.at.least(h.config.routing.ringTimeoutMs - 50);
    await h.allClear();
  });

  it('a busy phone is skipped at once for the next step', async () => {
    h = await startHarness({ agents: { [OWNER]: { kind: 'reject', afterMs: 30 } } });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    expect(await caller.waitBridged()).to.equal(BOB);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored.trail.find((s) => s.step === 'ring-advisor')?.outcome).to.be.oneOf(['rejected', 'busy']);
  });

  it('an owner another call has claimed (another server, a callback) is not rung: the next step at once, and the owner is free again once it is released', async () => {
    h = await startHarness();
    const owner = h.advisorId(OWNER);
    expect(await h.telephony.advisorClaims.claim(owner, 'callback:other-server:1')).to.equal(true);
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    expect(await caller.waitBridged()).to.equal(BOB);
    expect(h.sim.originateCount(OWNER), 'no second call on the owner phone').to.equal(0);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored.trail.filter((s) => s.step === 'ring-advisor').map((s) => [s.advisorId, s.outcome])).to.deep.equal([
      [owner, 'busy'],
      [h.advisorId(BOB), 'answered'],
    ]);

    await h.telephony.advisorClaims.release(owner, 'callback:other-server:1');
    const next = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    expect(await next.waitBridged()).to.equal(OWNER);
    next.hangup();
    await h.settledCall(next.id);
  });

  it('unknown number: the general pool, stored as unknown-caller', async () => {
    h = await startHarness();
    const caller = h.sim.call({ from: '+1 415 555 0100', keys: ['2', '3'] });
    const endpoint = await caller.waitBridged();
    expect(ALL).to.include(endpoint);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ reason: 'unknown-caller', memberId: null, ownerId: null, outcome: 'answered' });
    expect(stored.trail[0]).to.include({ step: 'identify', outcome: 'unknown' });
  });

  it('a member whose owner and delegates are away goes to a tier-eligible advisor of the pool', async () => {
    h = await startHarness({ ready: ALL.filter((e) => e !== OWNER && e !== BOB && e !== KELLY) });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    const endpoint = await caller.waitBridged();
    expect(tierOf(endpoint), `gold member answered by ${endpoint}`).to.be.oneOf(['senior', 'vip']);
    caller.hangup();
    expect((await h.settledCall(caller.id)).reason).to.equal('pool');
  });

  it('a vip member never lands on a standard or senior advisor: offered a callback, keeps waiting, then gets a vip advisor', async () => {
    const vip = await findVipMember();
    const vipTier = ALL.filter((e) => tierOf(e) === 'vip');
    h = await startHarness({ ready: ALL.filter((e) => !vipTier.includes(e)) });
    const caller = h.sim.call({ from: vip.phone, keys: ['2', '1'] });
    await caller.waitPlayback('sound:cti/en/peak-callback-offer');
    caller.press('1');
    await caller.waitPlayback('sound:cti/en/all-busy');
    await new Promise((r) => setTimeout(r, 300));
    for (const endpoint of ALL) expect(h.sim.originateCount(endpoint), endpoint).to.equal(0);
    const [waiting] = h.telephony.waitingCallers();
    expect(waiting).to.deep.include({ minimumTier: 'vip', memberLevel: 'vip', waitingFor: { kind: 'pool' } });
    const stand = vipTier.find((e) => e !== vip.ownerEndpoint)!;
    h.presence.desktopConnected(h.advisorId(stand));
    h.presence.requestState(h.advisorId(stand), 'ready');
    expect(await caller.waitBridged()).to.equal(stand);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored.trail.map((s) => s.step)).to.deep.equal(['identify', 'offer-peak-callback', 'wait-in-pool', 'ring-advisor']);
  });

  it('peak time: key 2 books a pool callback that keeps the caller place, before the confirmation', async () => {
    h = await startHarness({ ready: [] });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await caller.waitPlayback('sound:cti/en/peak-callback-offer');
    caller.press('2');
    await caller.waitPlayback('sound:cti/en/callback-confirmed-queue');
    await caller.waitHangup();
    const stored = await h.settledCall(caller.id);
    expect(stored.outcome).to.equal('callback-requested');
    const callback = await h.store.callbacks.get(stored.callbackId!);
    expect(callback).to.include({ reason: 'peak-offer', preferredAdvisorId: h.advisorId(OWNER) });
    expect(Date.parse(callback!.firstCallAt)).to.equal(Date.parse(stored.startedAt));
    await h.allClear();
  });

  async function findVipMember(): Promise<{ phone: string; ownerEndpoint: string }> {
    const probe = await startHarness({ ready: [] });
    try {
      const row = (await probe
        .db('members as m')
        .join('member_phones as p', 'p.member_id', 'm.id')
        .join('member_ownership as o', function () {
          this.on('o.member_id', '=', 'm.id').andOnNull('o.until');
        })
        .join('advisors as a', 'a.id', 'o.advisor_id')
        .where('m.level', 'vip')
        .first('p.phone', 'a.endpoint')) as { phone: string; endpoint: string };
      return { phone: row.phone, ownerEndpoint: row.endpoint };
    } finally {
      await probe.close();
    }
  }
});

