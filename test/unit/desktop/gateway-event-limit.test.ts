import { expect } from 'chai';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { AckResult } from '../../../server/desktop/contract.js';
import { capturingLogger } from '../../support/wire/log-capture.js';
import { startHarness, type Harness } from './support.js';

const disconnected = (socket: ClientSocket) => new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

/** Sends `count` valid state requests at once; resolves with every ack (or 'no ack' if the socket went). */
function fire(socket: ClientSocket, count: number): Promise<Array<AckResult | 'no ack'>> {
  return Promise.all(
    Array.from({ length: count }, () =>
      (socket.timeout(3000).emitWithAck('agent:state', { state: 'ready' }) as Promise<AckResult>).catch(() => 'no ack' as const),
    ),
  );
}

describe('desktop gateway: event rate limit per socket', () => {
  let h: Harness;
  let applied: number[];
  afterEach(async () => h.close());

  async function start(extra: Parameters<typeof startHarness>[0] = {}): Promise<void> {
    h = await startHarness(extra);
    applied = [];
    h.gateway.on('agent-state-requested', (advisorId) => {
      applied.push(advisorId);
    });
  }

  it('applies a burst of 40 requests, answers the rest rate_limited and applies none of them, and keeps the socket', async () => {
    await start();
    const [alice, bob] = await Promise.all([h.connected('alice'), h.connected('bob')]);
    const acks = await fire(alice, 60);
    const refused = acks.filter((a) => a !== 'no ack' && a.error?.code === 'rate_limited');
    expect(acks.filter((a) => a !== 'no ack' && a.ok)).to.have.length(40);
    expect(refused).to.have.length(20);
    expect(refused[0]).to.deep.include({ ok: false });
    expect((refused[0] as AckResult).error!.message).to.match(/too many requests.*wait/i);
    expect(applied.filter((id) => id === 11)).to.have.length(40);
    expect(alice.connected).to.equal(true);
    expect(await bob.timeout(2000).emitWithAck('agent:state', { state: 'ready' })).to.deep.equal({ ok: true });
  });

  it('paces again after a pause: a desktop back within its budget is served', async () => {
    await start();
    const alice = await h.connected('alice');
    await fire(alice, 45);
    await new Promise((r) => setTimeout(r, 200));
    const after = await alice.timeout(2000).emitWithAck('agent:state', { state: 'ready' });
    expect(after).to.deep.equal({ ok: true });
  });

  it('closes a socket that floods at 10 times the budget, logs it once with ids only, and leaves other desktops served', async () => {
    const { logger, lines } = capturingLogger('info');
    await start({ logger });
    const [alice, bob] = await Promise.all([h.connected('alice'), h.connected('bob')]);
    const closed = disconnected(alice);
    for (let i = 0; i < 1000; i++) alice.emit(i % 3 === 0 ? 'no-such-event' : 'agent:state', { state: 'ready' }, () => undefined);
    expect(await closed).to.equal('io server disconnect');
    expect(applied.filter((id) => id === 11).length).to.be.at.most(40);
    const warnings = lines.filter((l) => l.includes('flooding'));
    expect(warnings).to.have.length(1);
    const logged = JSON.parse(warnings[0]!) as Record<string, unknown>;
    expect(logged).to.include({ userId: 1, advisorId: 11, role: 'agent' });
    expect(logged.socketId).to.be.a('string');
    expect(warnings[0]).to.not.include('token-alice');
    expect(bob.connected).to.equal(true);
    expect(await bob.timeout(2000).emitWithAck('agent:state', { state: 'ready' })).to.deep.equal({ ok: true });
  });

  it('takes its numbers from the eventRateLimit option', async () => {
    await start({ eventRateLimit: { perSecond: 1, burst: 2 } });
    const alice = await h.connected('alice');
    const acks = await fire(alice, 3);
    expect(acks.map((a) => (a === 'no ack' ? a : a.ok ? 'ok' : a.error?.code))).to.deep.equal(['ok', 'ok', 'rate_limited']);
  });
});
