import { expect } from 'chai';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from '../support/server-harness.js';
import { emitWithAck, expectErrorShape, openDesktop, sleep } from './support.js';

// The gateway's default budget is 20 events a second per socket: the fuzzing below keeps to
// it, so each answer is about the payload, not the pace (a rate_limited answer fails it).
const WITHIN_BUDGET_MS = 55;

async function pacedAck(socket: Socket, event: string, payload: unknown): Promise<{ ok: boolean; error?: { code?: string } }> {
  await sleep(WITHIN_BUDGET_MS);
  const ack = (await emitWithAck(socket, event, payload)) as { ok: boolean; error?: { code?: string } };
  if (ack.error?.code === 'rate_limited') throw new Error(`rate limited while keeping to the budget: ${JSON.stringify(payload)}`);
  return ack;
}

describe('security: garbage over Socket.IO gets an error ack and changes no state; a burst is paced and a flood closes only its socket', function () {
  this.timeout(120_000);
  let server: TestServer;
  let agent: Socket;
  let bystander: Socket;
  let agentId: number;

  before(async () => {
    server = await startTestServer();
    const token = await server.login('grace');
    agentId = (await server.request('GET', '/api/me', { token })).body.advisorId as number;
    agent = (await openDesktop(server, token)).socket;
    bystander = (await openDesktop(server, await server.login('henry'))).socket;
    expect(agent.connected && bystander.connected).to.equal(true);
    expect(await emitWithAck(agent, 'agent:state', { state: 'not-ready', reason: 'lunch' })).to.deep.equal({ ok: true });
  });
  after(async () => {
    agent?.disconnect();
    bystander?.disconnect();
    await server?.stop();
  });

  const desktopState = () => {
    const p = server.presence.get(agentId);
    return { desktop: p?.desktop, reason: p?.notReadyReason };
  };

  const notAStateRequest = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({ state: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null)), reason: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
    fc.record({ state: fc.constantFrom('ready', 'not-ready', 'wrap-up'), reason: fc.oneof(fc.integer(), fc.object(), fc.constant('r'.repeat(5000))) }),
    fc.record({ state: fc.constantFrom('ready', 'not-ready'), advisorId: fc.integer() }),
  );

  it('agent:state with random payloads: { ok: false, error: { code, message } }, the state stays not-ready (lunch)', async () => {
    const before = desktopState();
    await fc.assert(
      fc.asyncProperty(notAStateRequest, async (payload) => {
        const ack = await pacedAck(agent, 'agent:state', payload);
        if (ack.ok !== false || !expectErrorShape(ack)) throw new Error(`accepted ${JSON.stringify(payload)}: ${JSON.stringify(ack)}`);
      }),
      { numRuns: 200 },
    );
    expect(desktopState()).to.deep.equal(before);
    expect(agent.connected).to.equal(true);
  });

  it('screen-pop:ack with random payloads or unknown pop ids: error ack, nothing recorded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ popId: fc.string({ maxLength: 300 }) })), async (payload) => {
        const ack = await pacedAck(agent, 'screen-pop:ack', payload);
        if (ack.ok !== false || !expectErrorShape(ack)) throw new Error(`accepted ${JSON.stringify(payload)}: ${JSON.stringify(ack)}`);
      }),
      { numRuns: 200 },
    );
    expect(await server.gateway.currentPops(agentId)).to.deep.equal([]);
    expect(agent.connected).to.equal(true);
  });

  it('events sent without an ack callback, with extra arguments, or under unknown names are ignored without a crash', async () => {
    const before = desktopState();
    agent.emit('agent:state', { state: 'ready' }, 'extra', 42);
    agent.emit('agent:state');
    agent.emit('screen-pop:ack');
    agent.emit('no-such-event', { a: 1 });
    agent.emit('__proto__', {});
    agent.emit('agent:state', { state: 'wrap-up', reason: { toString: 1 } });
    await sleep(200);
    const after = desktopState();
    // The first emit was a valid request (the extra arguments are not the payload): it may apply.
    expect([before.desktop, 'ready']).to.include(after.desktop);
    expect(agent.connected).to.equal(true);
    expect(await emitWithAck(agent, 'agent:state', { state: 'not-ready', reason: 'lunch' })).to.deep.equal({ ok: true });
  });

  it('a burst over the budget (60 state changes at once): 40 applied, 20 answered rate_limited and not applied, the socket stays up', async () => {
    const token = await server.login('kelly');
    const kellyId = (await server.request('GET', '/api/me', { token })).body.advisorId as number;
    const { socket: kelly } = await openDesktop(server, token);
    try {
      const acks = (await Promise.all(
        Array.from({ length: 60 }, (_, i) => emitWithAck(kelly, 'agent:state', { state: 'not-ready', reason: `burst-${i}` })),
      )) as Array<{ ok: boolean; error?: { code: string; message: string } }>;
      expect(acks.filter((a) => a.ok)).to.have.length(40);
      const refused = acks.filter((a) => a.error?.code === 'rate_limited');
      expect(refused).to.have.length(20);
      expect(refused.every((a) => a.ok === false && expectErrorShape(a))).to.equal(true);
      const applied = acks.flatMap((a, i) => (a.ok ? [`burst-${i}`] : []));
      await sleep(200);
      expect(applied).to.include(server.presence.get(kellyId)?.notReadyReason);
      expect(kelly.connected).to.equal(true);
      expect(await pacedAck(kelly, 'agent:state', { state: 'not-ready', reason: 'after the burst' })).to.deep.equal({ ok: true });
    } finally {
      kelly.disconnect();
    }
  });

  it('a flood of 3,000 garbage events closes the flooding socket only; the server answers, other desktops are served, and the same token connects again', async () => {
    const token = await server.login('jack');
    const { socket: flooder } = await openDesktop(server, token);
    try {
      const closed = new Promise<string>((resolve) => flooder.once('disconnect', (reason) => resolve(reason)));
      for (let i = 0; i < 3000; i++) flooder.emit(i % 2 ? 'agent:state' : 'screen-pop:ack', { state: i, popId: i }, () => undefined);
      expect(await Promise.race([closed, sleep(10_000).then(() => 'still open')])).to.equal('io server disconnect');
      const health = await server.request('GET', '/healthz');
      expect(health.status).to.equal(200);
      expect(await emitWithAck(bystander, 'agent:state', { state: 'ready' })).to.deep.equal({ ok: true });
      expect(agent.connected).to.equal(true);
      expect(await emitWithAck(agent, 'agent:state', { state: 'not-ready', reason: 'lunch' })).to.deep.equal({ ok: true });
      expect(desktopState()).to.deep.equal({ desktop: 'not-ready', reason: 'lunch' });
      const again = await openDesktop(server, token);
      again.socket.disconnect();
      expect(again.error, 'closing a flood is not a ban').to.equal(null);
    } finally {
      flooder.disconnect();
    }
  });

  it('a message over the 1 MB buffer closes only the offending socket', async () => {
    const { socket: offender } = await openDesktop(server, await server.login('iris'));
    try {
      const closed = new Promise<string>((resolve) => offender.once('disconnect', (reason) => resolve(reason)));
      offender.emit('agent:state', { state: 'ready', reason: 'x'.repeat(2 * 1024 * 1024) });
      expect(await Promise.race([closed, sleep(5000).then(() => 'still open')])).to.not.equal('still open');
      expect(bystander.connected && agent.connected).to.equal(true);
      expect(await emitWithAck(bystander, 'agent:state', { state: 'not-ready', reason: 'after' })).to.deep.equal({ ok: true });
    } finally {
      offender.disconnect();
    }
  });
});
