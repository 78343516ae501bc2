import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { DEMO_FIRST_MEMBER } from '../../db/seeds/demo.js';
import { startTestServer, type TestServer } from '../support/server-harness.js';
import { collect, emitWithAck, expectErrorShape, fillPath, listOperations, openDesktop, readRows, sleep, waitFor } from './support.js';

const BOB_ENDPOINT = 'PJSIP/1002';

describe('security: roles on every route and event', function () {
  this.timeout(60_000);
  let server: TestServer;
  let supervisor: string;
  let alice: string;
  let bob: string;
  let aliceId: number;
  let bobId: number;
  const sockets: Socket[] = [];

  before(async () => {
    server = await startTestServer();
    supervisor = await server.login('supervisor');
    alice = await server.login('alice');
    bob = await server.login('bob');
    aliceId = (await server.request('GET', '/api/me', { token: alice })).body.advisorId as number;
    bobId = (await server.request('GET', '/api/me', { token: bob })).body.advisorId as number;
  });

  after(async () => {
    for (const s of sockets) s.disconnect();
    await server?.stop();
  });

  async function desktop(token: string): Promise<Socket> {
    const { socket, error } = await openDesktop(server, token);
    sockets.push(socket);
    if (error) throw error;
    return socket;
  }

  it('every route except the public ones answers 401 with an error body when no token (or a forged one) is sent', async () => {
    const operations = await listOperations(server);
    expect(operations.length).to.be.greaterThan(25);
    const checked: string[] = [];
    for (const op of operations) {
      if (op.isPublic) continue;
      const path = fillPath(op.path, { id: '1', popId: 'x' });
      for (const token of [undefined, 'forged-token-0000000000000000000000000000']) {
        const res = await server.request(op.method, path, { ...(token ? { token } : {}), ...(op.body ? { body: {} } : {}) });
        expect(res.status, `${op.method} ${op.path} with ${token ? 'a forged token' : 'no token'}`).to.equal(401);
        expect(expectErrorShape(res.body), `${op.method} ${op.path} error body`).to.equal(true);
      }
      checked.push(`${op.method} ${op.path}`);
    }
    expect(checked).to.include.members(['GET /api/callbacks', 'POST /api/members/:id/owner', 'GET /api/wallboard']);
    expect(operations.filter((o) => o.isPublic).map((o) => `${o.method} ${o.path}`)).to.deep.equal(['POST /api/auth/login']);
  });

  it('every route with x-roles answers 403 to an agent, before looking at the body, and changes nothing', async () => {
    const operations = await listOperations(server);
    const restricted = operations.filter((o) => o.roles && !o.roles.includes('agent'));
    expect(restricted.length).to.be.greaterThan(8);
    const before = readRows(server, 'SELECT COUNT(*) AS n FROM member_ownership')[0];
    for (const op of restricted) {
      const res = await server.request(op.method, fillPath(op.path, { id: String(bobId) }), { token: alice, ...(op.body ? { body: {} } : {}) });
      expect(res.status, `${op.method} ${op.path} as an agent`).to.equal(403);
      expect(expectErrorShape(res.body)).to.equal(true);
    }
    expect(readRows(server, 'SELECT COUNT(*) AS n FROM member_ownership')[0]).to.deep.equal(before);
    const wallboard = await server.request('GET', '/api/wallboard', { token: supervisor });
    expect(wallboard.status, 'the supervisor is let through').to.equal(200);
  });

  it("an agent cannot list, read, change, cancel or call another agent's callback", async () => {
    const created = await server.request('POST', '/api/callbacks', {
      token: supervisor,
      body: { memberId: null, number: '13900001111', preferredAdvisorId: bobId, note: 'for Bob only' },
    });
    expect(created.status).to.equal(201);
    const id = created.body.id as number;

    const own = await server.request('GET', '/api/callbacks', { token: alice });
    expect(own.status).to.equal(200);
    expect((own.body.items as Array<{ id: number }>).map((c) => c.id)).to.not.include(id);
    const asBob = await server.request('GET', '/api/callbacks', { token: bob });
    expect((asBob.body.items as Array<{ id: number }>).map((c) => c.id)).to.include(id);

    const attempts = [
      server.request('GET', `/api/callbacks?advisorId=${bobId}`, { token: alice }),
      server.request('GET', `/api/callbacks/${id}`, { token: alice }),
      server.request('PATCH', `/api/callbacks/${id}`, { token: alice, body: { assignedAdvisorId: aliceId } }),
      server.request('PATCH', `/api/callbacks/${id}`, { token: bob, body: { assignedAdvisorId: aliceId } }),
      server.request('PATCH', `/api/callbacks/${id}`, { token: bob, body: { priority: 100 } }),
      server.request('DELETE', `/api/callbacks/${id}`, { token: alice, body: { reason: 'not mine' } }),
      server.request('POST', `/api/callbacks/${id}/call-now`, { token: alice, body: {} }),
      server.request('POST', '/api/callbacks', { token: alice, body: { memberId: null, number: '13900002222', preferredAdvisorId: bobId } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status, JSON.stringify(res.body)).to.equal(403);
      expect(expectErrorShape(res.body)).to.equal(true);
    }
    const after = await server.request('GET', `/api/callbacks/${id}`, { token: supervisor });
    expect(after.body).to.include({ state: 'pending', preferredAdvisorId: bobId, assignedAdvisorId: null, priority: created.body.priority });
    expect((after.body.events as Array<{ action: string }>).map((e) => e.action)).to.deep.equal(['created']);
  });

  it('a screen pop reaches the ringing agent and supervisors only; an agent cannot join rooms or get the wallboard', async () => {
    const aliceSocket = await desktop(alice);
    const bobSocket = await desktop(bob);
    const supervisorSocket = await desktop(supervisor);
    const alicePops = collect(aliceSocket, 'screen-pop');
    const bobPops = collect(bobSocket, 'screen-pop');
    const supervisorPops = collect(supervisorSocket, 'screen-pop');
    const aliceWallboards = collect(aliceSocket, 'wallboard');
    const supervisorWallboards = collect(supervisorSocket, 'wallboard');
    const bobStates = collect<{ advisorId: number }>(bobSocket, 'agent:state');

    // Room names a curious client might try; the gateway offers no way to join any of them.
    for (const room of ['supervisors', `agent:${aliceId}`]) {
      bobSocket.emit('join', room);
      bobSocket.emit('subscribe', { room });
    }
    expect(await emitWithAck(aliceSocket, 'agent:state', { state: 'ready' })).to.deep.equal({ ok: true });
    // A request naming another advisor is refused outright; the state applies to the sender only.
    const foreign = (await emitWithAck(bobSocket, 'agent:state', { state: 'not-ready', reason: 'break', advisorId: aliceId })) as { ok: boolean };
    expect(foreign.ok).to.equal(false);
    expect(await emitWithAck(bobSocket, 'agent:state', { state: 'not-ready', reason: 'break' })).to.deep.equal({ ok: true });
    await waitFor('Alice ready', () => server.presence.get(aliceId)?.desktop === 'ready');
    expect(server.presence.get(bobId)?.desktop).to.equal('not-ready');

    const caller = server.demo!.simulator.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await caller.waitStasis(30_000);
    await waitFor('Alice gets the pop', () => alicePops.length > 0, 15_000);
    await waitFor('supervisor sees the pop', () => supervisorPops.length > 0);
    await waitFor('a wallboard reaches the supervisor', () => supervisorWallboards.length > 0, 5000);
    await sleep(300);
    caller.hangup();
    expect(bobPops, 'Bob never sees a pop for a call that rang Alice').to.have.length(0);
    expect(aliceWallboards, 'agents never get the wallboard').to.have.length(0);
    expect(bobStates.every((s) => s.advisorId === bobId), "Bob only hears his own state, not Alice's").to.equal(true);
    expect(bobSocket.connected).to.equal(true);
  });

  it('passwords are stored as salted scrypt hashes, never as text', () => {
    const users = readRows(server, 'SELECT username, password_hash FROM users');
    expect(users.length).to.be.greaterThan(10);
    const hashes = users.map((u) => String(u.password_hash));
    for (const hash of hashes) {
      expect(hash).to.match(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(hash).to.not.include('demo1234');
    }
    expect(new Set(hashes).size, 'same password, different salt').to.equal(hashes.length);
    const tokens = readRows(server, 'SELECT token_hash FROM access_tokens');
    for (const row of tokens) expect([supervisor, alice, bob]).to.not.include(row.token_hash);
  });
});

describe('security: tokens expire, are revoked, and sign-in is rate-limited', function () {
  this.timeout(60_000);
  let server: TestServer;
  let offset = 0;
  const now = () => Date.now() + offset;

  before(async () => {
    server = await startTestServer({ CTI_TOKEN_TTL: '1h' }, { now });
  });

  after(async () => {
    await server?.stop();
  });

  it('a token stops working once CTI_TOKEN_TTL has passed, for REST and for new desktop sockets', async () => {
    const token = await server.login('cathy');
    expect((await server.request('GET', '/api/me', { token })).status).to.equal(200);
    offset += 59 * 60_000;
    expect((await server.request('GET', '/api/me', { token })).status, 'still inside the hour').to.equal(200);
    offset += 2 * 60_000;
    const expired = await server.request('GET', '/api/me', { token });
    expect(expired.status).to.equal(401);
    expect(expectErrorShape(expired.body)).to.equal(true);
    const { socket, error } = await openDesktop(server, token);
    socket.disconnect();
    expect(error, 'the socket handshake is refused').to.be.instanceOf(Error);
  });

  it('a desktop socket is closed when its token expires (not at its next reconnect) and cannot reconnect with it', async () => {
    const expiring = await server.login('leo');
    // Leo signed in 59 min 57 s ago: 3 s left on the pinned clock.
    offset += 60 * 60_000 - 3_000;
    const fresh = await server.login('kelly');
    const { socket, error } = await openDesktop(server, expiring);
    const { socket: other } = await openDesktop(server, fresh);
    try {
      expect(error, 'still valid at the handshake').to.equal(null);
      const opened = Date.now();
      const closed = await new Promise<string>((resolve) => {
        socket.once('disconnect', (reason) => resolve(reason));
        setTimeout(() => resolve('still connected'), 15_000);
      });
      expect(closed).to.equal('io server disconnect');
      expect(Date.now() - opened, 'closed at expiry, not at once').to.be.at.least(2_000);
      expect(other.connected, 'a token with time left keeps its socket').to.equal(true);
      expect((await server.request('GET', '/api/me', { token: expiring })).status).to.equal(401);
      const again = await openDesktop(server, expiring);
      again.socket.disconnect();
      expect((again.error as (Error & { data?: { code?: string } }) | null)?.data?.code).to.equal('invalid_token');
    } finally {
      socket.disconnect();
      other.disconnect();
    }
  });

  it('logout revokes the token: REST answers 401 and the desktop sockets opened with it are closed', async () => {
    const token = await server.login('david');
    const other = await server.login('david');
    const { socket } = await openDesktop(server, token);
    const { socket: otherSocket } = await openDesktop(server, other);
    try {
      expect(socket.connected && otherSocket.connected).to.equal(true);
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
      expect((await server.request('POST', '/api/auth/logout', { token })).status).to.equal(204);
      expect((await server.request('GET', '/api/me', { token })).status).to.equal(401);
      expect(await Promise.race([disconnected, sleep(3000).then(() => 'still connected')])).to.equal('io server disconnect');
      expect((await server.request('GET', '/api/me', { token: other })).status, 'the other session lives on').to.equal(200);
      expect(otherSocket.connected).to.equal(true);
      const again = await openDesktop(server, token);
      again.socket.disconnect();
      expect(again.error).to.be.instanceOf(Error);
    } finally {
      socket.disconnect();
      otherSocket.disconnect();
    }
  });

  it('failed sign-in attempts are limited per address and username: the 11th in 15 minutes gets 429, other users are unaffected', async () => {
    const username = `nobody-${process.pid}-${Date.now()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await server.request('POST', '/api/auth/login', { body: { username, password: `guess-${i}` } })).status);
    }
    expect(statuses.slice(0, 10)).to.deep.equal(Array(10).fill(401));
    expect(statuses.slice(10)).to.deep.equal([429, 429]);
    const limited = await server.request('POST', '/api/auth/login', { body: { username, password: 'demo1234' } });
    expect(limited.status).to.equal(429);
    expect(limited.body.error.code).to.equal('too_many_attempts');
    expect((await server.request('POST', '/api/auth/login', { body: { username: 'emma', password: 'demo1234' } })).status).to.equal(200);
  });

  it('successful sign-ins do not count against the limit (a new tab is not a guess)', async () => {
    for (let i = 0; i < 12; i++) {
      const res = await server.request('POST', '/api/auth/login', { body: { username: 'grace', password: 'demo1234' } });
      expect(res.status, `sign-in ${i + 1}`).to.equal(200);
    }
  });

  it('wrong password and unknown user get the same answer', async () => {
    const wrong = await server.request('POST', '/api/auth/login', { body: { username: 'frank', password: 'not-it' } });
    const unknown = await server.request('POST', '/api/auth/login', { body: { username: 'no-such-user', password: 'not-it' } });
    expect(wrong.status).to.equal(401);
    expect(unknown.body).to.deep.equal(wrong.body);
  });
});

describe('security: supervisors only see the wallboard over Socket.IO', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('a socket without a valid token is refused at the handshake', async () => {
    for (const token of [undefined, '', 'x'.repeat(500), 'forged']) {
      const { socket, error } = await openDesktop(server, token);
      socket.disconnect();
      expect(error, `token ${String(token).slice(0, 10)}`).to.be.instanceOf(Error);
    }
  });

  it(`an agent on ${BOB_ENDPOINT} is not in the supervisors room: wallboard changes do not reach them`, async () => {
    const bob = await server.login('bob');
    const supervisor = await server.login('supervisor');
    const { socket: agentSocket } = await openDesktop(server, bob);
    const { socket: supervisorSocket } = await openDesktop(server, supervisor);
    try {
      const agentBoards = collect(agentSocket, 'wallboard');
      const supervisorBoards = collect(supervisorSocket, 'wallboard');
      await emitWithAck(agentSocket, 'agent:state', { state: 'ready' });
      await waitFor('wallboard to the supervisor', () => supervisorBoards.length > 0, 5000);
      await sleep(200);
      expect(agentBoards).to.have.length(0);
    } finally {
      agentSocket.disconnect();
      supervisorSocket.disconnect();
    }
  });
});
