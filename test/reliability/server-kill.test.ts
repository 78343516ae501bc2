import { appendFileSync } from 'node:fs';
import { expect } from 'chai';
import { DEMO_ADVISORS, DEMO_FIRST_MEMBER } from '../../db/seeds/demo.js';
import type { CallHandle, Simulator } from '../../sim/index.js';
import {
  api,
  Desktops,
  freePort,
  login,
  promiseCallbacksForTomorrow,
  quietHoursFarFromNow,
  seededWorkdir,
  serverEnv,
  sleep,
  startChild,
  startPbx,
  timeUntilRouting,
  waitFor,
  type ChildServer,
  type Workdir,
} from './support.js';

const REPORT = process.env.CTI_RELIABILITY_REPORT;

const RECOVERY_LIMIT_MS = 15_000;
const ENDPOINTS = DEMO_ADVISORS.map((a) => a.endpoint);

describe('reliability: the CTI server killed with -9 under load and started again', function () {
  this.timeout(120_000);
  let work: Workdir;
  let sim: Simulator;
  let server: ChildServer | null = null;
  let desktops: Desktops | null = null;
  const callers: CallHandle[] = [];

  afterEach(async () => {
    desktops?.close();
    for (const c of callers) c.hangup();
    await server?.kill();
    await sim?.close();
    work?.remove();
  });

  it('promised callbacks, stored calls and tokens survive; desktops come back; callers caught mid-flow are not left in silence; nothing dialed twice; routing resumes', async () => {
    work = await seededWorkdir();
    sim = await startPbx();
    const port = await freePort();
    const env = serverEnv(sim, work.dbUrl, { CTI_OWNER_MAX_WAIT: '60s' });
    server = await startChild(env, port);
    const url = server.url;
    desktops = new Desktops(url);
    await desktops.signIn();
    const supervisor = await login(url, 'supervisor');

    // Promises made before the crash: the API answered 201 only after the row was written.
    const promised = await promiseCallbacksForTomorrow(
      url,
      supervisor,
      Array.from({ length: 5 }, (_, i) => `1390000${2000 + i}`),
      'before the crash',
    );
    // Load: member calls reaching their advisors, one caller waiting for a busy owner, and REST reads.
    const members = (await api(url, 'GET', '/api/members?limit=200', supervisor)).body.items as Array<{ phones: string[]; ownerId: number | null }>;
    const aliceId = (await api(url, 'GET', `/api/members?phone=${DEMO_FIRST_MEMBER.phone}`, supervisor)).body.items[0].ownerId as number;
    // One caller per owner (an owner busy with another caller would make the next one wait), Alice kept free.
    const owners = new Set<number>([aliceId]);
    const distinct = members.filter((m) => m.ownerId !== null && !owners.has(m.ownerId) && owners.add(m.ownerId)).slice(0, 6);
    const bridged = distinct.map((m) => sim.call({ from: m.phones[0]!, keys: ['2', '1'] }));
    callers.push(...bridged);
    await Promise.all(bridged.map((c) => c.waitBridged(20_000)));
    const waiting = sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    callers.push(waiting);
    await waiting.waitStasis(10_000);
    let reads = 0;
    let stopReads = false;
    const readLoop = (async () => {
      while (!stopReads) {
        await api(url, 'GET', '/api/members?q=Wang', supervisor).then(
          () => reads++,
          () => undefined,
        );
      }
    })();
    await sleep(300);
    const dialedBefore = ENDPOINTS.reduce((sum, e) => sum + sim.originateCount(e), 0);
    const storedBefore = (await api(url, 'GET', '/api/calls?limit=200', supervisor)).body.total as number;

    await server.kill('SIGKILL');
    stopReads = true;
    await readLoop;
    expect(reads).to.be.greaterThan(0);
    await waitFor('desktops notice the server is gone', () => !desktops!.allConnected(), 5000);
    expect(bridged.every((c) => !c.ended), 'Asterisk keeps bridged calls when the CTI server dies').to.equal(true);

    const restartAt = Date.now();
    server = await startChild(env, port);
    const upMs = Date.now() - restartAt;
    const { ms: routingMs } = await timeUntilRouting(sim, '8613999990002', restartAt);
    expect(routingMs).to.be.lessThan(RECOVERY_LIMIT_MS + upMs);

    // Tokens live in the database: the supervisor's still works, desktops reconnect by themselves.
    for (const id of promised) {
      const res = await api(url, 'GET', `/api/callbacks/${id}`, supervisor);
      expect(res.status, `callback ${id} after the crash`).to.equal(200);
      expect(res.body.state).to.equal('pending');
    }
    expect((await api(url, 'GET', '/api/calls?limit=200', supervisor)).body.total).to.be.at.least(storedBefore);
    await waitFor('desktops reconnected', () => desktops!.allConnected(), 15_000);

    // The caller who was mid-flow at the crash is either served or released, never left in Stasis with nobody listening.
    await waitFor('the waiting caller is served or released', () => waiting.ended || waiting.bridgedTo !== undefined, 15_000);
    // Calls bridged before the crash are not rung again: only the probe calls may have dialed an agent.
    const dialedAfter = ENDPOINTS.reduce((sum, e) => sum + sim.originateCount(e), 0);
    expect(dialedAfter - dialedBefore, 'agent dials after the restart').to.be.at.most(2);
    for (const c of bridged) c.hangup();
    await waitFor(
      'every call settled in the store',
      async () => {
        const open = await api(url, 'GET', '/api/calls?outcome=in-progress&limit=200', supervisor);
        return open.status === 200 && open.body.total === 0;
      },
      20_000,
    );
    if (REPORT) appendFileSync(REPORT, JSON.stringify({ fault: 'CTI server kill -9', upMs, routingMs, at: new Date().toISOString() }) + '\n');
  });
  it('callbacks reserved and dialing when the server is killed: released after their lease, every one kept, no member dialed more often than the attempts recorded', async () => {
    work = await seededWorkdir();
    sim = await startPbx();
    const numbers = Array.from({ length: 5 }, (_, i) => `86139000050${i}`);
    for (const n of numbers) sim.setMember(n, { kind: 'answer', ringMs: 2500, talkMs: 500 });
    const port = await freePort();
    // The interrupted dial is a contact: a short minimum gap lets its retry come within the test.
    const env = serverEnv(sim, work.dbUrl, { CTI_CALLBACK_LEASE: '4s', CTI_DISPATCH_INTERVAL: '300ms', CTI_QUIET_HOURS: quietHoursFarFromNow(), CTI_MIN_CONTACT_GAP: '1s' });
    server = await startChild(env, port);
    const url = server.url;
    desktops = new Desktops(url);
    await desktops.signIn(['PJSIP/1005', 'PJSIP/1006', 'PJSIP/1007']);
    const supervisor = await login(url, 'supervisor');
    const ids: number[] = [];
    for (const number of numbers) {
      const res = await api(url, 'POST', '/api/callbacks', supervisor, { memberId: null, number, note: 'kill test' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      ids.push(res.body.id as number);
    }
    const dialOf = (n: string) => `PJSIP/${n}@trunk`;
    await waitFor('a member ringing for a callback', () => numbers.some((n) => sim.originateCount(dialOf(n)) > 0), 20_000);
    await server.kill('SIGKILL');
    const inFlight = numbers.filter((n) => sim.originateCount(dialOf(n)) > 0);

    // The agents who answered for the dead server are left on a leg nobody drives.
    const agents = ['PJSIP/1005', 'PJSIP/1006', 'PJSIP/1007'];
    const strandedAgentLegs = [...sim.box.pbx.channels.values()].filter((c) => agents.includes(c.device) && !c.hungup);
    expect(strandedAgentLegs, 'agent legs up when the server died').to.not.be.empty;

    server = await startChild(env, port);
    // The restarted server hangs them up (nobody here does): the agents are free for the next dial.
    await waitFor('the stranded agent legs are hung up by the restarted server', () => strandedAgentLegs.every((c) => c.hungup), 15_000);
    const done = await waitFor(
      'every callback completed after the restart',
      async () => {
        const rows = await Promise.all(ids.map(async (id) => (await api(url, 'GET', `/api/callbacks/${id}`, supervisor)).body as { state: string; number: string; attempts: number }));
        return rows.every((r) => r.state === 'completed') ? rows : null;
      },
      60_000,
      250,
    ).catch(async (err: unknown) => {
      const rows = await Promise.all(ids.map(async (id) => (await api(url, 'GET', `/api/callbacks/${id}`, supervisor)).body));
      const channels = [...sim.box.pbx.channels.values()].map((c) => `${c.name}:${c.state}`);
      throw new Error(`channels ${channels.join(' ')} ${String(err)}: ${JSON.stringify(rows.map((r: { id: number; state: string; attempts: number; dueAt: string; lastResult: unknown; events?: unknown[] }) => [r.id, r.state, r.attempts, r.dueAt, r.lastResult, (r.events ?? []).map((e) => (e as { action: string }).action)]))} dials ${numbers.map((n) => sim.originateCount(dialOf(n)))}`);
    });
    expect(done, 'no promised callback lost').to.have.length(numbers.length);
    for (const cb of done) {
      const dialed = sim.originateCount(dialOf(cb.number));
      // The dial the crash interrupted was counted before the member's phone rang.
      expect(dialed, `${cb.number}: dialed ${dialed} times, ${cb.attempts} attempts recorded`).to.be.within(1, cb.attempts);
    }
    expect(inFlight.length).to.be.greaterThan(0);
  });
});
