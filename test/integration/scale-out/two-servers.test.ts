// Two CTI server processes on one PostgreSQL and one Redis, in front of two simulated
// Asterisk nodes: each server owns one node (its lease), a call routed by either server
// pops on the right agent wherever that agent's desktop is connected, and when server 1
// is killed, server 2 takes its node over and agent A, reconnecting through the
// balancer, gets pops again. A supervisor on either server sees every server's waiting callers.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { startSimulator, type Simulator } from '../../../sim/index.js';
import { DEMO_ADVISORS, DEMO_FIRST_MEMBER, DEMO_PASSWORD, demoUsername } from '../../../db/seeds/demo.js';
import { createStore } from '../../../server/store/index.js';
import type { ScreenPop } from '../../../server/desktop/contract.js';
import { dropRedisPrefix, seededSchema, startBalancer, startServerProcess, tempDir, type Balancer, type ServerProcess, type TestSchema } from './cluster.js';

const redisUrl = process.env.CTI_TEST_REDIS_URL;
const pgUrl = process.env.CTI_TEST_PG_URL;
const skipped = !redisUrl || !pgUrl ? ' (skipped: set CTI_TEST_REDIS_URL and CTI_TEST_PG_URL)' : '';
const TAKEOVER_BOUND_MS = 15_000;

interface Agent {
  advisorId: number;
  token: string;
  endpoint: string;
  socket: ClientSocket;
  pops: ScreenPop[];
  connects: number;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function json(url: string, init: RequestInit & { token?: string } = {}): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(url, { ...init, headers });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function login(baseUrl: string, username: string): Promise<string> {
  const body = await json(`${baseUrl}/api/auth/login`, { method: 'POST', body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
  return body.token as string;
}

async function roleOf(server: ServerProcess, node: string): Promise<string | null> {
  const health = await json(`${server.url}/healthz`);
  return (health.scale?.nodes as Array<{ node: string; role: string }> | undefined)?.find((n) => n.node === node)?.role ?? null;
}

describe(`scale-out: two CTI server processes on PostgreSQL + Redis${skipped}`, function () {
  this.timeout(180_000);
  const prefix = `cti-test-${randomBytes(4).toString('hex')}:`;
  const dir = tempDir();
  let schema: TestSchema | null = null;
  let sims: Simulator[] = [];
  let one: ServerProcess | null = null;
  let two: ServerProcess | null = null;
  let balancer: Balancer | null = null;
  const agents: Agent[] = [];
  let alice: Agent;
  let bob: Agent;
  let aliceMemberPhone: string;
  let bobMemberPhone: string;
  let supervisorToken = '';

  before(async function () {
    if (skipped) this.skip();
    schema = await seededSchema(pgUrl!);
    const store = createStore(schema.db, { defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 });
    const advisors = await store.advisors.list();
    const idOf = (endpoint: string) => advisors.find((a) => a.endpoint === endpoint)!.id;
    const [aliceDemo, bobDemo] = DEMO_ADVISORS;
    aliceMemberPhone = DEMO_FIRST_MEMBER.phone;
    const bobMember = (await store.members.list({ ownerId: idOf(bobDemo!.endpoint) }, { limit: 1, offset: 0 })).items[0]!;
    bobMemberPhone = bobMember.phones[0]!;

    // Only Alice's and Bob's phones are registered, on both Asterisk nodes.
    const phones = { [aliceDemo!.endpoint]: { kind: 'answer' as const, ringMs: 400 }, [bobDemo!.endpoint]: { kind: 'answer' as const, ringMs: 400 } };
    sims = await Promise.all([0, 1].map(() => startSimulator({ amiPort: 0, ariPort: 0, agents: phones, defaultMediaMs: 40, waitScale: 0.02, onError: () => undefined })));
    const env = (serverId: string, preferred: string): Record<string, string> => ({
      CTI_PORT: '0',
      CTI_HOST: '127.0.0.1',
      CTI_DB_URL: schema!.dbUrl,
      CTI_REDIS_URL: redisUrl!,
      CTI_REDIS_PREFIX: prefix,
      CTI_SERVER_ID: serverId,
      CTI_AMI_URL: sims.map((s) => s.amiUrl).join(','),
      CTI_ARI_URL: sims.map((s) => s.ariUrl).join(','),
      CTI_PREFERRED_NODES: preferred,
      CTI_NODE_LEASE: '2s',
      CTI_SERVER_TTL: '2s',
      CTI_PRESENCE_RESYNC: '5s',
      CTI_WRAP_UP: '0s',
      CTI_KEY_TIMEOUT: '300ms',
      CTI_RING_TIMEOUT: '10s',
      CTI_PROMPT_MEDIA: 'sound:cti',
      CTI_PROMPT_DIR: dir.path,
      CTI_LOG_LEVEL: 'warn',
    });
    [one, two] = await Promise.all([startServerProcess('server 1', env(`one-${prefix}`, '0')), startServerProcess('server 2', env(`two-${prefix}`, '1'))]);
    await waitFor('server 1 owning node0 and server 2 owning node1', async () => (await roleOf(one!, 'node0')) === 'owner' && (await roleOf(two!, 'node1')) === 'owner');
    expect(await roleOf(one!, 'node1'), 'a node has one owner').to.equal('standby');
    expect(await roleOf(two!, 'node0'), 'a node has one owner').to.equal('standby');

    // Agent A reaches the servers through the balancer (server 1 while it lives); B talks to server 2.
    balancer = await startBalancer(() => [one, two].filter((s): s is ServerProcess => s !== null && s.alive()).map((s) => s.port));
    supervisorToken = await login(two.url, 'supervisor');
    const agentOn = async (url: string, demo: (typeof DEMO_ADVISORS)[number]): Promise<Agent> => {
      const token = await login(url, demoUsername(demo));
      const socket = connect(url, { auth: { token }, transports: ['websocket'], reconnectionDelay: 200, reconnectionDelayMax: 500 });
      const agent: Agent = { advisorId: idOf(demo.endpoint), token, endpoint: demo.endpoint, socket, pops: [], connects: 0 };
      socket.on('connect', () => agent.connects++);
      socket.on('screen-pop', (pop, ack) => {
        agent.pops.push(pop);
        ack({ popId: pop.popId });
      });
      socket.on('screen-pop:update', (_pop, ack) => ack({ popId: _pop.popId }));
      agents.push(agent);
      await waitFor(`${demo.name}'s desktop connected`, () => socket.connected);
      return agent;
    };
    alice = await agentOn(balancer.url, aliceDemo!);
    bob = await agentOn(two.url, bobDemo!);
    for (const agent of [alice, bob]) expect(await agent.socket.timeout(5000).emitWithAck('agent:state', { state: 'ready' })).to.deep.equal({ ok: true });
  });

  after(async () => {
    for (const agent of agents) agent.socket.disconnect();
    await Promise.allSettled([one?.kill('SIGKILL'), two?.kill('SIGKILL')]);
    await balancer?.close();
    await Promise.allSettled(sims.map((s) => s.close()));
    await schema?.drop().catch(() => undefined);
    if (redisUrl) await dropRedisPrefix(redisUrl, prefix).catch(() => undefined);
    dir.remove();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      for (const server of [one, two]) if (server) console.log(`--- ${server.name} output (tail) ---\n${server.output().slice(-4000)}`);
    }
  });

  /** Until every server shows both agents ready with an idle phone (the view routing reads). */
  async function bothReadyEverywhere(servers: ServerProcess[]): Promise<void> {
    for (const server of servers) {
      await waitFor(`${server.name} seeing both agents ready and idle`, async () => {
        const list = (await json(`${server.url}/api/advisors`, { token: supervisorToken })) as Array<{ id: number; availability: string }>;
        return [alice, bob].every((agent) => list.find((a) => a.id === agent.advisorId)?.availability === 'available');
      });
    }
  }

  /** One call from a member to their own advisor on a node; returns the pop the advisor got. */
  async function callAndPop(sim: Simulator, from: string, owner: Agent, other: Agent): Promise<ScreenPop> {
    const otherPops = other.pops.length;
    const caller = sim.call({ from, keys: ['2', '1'] });
    const pop = await waitFor(`a pop on ${owner.endpoint} for ${from}`, () => owner.pops.find((p) => p.callerNumber === from && p.phase === 'ringing' && p.callId.endsWith(caller.id)));
    // The desktop says it rendered the pop to the server holding its socket, whichever server sent it.
    expect(await owner.socket.timeout(5000).emitWithAck('screen-pop:ack', { popId: pop.popId })).to.deep.equal({ ok: true });
    for (const server of [one, two].filter((s): s is ServerProcess => s !== null && s.alive())) {
      const current = (await json(`${server.url}/api/pops/current`, { token: owner.token })).pops as ScreenPop[];
      const shared = current.find((p) => p.popId === pop.popId);
      expect(shared, `${server.name} lists the pop as current`).to.not.equal(undefined);
      expect(shared?.ackedAt, `${server.name} knows it was acknowledged`).to.be.a('string');
    }
    await caller.waitBridged(10_000);
    caller.hangup();
    await waitFor('the call cleared on the node', () => sim.channelCount() === 0);
    expect(other.pops.slice(otherPops).filter((p) => p.callId === pop.callId), 'the other agent never sees this call').to.have.length(0);
    return pop;
  }

  it('each node is owned by one server and a call routed by either server pops on the right agent, whichever server holds the desktop', async () => {
    await bothReadyEverywhere([one!, two!]);
    const [node0, node1] = sims as [Simulator, Simulator];

    // node0 is routed by server 1: Alice's desktop is on server 1, Bob's on server 2.
    const local0 = await callAndPop(node0, aliceMemberPhone, alice, bob);
    expect(local0).to.include({ reason: 'own-advisor' });
    expect(local0.callId.startsWith('node0:')).to.equal(true);
    await bothReadyEverywhere([one!, two!]);
    const cross0 = await callAndPop(node0, bobMemberPhone, bob, alice);
    expect(cross0).to.include({ reason: 'own-advisor' });

    // node1 is routed by server 2: now Alice's pop crosses servers.
    await bothReadyEverywhere([one!, two!]);
    const cross1 = await callAndPop(node1, aliceMemberPhone, alice, bob);
    expect(cross1).to.include({ reason: 'own-advisor' });
    expect(cross1.callId.startsWith('node1:')).to.equal(true);
    expect(cross1.member?.memberNo).to.equal(DEMO_FIRST_MEMBER.memberNo);
    await bothReadyEverywhere([one!, two!]);
    const local1 = await callAndPop(node1, bobMemberPhone, bob, alice);
    expect(local1).to.include({ reason: 'own-advisor' });
  });

  it('an agent state change reaches each desktop once, whichever servers hold the sockets', async () => {
    // A supervisor watching from server 1 while Bob (on server 2) steps away and comes back.
    const token = await login(one!.url, 'supervisor');
    const watcher = connect(one!.url, { auth: { token }, transports: ['websocket'] });
    const seen: Array<{ advisorId: number; state: string; reason: string | null }> = [];
    const bobSaw: typeof seen = [];
    watcher.on('agent:state', (view) => seen.push(view));
    const onBob = (view: (typeof seen)[number]) => bobSaw.push(view);
    bob.socket.on('agent:state', onBob);
    try {
      await waitFor('the supervisor desktop connected', () => watcher.connected);
      await new Promise((r) => setTimeout(r, 300));
      seen.length = 0;
      bobSaw.length = 0;
      expect(await bob.socket.timeout(5000).emitWithAck('agent:state', { state: 'not-ready', reason: 'lunch' })).to.deep.equal({ ok: true });
      await waitFor('the supervisor seeing Bob at lunch', () => seen.some((v) => v.advisorId === bob.advisorId && v.reason === 'lunch'));
      // Both servers hold the change; a duplicate push, if any, comes within the pub/sub round trip.
      await new Promise((r) => setTimeout(r, 1_000));
      const lunch = (views: typeof seen) => views.filter((v) => v.advisorId === bob.advisorId && v.state === 'not-ready' && v.reason === 'lunch');
      expect(lunch(seen), 'pushes of the change to the supervisor on server 1').to.have.length(1);
      expect(lunch(bobSaw), "pushes of the change to Bob's own desktop on server 2").to.have.length(1);
    } finally {
      watcher.disconnect();
      bob.socket.off('agent:state', onBob);
      expect(await bob.socket.timeout(5000).emitWithAck('agent:state', { state: 'ready' })).to.deep.equal({ ok: true });
    }
    await bothReadyEverywhere([one!, two!]);
  });

  it('after server 1 is killed, server 2 takes node0 over within the bound, routes the caller server 1 left waiting, and agent A reconnects to it and gets pops again', async () => {
    const [node0, node1] = sims as [Simulator, Simulator];
    // Alice steps away: her member's call on node0 waits for her, driven by server 1.
    expect(await alice.socket.timeout(5000).emitWithAck('agent:state', { state: 'not-ready', reason: 'coffee' })).to.deep.equal({ ok: true });
    await waitFor('server 1 seeing Alice busy', async () => {
      const advisor = await json(`${one!.url}/api/advisors/${alice.advisorId}`, { token: supervisorToken });
      return advisor.availability === 'busy';
    });
    const waiting = node0.call({ from: aliceMemberPhone, keys: ['2', '1'] });
    await waiting.waitStasis(10_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(alice.pops.filter((p) => p.callId.endsWith(waiting.id)), 'nobody rang yet').to.have.length(0);
    // A supervisor on server 2 sees the caller server 1 holds (the waiting lines are shared).
    const listed = await waitFor("server 2's wallboard listing the caller waiting on server 1", async () => {
      const board = await json(`${two!.url}/api/wallboard`, { token: supervisorToken });
      return (board.waiting as Array<{ callId: string; reason: string; targetAdvisorId: number | null; memberName: string | null }>).find((w) => w.callId.endsWith(waiting.id));
    });
    expect(listed).to.include({ reason: 'own-advisor', targetAdvisorId: alice.advisorId });
    expect(listed.memberName, 'the member is named from the database').to.be.a('string');

    const connectsBefore = alice.connects;
    const killedAt = Date.now();
    await one!.kill('SIGKILL');
    await waitFor('server 2 owning node0', async () => (await roleOf(two!, 'node0')) === 'owner', TAKEOVER_BOUND_MS + 5_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs, `node0 taken over after ${takeoverMs} ms`).to.be.below(TAKEOVER_BOUND_MS);
    expect(await roleOf(two!, 'node1')).to.equal('owner');

    await waitFor("Alice's desktop reconnected through the balancer", () => alice.socket.connected && alice.connects > connectsBefore, TAKEOVER_BOUND_MS);
    expect(await alice.socket.timeout(5000).emitWithAck('agent:state', { state: 'ready' })).to.deep.equal({ ok: true });

    // The caller server 1 left in the Stasis app is routed by server 2 to Alice.
    const adopted = await waitFor('a pop on Alice for the caller left waiting', () => alice.pops.find((p) => p.phase === 'ringing' && p.callId.endsWith(waiting.id)));
    expect(adopted).to.include({ reason: 'own-advisor', callerNumber: aliceMemberPhone });
    await waiting.waitBridged(10_000);
    waiting.hangup();
    await waitFor('the adopted call cleared', () => node0.channelCount() === 0);

    await bothReadyEverywhere([two!]);
    const pop = await callAndPop(node0, aliceMemberPhone, alice, bob);
    expect(pop).to.include({ reason: 'own-advisor' });
    expect(pop.member?.memberNo).to.equal(DEMO_FIRST_MEMBER.memberNo);
    await bothReadyEverywhere([two!]);
    expect(await callAndPop(node1, bobMemberPhone, bob, alice)).to.include({ reason: 'own-advisor' });
  });
});
