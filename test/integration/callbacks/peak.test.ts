import { expect } from 'chai';
import type { Simulator } from '../../../sim/index.js';
import type { CallHandle } from '../../../sim/index.js';
import { createLogger } from '../../../server/shared/logger.js';
import { captureAbandonedCalls } from '../../../server/callbacks/abandon-capture.js';
import { ALL_ENDPOINTS, createTestDatabase, startCallbackServer, startSim, TestTime, waitUntil, type CallbackServer, type TestDatabase } from './harness.js';

const OFFER = 'sound:cti/en/peak-callback-offer';

interface Caller {
  memberId: number;
  phone: string;
  ownerId: number;
  ownerEndpoint: string;
}

describe('callbacks: simulated peak (offers accepted, abandoned calls captured once, none for members who got through)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let database: TestDatabase;
  let server: CallbackServer;
  let stopCapture: () => void;

  before(async () => {
    sim = await startSim();
    database = await createTestDatabase('sqlite');
    // Only the abandon capture runs here (no dispatcher): callbacks stay in the queue to be inspected.
    server = await startCallbackServer({ database, sim, time: new TestTime(), engine: false, env: { CTI_ABANDON_THRESHOLD: '2s' } });
    stopCapture = captureAbandonedCalls(server.telephony.events, server.service, createLogger('silent'));
  });

  after(async () => {
    stopCapture?.();
    await server?.close();
    await sim?.close();
    await database?.drop();
  });

  /** Regular members with distinct owners, so no two callers share an advisor. */
  async function pickCallers(n: number): Promise<Caller[]> {
    const rows = (await server
      .db('members as m')
      .join('member_phones as p', 'p.member_id', 'm.id')
      .join('member_ownership as o', function () {
        this.on('o.member_id', '=', 'm.id').andOnNull('o.until');
      })
      .join('advisors as a', 'a.id', 'o.advisor_id')
      .where('m.level', 'regular')
      .orderBy('m.id')
      .select('m.id as memberId', 'p.phone as phone', 'a.id as ownerId', 'a.endpoint as ownerEndpoint')) as Caller[];
    const byOwner = new Map<number, Caller>();
    for (const row of rows) if (!byOwner.has(row.ownerId)) byOwner.set(row.ownerId, row);
    return [...byOwner.values()].slice(0, n);
  }

  async function reachOffer(phone: string): Promise<CallHandle> {
    const caller = sim.call({ from: phone, keys: ['2', '1'] });
    await caller.waitPlayback(OFFER, 10_000);
    return caller;
  }

  const open = async (memberId: number) => (await server.store.callbacks.list({ memberId, state: ['pending', 'reserved', 'dialing'] })).items;
  const all = async (memberId: number) => (await server.store.callbacks.list({ memberId })).items;

  it('accepted offers are queued with the caller number and owner; abandons give one callback each; a member who gets through has theirs closed', async () => {
    const [accept1, accept2, accept3, abandonTwice, hangsUpQuickly, getsThrough] = await pickCallers(6);
    expect(getsThrough, 'six members with distinct owners in the demo data').to.not.equal(undefined);

    // Arrivals above capacity (nobody staffed): each caller is offered a callback.
    const accepted = await Promise.all([accept1!, accept2!, accept3!].map((c) => reachOffer(c.phone)));
    for (const caller of accepted) caller.press('2');
    await Promise.all(accepted.map((c) => c.waitPlayback('callback-confirmed', 10_000)));
    for (const c of [accept1!, accept2!, accept3!]) {
      const [callback, ...more] = await open(c.memberId);
      expect(more, `one callback for member ${c.memberId}`).to.deep.equal([]);
      expect(callback).to.include({ reason: 'peak-offer', number: c.phone, preferredAdvisorId: c.ownerId, state: 'pending' });
    }

    // Waits past the threshold, hangs up, calls again and does it again: still one callback.
    for (let round = 0; round < 2; round++) {
      const caller = await reachOffer(abandonTwice!.phone);
      caller.press('1');
      await new Promise((r) => setTimeout(r, 2300));
      caller.hangup();
      await waitUntil('abandoned callback stored', async () => (await open(abandonTwice!.memberId)).length === 1 && (await open(abandonTwice!.memberId))[0]!.note.split('abandoned at').length === round + 2);
    }
    const [abandoned, ...extra] = await open(abandonTwice!.memberId);
    expect(extra).to.deep.equal([]);
    expect(abandoned).to.include({ reason: 'abandoned', number: abandonTwice!.phone, preferredAdvisorId: abandonTwice!.ownerId });

    // Hangs up at the offer, well under the threshold: no callback.
    const quick = await reachOffer(hangsUpQuickly!.phone);
    quick.hangup();
    await waitUntil('quick caller gone', () => quick.ended);
    await new Promise((r) => setTimeout(r, 300));
    expect(await all(hangsUpQuickly!.memberId)).to.deep.equal([]);

    // Abandons (callback captured), then calls again and reaches their own advisor: the callback is closed with the reason.
    const first = await reachOffer(getsThrough!.phone);
    first.press('1');
    await new Promise((r) => setTimeout(r, 2300));
    first.hangup();
    const [captured] = await waitUntil('captured', async () => ((await open(getsThrough!.memberId)).length === 1 ? open(getsThrough!.memberId) : null));
    await server.ready([getsThrough!.ownerEndpoint]);
    const again = sim.call({ from: getsThrough!.phone, keys: ['2', '1'], talkMs: 100 });
    await again.waitBridged(10_000);
    const closed = await waitUntil('closed', async () => {
      const cb = await server.store.callbacks.get(captured!.id);
      return cb?.state === 'cancelled' ? cb : null;
    });
    expect(closed.cancelReason).to.match(/^member got through/);
    expect((await all(getsThrough!.memberId)).filter((c) => c.state !== 'cancelled')).to.deep.equal([]);
  });
});

describe('callbacks: a staffed floor past its capacity (offered once the expected wait passes the peak threshold)', function () {
  this.timeout(60_000);
  const STAFF = ALL_ENDPOINTS.slice(0, 3);
  const HANDLE_MS = 5 * 60_000;
  let sim: Simulator;
  let database: TestDatabase;
  let server: CallbackServer;
  const callers: CallHandle[] = [];
  const time = new TestTime();

  before(async () => {
    // Three advisors who talk until the test hangs up; nobody else is signed in.
    sim = await startSim(Object.fromEntries(STAFF.map((e) => [e, { kind: 'answer', ringMs: 30, talkMs: 60_000 } as const])));
    database = await createTestDatabase('sqlite');
    server = await startCallbackServer({ database, sim, time, engine: false, env: { CTI_PEAK_WAIT_THRESHOLD: '2m' } });
    await server.ready(STAFF);
    // Their calls last five minutes: a caller waiting for one of them waits position x 5 min / 3.
    for (const endpoint of STAFF) {
      const id = await server.advisorId(endpoint);
      for (let i = 0; i < 10; i++) server.presence.recordHandleTime(id, HANDLE_MS);
    }
  });

  after(async () => {
    for (const c of callers) c.hangup();
    await server?.close();
    await sim?.close();
    await database?.drop();
  });

  const unknownCaller = (n: number) => {
    const caller = sim.call({ from: `861395550000${n}`, keys: ['2', '3'] });
    callers.push(caller);
    return caller;
  };

  it('with the three advisors busy, the first caller to wait (100 s) just waits; the next (200 s) is offered a callback that keeps their first-call time', async () => {
    const talking = [1, 2, 3].map(unknownCaller);
    expect((await Promise.all(talking.map((c) => c.waitBridged(10_000)))).sort()).to.deep.equal([...STAFF].sort());

    const first = unknownCaller(4);
    await waitUntil('the first caller waits in the pool', () => server.telephony.waitingCallers().length === 1, 10_000);
    const arrivedAt = time.now();
    const second = unknownCaller(5);
    await second.waitPlayback(OFFER, 10_000);
    expect(first.playbacks.filter((p) => p.includes('peak-callback-offer')), 'under the threshold: no offer').to.deep.equal([]);

    second.press('2');
    await second.waitPlayback('callback-confirmed', 10_000);
    const [callback, ...more] = (await server.store.callbacks.list({ reason: 'peak-offer' })).items;
    expect(more, 'one offer accepted, one callback').to.deep.equal([]);
    expect(callback).to.include({ number: '8613955500005', state: 'pending', memberId: null, preferredAdvisorId: null });
    // Keeps their place: the callback is ordered by when they called, not when it was booked.
    expect(Date.parse(callback!.firstCallAt)).to.be.within(arrivedAt, time.now());
    expect(first.ended, 'the first caller is still waiting for an advisor').to.equal(false);
  });
});
