import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import type { Simulator } from '../../../sim/index.js';
import { createTestDatabase, startCallbackServer, startSim, TestTime, waitUntil, type CallbackServer, type TestDatabase } from './harness.js';

const ALICE = DEMO_FIRST_MEMBER.ownerEndpoint;
const MEMBER_DIAL = `PJSIP/${DEMO_FIRST_MEMBER.phone}@trunk`;
/** The simulator's device for any number dialed through the trunk. */
const TRUNK_DEVICE = 'PJSIP/trunk';

describe('callbacks: agent-first dialing over the simulator', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let database: TestDatabase;
  let server: CallbackServer;
  let time: TestTime;

  beforeEach(async () => {
    sim = await startSim();
    database = await createTestDatabase('sqlite');
    time = new TestTime();
    server = await startCallbackServer({ database, sim, time, engine: false });
  });

  afterEach(async () => {
    await server?.close();
    await sim?.close();
    await database?.drop();
  });

  async function memberCallback(reason: 'requested' | 'peak-offer' = 'requested') {
    const member = await server.store.members.getByMemberNo(DEMO_FIRST_MEMBER.memberNo);
    const { id } = await server.service.port.request({
      memberId: member!.id,
      number: DEMO_FIRST_MEMBER.phone,
      reason,
      preferredAdvisorId: member!.ownerId,
      firstCallAt: new Date(time.now() - 60_000).toISOString(),
      callId: null,
      note: 'test',
    });
    return id;
  }

  it('rings the agent first with a preview pop, dials the member once the agent answers, bridges both and completes', async () => {
    const id = await memberCallback();
    // Watch the bridge: it must hold the agent and the member together at some point.
    let bridged = false;
    const watch = setInterval(() => {
      for (const bridge of sim.box.pbx.bridges.values()) {
        const devices = bridge.channels.map((c) => c.device);
        if (devices.includes(ALICE) && devices.includes(TRUNK_DEVICE)) bridged = true;
      }
    }, 5);
    // The member rings long enough to see the order: agent leg first, member after it answers.
    sim.setMember(DEMO_FIRST_MEMBER.phone, { kind: 'answer', ringMs: 150, talkMs: 150 });
    await server.ready([ALICE]);
    await server.startEngine();
    await waitUntil('agent rung', () => sim.originateCount(ALICE) === 1);
    expect(sim.originateCount(MEMBER_DIAL), 'member not dialed before the agent answered').to.equal(0);
    const done = await waitUntil('callback completed', async () => {
      const cb = await server.store.callbacks.get(id);
      return cb?.state === 'completed' ? cb : null;
    }, 10_000);
    await waitUntil('bridge seen', () => bridged || null, 3000).finally(() => clearInterval(watch));
    expect(done).to.include({ attempts: 1, lastResult: 'answered', completedBy: await server.advisorId(ALICE) });
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(1);
    const pop = server.desktop.pops.find((p) => p.pop.phase === 'ringing');
    expect(pop?.advisorId).to.equal(await server.advisorId(ALICE));
    expect(pop?.pop).to.include({ reason: 'callback', callerNumber: DEMO_FIRST_MEMBER.phone });
    expect(pop?.pop.callback).to.include({ id, reason: 'requested' });
    expect(pop?.pop.member?.memberNo).to.equal(DEMO_FIRST_MEMBER.memberNo);
    const contacts = await server.store.contacts.listRecent({ memberId: done.memberId }, new Date(time.now() - 3_600_000).toISOString());
    expect(contacts.map((c) => ({ callbackId: c.callbackId, result: c.result, kind: c.kind }))).to.deep.equal([{ callbackId: id, result: 'answered', kind: 'requested' }]);
    const actions = server.desktop.changes.map((c) => c.change.action);
    expect(actions).to.include.members(['reserved', 'dialing', 'completed']);
    await waitUntil('channels gone', () => sim.channelCount() === 0);
  });

  it('busy and no answer retry with doubling backoff and stop at the maximum, failed and visible', async () => {
    const id = await memberCallback();
    sim.setMember(DEMO_FIRST_MEMBER.phone, { kind: 'busy' });
    await server.ready([ALICE]);
    await server.startEngine();
    const backoff = server.config.callbacks.retryBackoffMs;
    const first = await waitUntil('first attempt', async () => {
      const cb = await server.store.callbacks.get(id);
      return cb?.attempts === 1 && cb.state === 'pending' ? cb : null;
    }, 10_000);
    expect(first.lastResult).to.equal('busy');
    const firstWait = Date.parse(first.dueAt) - Date.parse(first.updatedAt);
    expect(firstWait).to.be.within(backoff - 1000, backoff + 1000);
    // Not due yet: nothing is dialed until the backoff has passed.
    await server.engine!.dispatchNow();
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(1);

    sim.setMember(DEMO_FIRST_MEMBER.phone, { kind: 'no-answer' });
    time.advance(backoff + 1000);
    await server.engine!.dispatchNow();
    const second = await waitUntil('second attempt', async () => {
      const cb = await server.store.callbacks.get(id);
      return cb?.attempts === 2 && cb.state === 'pending' ? cb : null;
    }, 10_000);
    expect(second.lastResult).to.equal('no-answer');
    expect(Date.parse(second.dueAt) - Date.parse(second.updatedAt)).to.be.within(2 * backoff - 1000, 2 * backoff + 1000);

    time.advance(2 * backoff + 1000);
    await server.engine!.dispatchNow();
    const last = await waitUntil('attempts exhausted', async () => {
      const cb = await server.store.callbacks.get(id);
      return cb?.state === 'failed' ? cb : null;
    }, 10_000);
    expect(last).to.include({ attempts: 3, maxAttempts: 3, lastResult: 'no-answer' });
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(3);
    time.advance(24 * 3_600_000);
    await server.engine!.dispatchNow();
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.originateCount(MEMBER_DIAL), 'a failed callback is never dialed again by itself').to.equal(3);
    const listed = await server.service.list({ state: 'failed' });
    expect(listed.items.map((c) => c.id)).to.deep.equal([id]);
  });

  it('a member who rejects the call declines the callback: cancelled, no retry', async () => {
    const id = await memberCallback();
    sim.setMember(DEMO_FIRST_MEMBER.phone, { kind: 'reject' });
    await server.ready([ALICE]);
    await server.startEngine();
    const cb = await waitUntil('declined', async () => {
      const c = await server.store.callbacks.get(id);
      return c?.state === 'cancelled' ? c : null;
    }, 10_000);
    expect(cb).to.include({ attempts: 1, lastResult: 'declined', cancelReason: 'member declined the callback' });
  });

  it('an agent who does not answer puts the callback back without counting an attempt against the member', async () => {
    const id = await memberCallback();
    sim.setAgent(ALICE, { kind: 'no-answer' });
    await server.ready([ALICE]);
    await server.startEngine();
    await waitUntil('agent rung', () => sim.originateCount(ALICE) >= 1);
    const cb = await waitUntil('back in the queue', async () => {
      const c = await server.store.callbacks.get(id);
      return c?.state === 'pending' && c.lastResult !== null ? c : null;
    }, 10_000);
    expect(cb).to.include({ attempts: 0, lastResult: 'agent no-answer' });
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(0);
  });
});
