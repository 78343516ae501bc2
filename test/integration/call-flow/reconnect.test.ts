import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { startHarness, waitUntil } from './harness.js';
import { CALL_FLOW_EVENTS } from '../../../server/pbx/call-flow/events.js';
import type { Harness } from './harness.js';

const OWNER = DEMO_FIRST_MEMBER.ownerEndpoint;

/** A member who pressed 1 to wait for their owner Alice, who is on another call. */
async function callerWaitingForBusyOwner(h: Harness) {
  const alice = h.advisorId(OWNER);
  h.sim.setAgent(OWNER, { kind: 'busy' });
  await waitUntil('Alice on a call', () => h.presence.get(alice)?.phone === 'in-use');
  const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
  await caller.waitPlayback('owner-busy');
  caller.press('1');
  await caller.waitPlayback('sound:cti/en/please-hold');
  return { alice, caller };
}

describe('call flow: AMI or ARI connection lost mid-call', function () {
  this.timeout(30_000);
  let h: Harness;

  afterEach(async () => {
    await h?.close();
  });

  const linksUp = () => waitUntil('AMI and ARI reconnected', () => h.telephony.nodes.every((n) => n.connected.ami && n.connected.ari), 10_000);

  it('ARI drops while a call is bridged: after reconnect and resync the call carries on, ends cleanly and is stored; new calls route', async () => {
    h = await startHarness();
    const first = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    expect(await first.waitBridged()).to.equal(OWNER);

    await h.sim.stopAri();
    await waitUntil('ARI seen down', () => !h.telephony.nodes[0]!.connected.ari);
    await new Promise((r) => setTimeout(r, 200));
    await h.sim.startAri();
    await linksUp();
    await new Promise((r) => setTimeout(r, 100));
    expect(first.ended, 'the caller is still on the line').to.equal(false);
    expect(h.bridgeCount(), 'still bridged').to.equal(1);
    expect(h.telephony.activeCalls().map((c) => c.state)).to.deep.equal(['connected']);

    const second = h.sim.call({ from: '+1 212 555 0199', keys: ['2', '2'] });
    const secondAgent = await second.waitBridged();
    expect(secondAgent).to.not.equal(OWNER);

    first.hangup();
    second.hangup();
    const stored = await h.settledCall(first.id);
    expect(stored).to.include({ outcome: 'answered', reason: 'own-advisor', answeredBy: h.advisorId(OWNER) });
    expect((await h.settledCall(second.id)).reason).to.equal('unknown-caller');
    await h.allClear();
  });

  it('caller hangs up while ARI is down: the resync settles the call, hangs up the agent and removes the bridge', async () => {
    h = await startHarness();
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await caller.waitBridged();
    await h.sim.stopAri();
    await waitUntil('ARI seen down', () => !h.telephony.nodes[0]!.connected.ari);
    caller.hangup();
    await caller.waitHangup();
    await h.sim.startAri();
    await linksUp();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ outcome: 'answered', answeredBy: h.advisorId(OWNER) });
    expect(stored.endedAt).to.be.a('string');
    await h.allClear();
  });

  it('AMI drops mid-call: phone states resync after reconnect, the call carries on and the owner is routed to again once free', async () => {
    h = await startHarness();
    const alice = h.advisorId(OWNER);
    const first = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await first.waitBridged();
    await waitUntil('Alice in use', () => h.presence.get(alice)?.phone === 'in-use');

    await h.sim.stopAmi();
    await waitUntil('AMI seen down', () => !h.telephony.nodes[0]!.connected.ami);
    first.hangup();
    await first.waitHangup();
    expect(h.presence.get(alice)?.phone, 'no AMI: the phone state is not known to have changed').to.equal('in-use');
    await h.sim.startAmi();
    await linksUp();
    await waitUntil('Alice idle again after the DeviceStateList resync', () => h.presence.get(alice)?.phone === 'idle');
    expect((await h.settledCall(first.id)).outcome).to.equal('answered');

    const second = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    expect(await second.waitBridged()).to.equal(OWNER);
    second.hangup();
    expect((await h.settledCall(second.id)).reason).to.equal('own-advisor');
    await h.allClear();
  });

  it('the call flow stops (shutdown, node handed over) while a caller waits for the owner: the caller goes to the dialplan, the script lets go without storing an end', async () => {
    h = await startHarness();
    const { caller } = await callerWaitingForBusyOwner(h);
    expect(h.telephony.activeCalls()).to.have.length(1);

    await h.telephony.stop();
    await waitUntil('the script let go of the call', () => h.telephony.activeCalls().length === 0);
    await caller.waitFor('the caller back in the dialplan fallback queue', () => caller.queue !== undefined, 5000);
    const stored = await h.storedCall(caller.id);
    expect(stored?.endedAt, 'not stored as abandoned: the call goes on elsewhere').to.equal(null);
    expect(h.events.filter((e) => e.name === CALL_FLOW_EVENTS.callerAbandoned), 'no abandoned-call callback for a caller handed back').to.have.length(0);
    caller.hangup();
  });

  it('the CTI server restarts while a caller waits for the owner: the new server adopts the caller and routes them', async () => {
    h = await startHarness();
    const { caller } = await callerWaitingForBusyOwner(h);

    await h.crashAndRestartTelephony();
    const adopted = await waitUntil('the caller adopted', () => h.telephony.activeCalls().find((c) => c.callId === `node0:${caller.id}`));
    expect(adopted.memberId).to.be.a('number');
    // The new server asks again (it cannot know the key pressed before the crash): Alice is still busy.
    await waitUntil('owner prompt again', () => caller.playbacks.filter((m) => m === 'sound:cti/en/owner-busy-no-estimate-1').length === 2);
    caller.press('3');
    expect(await caller.waitBridged()).to.equal(DEMO_FIRST_MEMBER.delegateEndpoints[0]);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ outcome: 'answered', reason: 'delegate' });
    expect(stored.trail.map((s) => s.outcome), 'one row: the first server\'s steps, then the new server\'s').to.deep.equal([
      'member',
      'key 1: wait',
      'member',
      'key 3: next',
      'answered',
    ]);
    await h.allClear();
  });

  it('the owner frees up while ARI is down: the caller stays on hold and the owner rings once Asterisk is back', async () => {
    h = await startHarness();
    const { alice, caller } = await callerWaitingForBusyOwner(h);
    await h.sim.stopAri();
    h.sim.setAgent(OWNER, { kind: 'answer', ringMs: 50 });
    await waitUntil('Alice free (AMI still up)', () => h.presence.get(alice)?.phone === 'idle');
    await new Promise((r) => setTimeout(r, 700));
    await h.sim.startAri();
    expect(await caller.waitBridged(10_000), 'Alice was not written off while Asterisk was unreachable').to.equal(OWNER);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored.trail.some((s) => s.outcome === 'Asterisk unreachable')).to.equal(true);
    expect(stored).to.include({ reason: 'own-advisor', answeredBy: alice });
    await h.allClear();
  });
});
