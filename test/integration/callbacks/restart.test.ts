import { expect } from 'chai';
import type { Simulator } from '../../../sim/index.js';
import { workerActor } from '../../../server/store/callback-audit.js';
import { createTestDatabase, startCallbackServer, startSim, TestTime, waitUntil, type CallbackServer, type TestDatabase } from './harness.js';

const LEO = 'PJSIP/1012';
const NUMBER = '8613900000201';
const MEMBER_DIAL = `PJSIP/${NUMBER}@trunk`;

describe('callbacks: restart while a callback is reserved or dialing (nothing lost, nothing dialed twice)', function () {
  this.timeout(40_000);
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

  async function pendingCallback(): Promise<number> {
    const cb = await server.service.createManual({ memberId: null, number: NUMBER, preferredAdvisorId: null }, { userId: null, label: 'test' });
    return cb.id;
  }

  const state = async (id: number) => (await server.store.callbacks.get(id))!;
  const completed = (id: number) =>
    waitUntil(`callback ${id} completed`, async () => ((await state(id)).state === 'completed' ? state(id) : null), 15_000);

  it('stopped while the agent rings (member not dialed yet): back in the queue, dialed once by the next engine', async () => {
    const id = await pendingCallback();
    sim.setAgent(LEO, { kind: 'answer', ringMs: 800 });
    await server.ready([LEO]);
    await server.startEngine();
    await waitUntil('agent ringing', () => sim.originateCount(LEO) === 1);
    expect((await state(id)).state).to.equal('dialing');
    await server.stopEngine();
    const back = await state(id);
    expect(back).to.include({ state: 'pending', attempts: 0, reservedBy: null });
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(0);
    await waitUntil('agent leg hung up', () => sim.channelCount() === 0);

    sim.setAgent(LEO, { kind: 'answer', ringMs: 30 });
    await server.startEngine();
    expect(await completed(id)).to.include({ attempts: 1 });
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(1);
  });

  it('stopped while the member rings: the dial finishes and is recorded, the next engine does not dial it again', async () => {
    const id = await pendingCallback();
    sim.setMember(NUMBER, { kind: 'answer', ringMs: 600, talkMs: 50 });
    await server.ready([LEO]);
    await server.startEngine();
    await waitUntil('member ringing', () => sim.originateCount(MEMBER_DIAL) === 1);
    await server.stopEngine();
    expect(await state(id)).to.include({ state: 'completed', attempts: 1 });
    await server.startEngine();
    await server.engine!.dispatchNow();
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(1);
  });

  it('a reservation of a server that died is released when its lease expires, then dialed exactly once', async () => {
    const id = await pendingCallback();
    const [claimed] = await server.store.callbacks.claim({ workerId: 'dead-server', leaseMs: server.config.callbacks.leaseMs, ids: [id] });
    expect(claimed?.state).to.equal('reserved');
    await server.ready([LEO]);
    await server.startEngine();
    await server.engine!.dispatchNow();
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.originateCount(MEMBER_DIAL) + sim.originateCount(LEO), 'the lease still holds').to.equal(0);
    time.advance(server.config.callbacks.leaseMs + 1000);
    expect(await completed(id)).to.include({ attempts: 1 });
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(1);
    const events = await server.store.callbacks.events(id);
    expect(events.map((e) => e.action)).to.include('lease-expired');
  });

  it('a dial of a server that died mid-call is left alone while its lease holds; released on start-up once expired, dialed once', async () => {
    const id = await pendingCallback();
    await server.store.callbacks.claim({ workerId: 'dead-server', leaseMs: 60_000, ids: [id] });
    await server.store.callbacks.transition(id, { from: 'reserved', to: 'dialing', reservedBy: 'dead-server' }, workerActor('dead-server'));
    await server.ready([LEO]);
    await server.startEngine();
    await server.engine!.dispatchNow();
    await new Promise((r) => setTimeout(r, 300));
    expect((await state(id)).state).to.equal('dialing');
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(0);
    await server.stopEngine();
    time.advance(61_000);
    // The restarted engine releases it at start-up and dials it.
    await server.startEngine();
    expect(await completed(id)).to.include({ attempts: 1 });
    expect(sim.originateCount(MEMBER_DIAL)).to.equal(1);
  });
});
