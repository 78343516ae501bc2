import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import type { Simulator } from '../../../sim/index.js';
import { createTestDatabase, startCallbackServer, startSim, TestTime, waitUntil, type CallbackServer, type TestDatabase } from './harness.js';

const ALICE = DEMO_FIRST_MEMBER.ownerEndpoint;
const [BOB, KELLY] = DEMO_FIRST_MEMBER.delegateEndpoints;
const LEO = 'PJSIP/1012';
const HOUR = 3_600_000;

describe('callbacks: dispatch (ladder, fair order with live callers, dials never above free advisors)', function () {
  this.timeout(60_000);
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

  async function aliceMemberCallback(): Promise<number> {
    const member = await server.store.members.getByMemberNo(DEMO_FIRST_MEMBER.memberNo);
    const { id } = await server.service.port.request({
      memberId: member!.id,
      number: DEMO_FIRST_MEMBER.phone,
      reason: 'requested',
      preferredAdvisorId: member!.ownerId,
      firstCallAt: new Date(time.now() - 60_000).toISOString(),
      callId: null,
      note: '',
    });
    return id;
  }

  const completedBy = async (id: number) =>
    waitUntil(`callback ${id} completed`, async () => {
      const cb = await server.store.callbacks.get(id);
      return cb?.state === 'completed' ? cb.completedBy : null;
    }, 10_000);

  it('the owner gets their member first when several eligible advisors are free', async () => {
    const id = await aliceMemberCallback();
    await server.ready([BOB!, LEO, ALICE]);
    await server.startEngine();
    expect(await completedBy(id)).to.equal(await server.advisorId(ALICE));
    expect(sim.originateCount(BOB!) + sim.originateCount(LEO)).to.equal(0);
  });

  it('owner busy: nobody else within the owner window, then the delegate, never the pool while a delegate is there', async () => {
    const id = await aliceMemberCallback();
    sim.setAgent(ALICE, { kind: 'busy' });
    await server.ready([ALICE, BOB!, LEO]);
    await waitUntil('Alice on a call', async () => server.presence.get(await server.advisorId(ALICE))?.phone === 'in-use');
    await server.startEngine();
    await server.engine!.dispatchNow();
    await new Promise((r) => setTimeout(r, 300));
    expect((await server.store.callbacks.get(id))?.state, 'held for the owner').to.equal('pending');
    expect(sim.originateCount(BOB!) + sim.originateCount(LEO)).to.equal(0);

    time.advance(server.config.callbacks.ownerWindowMs + 1000);
    await server.engine!.dispatchNow();
    expect(await completedBy(id)).to.equal(await server.advisorId(BOB!));
    expect(sim.originateCount(LEO)).to.equal(0);
  });

  it('owner and delegates busy past both windows: another tier-eligible advisor of the pool calls back', async () => {
    const id = await aliceMemberCallback();
    sim.setAgent(ALICE, { kind: 'busy' });
    sim.setAgent(BOB!, { kind: 'busy' });
    sim.setAgent(KELLY!, { kind: 'busy' });
    // Emma is standard tier: the gold member needs senior or above.
    await server.ready([ALICE, BOB!, KELLY!, LEO, 'PJSIP/1005']);
    await server.startEngine();
    time.advance(server.config.callbacks.ownerWindowMs + HOUR / 2);
    await server.engine!.dispatchNow();
    await new Promise((r) => setTimeout(r, 300));
    expect((await server.store.callbacks.get(id))?.state, 'still the delegates\u2019').to.equal('pending');
    time.advance(server.config.callbacks.delegateWindowMs);
    await server.engine!.dispatchNow();
    expect(await completedBy(id)).to.equal(await server.advisorId(LEO));
    expect(sim.originateCount('PJSIP/1005')).to.equal(0);
  });

  it('a scheduled callback ("after 3 pm") waits for its time; pacing holds a proactive one until a supervisor overrides it with a reason', async () => {
    const member = await server.store.members.getByMemberNo(DEMO_FIRST_MEMBER.memberNo);
    const at1500 = Date.parse('2026-11-23T07:00:00.000Z'); // 15:00 in Shanghai
    const scheduled = await server.service.createManual({ memberId: null, number: '8613900000501', preferredAdvisorId: null, dueAt: new Date(at1500).toISOString() }, { userId: null, label: 'test' });
    // The member was called yesterday evening: a new proactive call must wait for the 24 h gap.
    await server.store.contacts.insert({ memberId: member!.id, number: DEMO_FIRST_MEMBER.phone, kind: 'proactive', at: new Date(time.now() - 14 * HOUR).toISOString(), result: 'busy' });
    const paced = await server.service.createManual({ memberId: member!.id }, { userId: null, label: 'test' });
    await server.ready([ALICE, LEO]);
    await server.startEngine();
    await server.engine!.dispatchNow();
    await new Promise((r) => setTimeout(r, 300));
    expect((await server.store.callbacks.get(scheduled.id))!.state, 'not before 15:00').to.equal('pending');
    expect((await server.store.callbacks.get(paced.id))!.state, 'held by the minimum gap').to.equal('pending');
    expect(sim.originateCount(ALICE) + sim.originateCount(LEO)).to.equal(0);

    const supervisor = (await server.store.users.getByUsername('supervisor'))!;
    await server.service.update(paced.id, { override: { reason: 'member asked for a call today on WeChat' } }, { userId: supervisor.id, label: 'user' });
    expect(await completedBy(paced.id)).to.equal(await server.advisorId(ALICE));
    expect((await server.store.callbacks.get(scheduled.id))!.state).to.equal('pending');

    time.advance(at1500 - time.now() + 1000);
    await server.engine!.dispatchNow();
    expect(await completedBy(scheduled.id)).to.be.a('number');
  });

  it('a live caller and callbacks are served in first-call order by a freed advisor', async () => {
    await server.ready([LEO]);
    await server.startEngine();
    // Leo is on a call, so everything queues.
    sim.setAgent(LEO, { kind: 'busy' });
    const leo = await server.advisorId(LEO);
    await waitUntil('Leo busy', () => server.presence.get(leo)?.phone === 'in-use');
    const older = await server.service.createManual({ memberId: null, number: '8613900000101', preferredAdvisorId: null }, { userId: null, label: 'test' });
    await server.store.db('callbacks').where({ id: older.id }).update({ first_call_at: new Date(time.now() - 10 * 60_000).toISOString() });
    const caller = sim.call({ from: '8613900000999', keys: ['2', '1'], talkMs: 150 });
    let pressed = false;
    await waitUntil('caller waiting', () => {
      if (!pressed && caller.playbacks.some((m) => m.includes('peak-callback-offer'))) {
        pressed = true;
        caller.press('1');
      }
      return server.telephony.waitingCallers().length === 1;
    }, 10_000);
    const newer = await server.service.createManual({ memberId: null, number: '8613900000102', preferredAdvisorId: null }, { userId: null, label: 'test' });
    sim.setAgent(LEO, { kind: 'answer', ringMs: 30 });
    await waitUntil('everything served', async () => {
      const [a, b] = await Promise.all([server.store.callbacks.get(older.id), server.store.callbacks.get(newer.id)]);
      return a?.state === 'completed' && b?.state === 'completed' && caller.ended;
    }, 20_000);
    const [a, b] = await Promise.all([server.store.callbacks.get(older.id), server.store.callbacks.get(newer.id)]);
    const call = (await server.store.calls.list({ callerNumber: '8613900000999' })).items[0]!;
    expect(call.answeredBy).to.equal(leo);
    expect(Date.parse(a!.completedAt!), 'the callback of the earlier caller first').to.be.lessThan(Date.parse(call.answeredAt!));
    expect(Date.parse(call.answeredAt!), 'then the live caller, before the later callback').to.be.lessThan(Date.parse(b!.completedAt!));
  });

  it('50 due callbacks and 3 free advisors: never more than 3 callback dials at once, each callback dialed once', async () => {
    const numbers = Array.from({ length: 50 }, (_, i) => `86139000${String(i).padStart(5, '0')}`);
    for (const number of numbers) {
      await server.service.createManual({ memberId: null, number, preferredAdvisorId: null }, { userId: null, label: 'test' });
    }
    await server.ready([LEO, BOB!, KELLY!]);
    const agents = new Set([LEO, BOB!, KELLY!]);
    let maxAgentLegs = 0;
    let maxMemberLegs = 0;
    let maxActive = 0;
    const sample = setInterval(() => {
      const channels = [...sim.box.pbx.channels.values()];
      maxAgentLegs = Math.max(maxAgentLegs, channels.filter((c) => agents.has(c.device)).length);
      maxMemberLegs = Math.max(maxMemberLegs, channels.filter((c) => c.device === 'PJSIP/trunk').length);
      maxActive = Math.max(maxActive, server.engine?.activeDials().length ?? 0);
    }, 2);
    const engine = await server.startEngine();
    try {
      await waitUntil('all 50 completed', async () => (await server.store.callbacks.count({ state: 'completed' })) === 50 || null, 45_000);
    } finally {
      clearInterval(sample);
    }
    await engine.idle();
    expect(maxActive, 'dials in progress').to.be.within(1, 3);
    expect(maxAgentLegs, 'agent legs at once').to.be.within(1, 3);
    expect(maxMemberLegs, 'member legs at once').to.be.within(1, 3);
    for (const number of numbers) expect(sim.originateCount(`PJSIP/${number}@trunk`), number).to.equal(1);
    expect(sim.originateCount(LEO) + sim.originateCount(BOB!) + sim.originateCount(KELLY!)).to.equal(50);
  });
});
