import { expect } from 'chai';
import type { Simulator } from '../../sim/index.js';
import type { CallbackRecord } from '../../server/store/callbacks.js';
import {
  createTestDatabase,
  startCallbackServer,
  startSim,
  TestTime,
  waitUntil,
  type CallbackServer,
  type TestDatabase,
} from '../integration/callbacks/harness.js';

// The callback engine (persisted queue, leases, agent-first dialer) while Asterisk fails
// under it. Promised callbacks must survive every fault, and no member may be dialed
// more often than the attempts the store records.
const AGENTS = ['PJSIP/1005', 'PJSIP/1006', 'PJSIP/1007'];
const NUMBERS = Array.from({ length: 6 }, (_, i) => `86139000030${String(i).padStart(2, '0')}`);
const dialOf = (number: string) => `PJSIP/${number}@trunk`;

type Fault = { name: string; inject(sim: Simulator): Promise<void> };

const FAULTS: Fault[] = [
  {
    name: 'AMI cut for 1 s',
    async inject(sim) {
      await sim.stopAmi();
      await new Promise((r) => setTimeout(r, 1000));
      await sim.startAmi();
    },
  },
  {
    name: 'ARI WebSocket cut for 1 s',
    async inject(sim) {
      await sim.stopAri();
      await new Promise((r) => setTimeout(r, 1000));
      await sim.startAri();
    },
  },
  { name: 'Asterisk restarted (calls gone)', inject: (sim) => sim.restart() },
];

describe('reliability: promised callbacks survive Asterisk faults mid-dispatch (nothing lost, nothing dialed twice)', function () {
  this.timeout(90_000);
  let sim: Simulator;
  let database: TestDatabase;
  let server: CallbackServer;

  afterEach(async () => {
    await server?.close();
    await sim?.close();
    await database?.drop();
  });

  for (const fault of FAULTS) {
    it(`${fault.name}: every callback is still there, each member dialed no more than its recorded attempts, the queue drains afterwards`, async () => {
      sim = await startSim();
      for (const n of NUMBERS) sim.setMember(n, { kind: 'answer', ringMs: 400, talkMs: 200 });
      database = await createTestDatabase('sqlite');
      server = await startCallbackServer({ database, sim, time: new TestTime(), engine: false });
      const ids: number[] = [];
      for (const number of NUMBERS) {
        const cb = await server.service.createManual({ memberId: null, number, preferredAdvisorId: null }, { userId: null, label: 'reliability test' });
        ids.push(cb.id);
      }
      await server.ready(AGENTS);
      await server.startEngine();
      await waitUntil('a member ringing', () => NUMBERS.some((n) => sim.originateCount(dialOf(n)) > 0), 15_000);

      await fault.inject(sim);
      await waitUntil('AMI and ARI back', () => server.telephony.nodes.every((n) => n.connected.ami && n.connected.ari), 15_000);

      const all = async () => Promise.all(ids.map(async (id) => (await server.store.callbacks.get(id))!));
      // Settled: nothing reserved or dialing, and every callback not held back by a retry is completed.
      const settled = await waitUntil(
        'the queue settles',
        async () => {
          const rows = await all();
          return rows.every((c) => c.state === 'completed' || (c.state === 'pending' && c.attempts > 0)) ? rows : null;
        },
        45_000,
      );
      expect(settled, 'no callback vanished').to.have.length(NUMBERS.length);
      for (const cb of settled as CallbackRecord[]) {
        const dialed = sim.originateCount(dialOf(cb.number));
        expect(dialed, `member ${cb.number} dialed ${dialed} times for ${cb.attempts} recorded attempts`).to.be.at.most(cb.attempts);
        expect(cb.attempts).to.be.at.least(1);
        if (cb.state === 'completed') expect(dialed, `completed callback to ${cb.number} was dialed`).to.be.at.least(1);
        expect(cb.state).to.not.equal('cancelled');
      }
      expect(settled.filter((c) => c.state === 'completed').length, 'the dispatcher kept going after the fault').to.be.at.least(NUMBERS.length - AGENTS.length);
    });
  }
});
