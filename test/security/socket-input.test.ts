import { expect } from 'chai';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from '../support/server-harness.js';
import { emitWithAck, expectErrorShape, openDesktop, sleep, waitFor } from './support.js';

describe('security: garbage over Socket.IO gets an error ack, changes no state, and the socket stays up', function () {
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
        const ack = (await emitWithAck(agent, 'agent:state', payload)) as { ok: boolean; error?: unknown };
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
        const ack = (await emitWithAck(agent, 'screen-pop:ack', payload)) as { ok: boolean };
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

  it('a flood of 3,000 garbage events leaves the server answering and other desktops unaffected', async () => {
    for (let i = 0; i < 3000; i++) agent.emit(i % 2 ? 'agent:state' : 'screen-pop:ack', { state: i, popId: i }, () => undefined);
    const health = await server.request('GET', '/healthz');
    expect(health.status).to.equal(200);
    expect(await emitWithAck(bystander, 'agent:state', { state: 'ready' })).to.deep.equal({ ok: true });
    await waitFor('flood drained and the agent still served', async () => {
      const ack = (await emitWithAck(agent, 'agent:state', { state: 'not-ready', reason: 'lunch' }).catch(() => null)) as { ok: boolean } | null;
      return ack?.ok === true;
    }, 20_000);
    expect(desktopState()).to.deep.equal({ desktop: 'not-ready', reason: 'lunch' });
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
