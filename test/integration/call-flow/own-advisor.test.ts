import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { startHarness, waitUntil } from './harness.js';
import type { Harness } from './harness.js';

describe('call flow: member reaches their own advisor', function () {
  this.timeout(20_000);
  let h: Harness;

  afterEach(async () => {
    await h?.close();
  });

  it('rings the idle owner, bridges on answer and stores the call with reason own-advisor', async () => {
    h = await startHarness();
    const alice = h.advisorId(DEMO_FIRST_MEMBER.ownerEndpoint);
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    const bridgedTo = await caller.waitBridged();
    expect(bridgedTo).to.equal('PJSIP/1001');
    expect(h.sim.originateCount('PJSIP/1001')).to.equal(1);

    const ringing = h.events.find((e) => e.name === 'agent-ringing');
    const answered = h.events.find((e) => e.name === 'call-answered');
    expect(ringing?.payload).to.include({ advisorId: alice, reason: 'own-advisor', callerNumber: DEMO_FIRST_MEMBER.phone });
    expect(h.events.indexOf(ringing!), 'ringing goes out before the answer').to.be.lessThan(h.events.indexOf(answered!));
    if (ringing?.name === 'agent-ringing') {
      expect(ringing.payload.member?.memberNo).to.equal(DEMO_FIRST_MEMBER.memberNo);
      expect(ringing.payload.owner?.advisor.id).to.equal(alice);
      expect(ringing.payload.ivr).to.include({ choice: '1', language: 'en' });
    }

    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ reason: 'own-advisor', answeredBy: alice, outcome: 'answered', ownerId: alice, language: 'en' });
    expect(stored.memberId).to.be.a('number');
    expect(stored.trail.map((s) => s.step)).to.deep.equal(['identify', 'ring-advisor']);
    expect(stored.trail[1]).to.include({ reason: 'own-advisor', advisorId: alice, outcome: 'answered' });
    await h.allClear();
  });

  it('recognises the member on any of their numbers', async () => {
    h = await startHarness();
    const member = await h.store.members.getByMemberNo(DEMO_FIRST_MEMBER.memberNo);
    let other = member!.phones.find((p) => p !== DEMO_FIRST_MEMBER.phone);
    if (!other) {
      await h.store.members.addPhone(member!.id, '+86 139 0000 4242');
      other = '8613900004242';
    }
    const caller = h.sim.call({ from: other, keys: ['1', '2'] });
    expect(await caller.waitBridged()).to.equal(DEMO_FIRST_MEMBER.ownerEndpoint);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ memberId: member!.id, reason: 'own-advisor', language: 'zh' });
  });

  it('ends the call when the agent hangs up, leaving no channel or bridge behind', async () => {
    h = await startHarness();
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await caller.waitBridged();
    h.sim.agentHangup(DEMO_FIRST_MEMBER.ownerEndpoint);
    await caller.waitHangup();
    await h.allClear();
    const stored = await h.settledCall(caller.id);
    expect(stored.outcome).to.equal('answered');
    const ended = await waitUntil('call-ended event', () => h.events.find((e) => e.name === 'call-ended'));
    expect(ended.payload).to.include({ outcome: 'completed' });
  });

  it('recognises a member who keys their member number in the IVR from an unknown phone', async () => {
    h = await startHarness();
    const caller = h.sim.call({ from: '+1 646 555 0142', keys: ['2', '9', '000001', '1'] });
    const args = await caller.waitStasis();
    expect(args).to.include('member=000001');
    expect(await caller.waitBridged()).to.equal(DEMO_FIRST_MEMBER.ownerEndpoint);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ reason: 'own-advisor', callerNumber: '16465550142' });
    expect(stored.ivr).to.include({ memberNo: '000001' });
    expect(stored.trail[0]).to.include({ detail: 'member M000001 by member number keyed in the IVR' });
  });
});
