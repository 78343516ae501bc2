import { expect } from 'chai';
import type { PhoneBehaviour, Simulator } from '../../../sim/index.js';
import { startSimulator } from '../../../sim/index.js';
import { closeDatabase, openDatabase } from '../../../server/store/database.js';
import { createStore } from '../../../server/store/index.js';
import { SYSTEM_ACTOR } from '../../../server/store/callback-audit.js';
import { createTestDatabase, PG_URL, startCallbackServer, TestTime, type CallbackServer, type TestDatabase } from './harness.js';

const CALLBACKS = 1000;
const ADVISORS = 20;
const endpoints = Array.from({ length: ADVISORS }, (_, i) => `PJSIP/${2001 + i}`);
const numbers = Array.from({ length: CALLBACKS }, (_, i) => `86137${String(i).padStart(8, '0')}`);

const title = PG_URL
  ? 'callbacks: two servers on one PostgreSQL database, 1,000 due callbacks, 20 free advisors'
  : 'callbacks: two servers on one PostgreSQL database (skipped: set CTI_TEST_PG_URL to run)';

describe(title, function () {
  this.timeout(180_000);
  let sim: Simulator | undefined;
  let database: TestDatabase | undefined;
  const servers: CallbackServer[] = [];

  before(async function () {
    if (!PG_URL) return this.skip();
    const agents: Record<string, PhoneBehaviour> = {};
    for (const endpoint of endpoints) agents[endpoint] = { kind: 'answer', ringMs: 5 };
    sim = await startSimulator({
      amiPort: 0,
      ariPort: 0,
      agents,
      memberDefault: { kind: 'answer', ringMs: 5, talkMs: 20 },
      defaultMediaMs: 40,
      waitScale: 0.02,
      onError: () => undefined,
    });
    database = await createTestDatabase('postgres');
  });

  after(async () => {
    for (const server of servers) await server.close();
    await sim?.close();
    await database?.drop();
  });

  it('every callback is dialed exactly once (Originates counted in the simulator)', async () => {
    const time = new TestTime();
    // Arrange: advisors and callbacks through a separate connection, as an operator would.
    const setupDb = openDatabase(PG_URL!, { searchPath: database!.searchPath });
    const setup = createStore(setupDb, { clock: time.clock, defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 });
    for (const [i, endpoint] of endpoints.entries()) await setup.advisors.create({ name: `Agent ${i + 1}`, tier: 'vip', endpoint });
    for (const number of numbers) {
      await setup.callbacks.create({ memberId: null, number, reason: 'requested', maxAttempts: 3, firstCallAt: new Date(time.now() - 60_000).toISOString() }, SYSTEM_ACTOR);
    }
    await closeDatabase(setupDb);

    // Two servers: own connection pools, presence boards and ARI apps; ten advisors signed in on each.
    for (const [index, app] of ['cti-a', 'cti-b'].entries()) {
      const server = await startCallbackServer({ database: database!, sim: sim!, time, app, engine: false, env: { CTI_DISPATCH_INTERVAL: '100ms' } });
      servers.push(server);
      await server.ready(endpoints.slice(index * 10, index * 10 + 10));
    }
    await Promise.all(servers.map((s) => s.startEngine({ memberRingTimeoutMs: 2000 })));

    // Polled slowly: the count query must not compete with the servers for the event loop.
    for (let waited = 0; (await servers[0]!.store.callbacks.count({ state: 'completed' })) < CALLBACKS; waited += 250) {
      if (waited > 150_000) throw new Error(`not all ${CALLBACKS} callbacks completed: ${JSON.stringify(await servers[0]!.store.callbacks.countByState())}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.all(servers.map((s) => s.engine!.idle()));

    const twice = numbers.filter((n) => sim!.originateCount(`PJSIP/${n}@trunk`) !== 1);
    expect(twice, 'numbers not dialed exactly once').to.deep.equal([]);
    const agentOriginates = endpoints.reduce((sum, e) => sum + sim!.originateCount(e), 0);
    expect(agentOriginates).to.equal(CALLBACKS);
    // Both servers took part, and each completed callback names the server that dialed it.
    const byWorker = (await servers[0]!.db('callback_events').where({ action: 'claimed' }).groupBy('actor').select('actor').count({ n: '*' })) as Array<{
      actor: string;
      n: string | number;
    }>;
    expect(byWorker.map((r) => r.actor).sort()).to.deep.equal(servers.map((s) => s.engine!.workerId).sort());
    expect(byWorker.reduce((sum, r) => sum + Number(r.n), 0)).to.equal(CALLBACKS);
  });
});
