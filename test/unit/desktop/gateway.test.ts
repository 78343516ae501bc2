import { expect } from 'chai';
import type { Socket as ClientSocket } from 'socket.io-client';
import { ValidationError } from '../../../server/shared/errors.js';
import type { AgentStateView, CallbacksChanged, ScreenPop, Wallboard } from '../../../server/desktop/contract.js';
import { aPop, aWallboard, connectError, roundTrip, startHarness, until, type Harness } from './support.js';

function collectPops(socket: ClientSocket, event = 'screen-pop', ack = true): ScreenPop[] {
  const seen: ScreenPop[] = [];
  socket.on(event, (pop: ScreenPop, callback?: (r: { popId: string }) => void) => {
    seen.push(pop);
    if (ack) callback?.({ popId: pop.popId });
  });
  return seen;
}

describe('desktop gateway (Socket.IO over a real HTTP server)', () => {
  let h: Harness;
  afterEach(async () => h.close());

  describe('handshake', () => {
    beforeEach(async () => {
      h = await startHarness();
    });

    it('refuses a connection without a token and says how to sign in', async () => {
      const err = await connectError(h.connectAs(null));
      expect(err.message).to.match(/sign in first/i);
      expect(err.data?.code).to.equal('missing_token');
    });

    it('refuses a connection with an unknown token', async () => {
      const err = await connectError(h.connectAs(null, 'token-mallory'));
      expect(err.message).to.match(/sign in again/i);
      expect(err.data?.code).to.equal('invalid_token');
    });

    it('refuses an agent account that is not linked to an advisor', async () => {
      const err = await connectError(h.connectAs('orphan'));
      expect(err.data?.code).to.equal('no_advisor_profile');
    });

    it('closes the sockets of a token that was signed out', async () => {
      const alice = await h.connected('alice');
      const closed = new Promise((resolve) => alice.once('disconnect', resolve));
      h.gateway.disconnectToken(101);
      expect(await closed).to.equal('io server disconnect');
    });
  });

  describe('screen pops', () => {
    beforeEach(async () => {
      h = await startHarness();
    });

    it('reaches the ringing agent and supervisors, never another agent', async () => {
      const [alice, bob, sue] = await Promise.all([h.connected('alice'), h.connected('bob'), h.connected('sue')]);
      const toAlice = collectPops(alice);
      const toBob = collectPops(bob);
      const toSue = collectPops(sue);

      const delivery = await h.gateway.sendScreenPop(11, aPop());
      await until(() => toSue.length === 1);
      await roundTrip(bob);

      expect(delivery).to.deep.equal({ popId: 'pop-1', sockets: 1, acknowledged: 1 });
      expect(toAlice.map((p) => p.popId)).to.deep.equal(['pop-1']);
      expect(toAlice[0]!.member?.name).to.equal('张伟');
      expect(toSue.map((p) => p.popId)).to.deep.equal(['pop-1']);
      expect(toBob).to.be.empty;
    });

    it('acknowledges per tab and keeps the latest phase for a desktop that reconnects', async () => {
      await h.close();
      h = await startHarness({ popAckTimeoutMs: 300 });
      const [tab1, tab2] = await Promise.all([h.connected('alice'), h.connected('alice')]);
      collectPops(tab1);
      collectPops(tab2);
      const updates1 = collectPops(tab1, 'screen-pop:update');
      collectPops(tab2, 'screen-pop:update', false); // this tab hangs on updates

      await h.gateway.sendScreenPop(11, aPop());
      const delivery = await h.gateway.updateScreenPop(11, aPop({ phase: 'answered' }));

      expect(delivery.sockets).to.equal(2);
      expect(delivery.acknowledged).to.equal(1);
      expect(updates1.map((p) => p.phase)).to.deep.equal(['answered']);
      const current = await h.gateway.currentPops(11);
      expect(current.map((p) => [p.popId, p.phase])).to.deep.equal([['pop-1', 'answered']]);
      expect(await h.gateway.currentPops(12)).to.be.empty;
    });

    it('records ack latency in cti_screen_pop_delivery_seconds and misses in the undelivered counter', async () => {
      await h.close();
      h = await startHarness({ popAckTimeoutMs: 300 });
      const alice = await h.connected('alice');
      const bob = await h.connected('bob');
      collectPops(alice);
      collectPops(bob, 'screen-pop', false);

      await h.gateway.sendScreenPop(11, aPop());
      await h.gateway.sendScreenPop(12, aPop({ popId: 'pop-2' }));

      const histogram = await h.registry.getSingleMetric('cti_screen_pop_delivery_seconds')!.get();
      const count = (histogram.values as Array<{ metricName?: string; value: number; labels: object }>).find(
        (v) => v.metricName === 'cti_screen_pop_delivery_seconds_count',
      );
      expect(count?.value).to.equal(1);
      expect(count?.labels).to.deep.equal({ phase: 'ringing' });
      const missed = await h.registry.getSingleMetric('cti_screen_pop_undelivered_total')!.get();
      expect(missed.values[0]?.value).to.equal(1);
    });

    it('marks a pop as seen on screen-pop:ack and rejects unknown pops', async () => {
      const acked: string[] = [];
      h.gateway.on('screen-pop-acked', (_advisorId, popId) => {
        acked.push(popId);
      });
      const alice = await h.connected('alice');
      collectPops(alice);
      await h.gateway.sendScreenPop(11, aPop());

      const ok = await alice.timeout(2000).emitWithAck('screen-pop:ack', { popId: 'pop-1' });
      const unknown = await alice.timeout(2000).emitWithAck('screen-pop:ack', { popId: 'nope' });
      const bad = await alice.timeout(2000).emitWithAck('screen-pop:ack', 'pop-1');

      expect(ok).to.deep.equal({ ok: true });
      expect(unknown.error.code).to.equal('not_found');
      expect(bad.error.code).to.equal('invalid_request');
      expect(acked).to.deep.equal(['pop-1']);
      expect((await h.gateway.currentPops(11))[0]!.ackedAt).to.be.a('string');
    });
  });

  describe('agent state requests', () => {
    const requests: unknown[][] = [];
    beforeEach(async () => {
      requests.length = 0;
      h = await startHarness();
      h.gateway.on('agent-state-requested', (advisorId, state, reason) => {
        if (state === 'wrap-up' && reason === 'refuse') throw new ValidationError('Wrap-up only follows a call.');
        requests.push([advisorId, state, reason]);
      });
    });

    for (const [label, payload] of [
      ['an unknown state', { state: 'sleeping' }],
      ['no state', {}],
      ['a string instead of an object', 'ready'],
      ['an extra field', { state: 'ready', advisorId: 12 }],
      ['an empty reason', { state: 'not-ready', reason: '   ' }],
    ] as const) {
      it(`answers ${label} with an error ack and changes nothing`, async () => {
        const alice = await h.connected('alice');
        const result = await alice.timeout(2000).emitWithAck('agent:state', payload);
        expect(result.ok).to.equal(false);
        expect(result.error.code).to.equal('invalid_request');
        expect(result.error.message).to.match(/ready/);
        expect(requests).to.be.empty;
      });
    }

    it('passes a valid request on for the advisor of the session, with its reason', async () => {
      const alice = await h.connected('alice');
      const result = await alice.timeout(2000).emitWithAck('agent:state', { state: 'not-ready', reason: 'Lunch' });
      expect(result).to.deep.equal({ ok: true });
      expect(requests).to.deep.equal([[11, 'not-ready', 'Lunch']]);
    });

    it('returns the presence service refusal to the desktop', async () => {
      const alice = await h.connected('alice');
      const result = await alice.timeout(2000).emitWithAck('agent:state', { state: 'wrap-up', reason: 'refuse' });
      expect(result.error).to.deep.equal({ code: 'invalid_request', message: 'Wrap-up only follows a call.' });
    });

    it('pushes agent:state to that agent and supervisors only', async () => {
      const [alice, bob, sue] = await Promise.all([h.connected('alice'), h.connected('bob'), h.connected('sue')]);
      const seen: Record<string, AgentStateView[]> = { alice: [], bob: [], sue: [] };
      alice.on('agent:state', (s: AgentStateView) => seen.alice!.push(s));
      bob.on('agent:state', (s: AgentStateView) => seen.bob!.push(s));
      sue.on('agent:state', (s: AgentStateView) => seen.sue!.push(s));

      h.gateway.pushAgentState(11, { state: 'ready', phone: 'ringing' });
      await until(() => seen.alice!.length === 1 && seen.sue!.length === 1);
      await roundTrip(bob);

      expect(seen.alice).to.deep.equal([{ advisorId: 11, state: 'ready', phone: 'ringing' }]);
      expect(seen.bob).to.be.empty;
    });
  });

  describe('greeting a new tab', () => {
    it('sends the agent the last state pushed for them, and no one else', async () => {
      h = await startHarness();
      h.gateway.pushAgentState(11, { state: 'not-ready', reason: 'lunch', phone: 'idle' });
      const alice = h.connectAs('alice');
      const bob = h.connectAs('bob');
      const toBob: AgentStateView[] = [];
      bob.on('agent:state', (s: AgentStateView) => toBob.push(s));
      const greeting = await new Promise<AgentStateView>((resolve) => alice.once('agent:state', resolve));
      await roundTrip(bob);
      expect(greeting).to.deep.equal({ advisorId: 11, state: 'not-ready', reason: 'lunch', phone: 'idle' });
      expect(toBob).to.be.empty;
    });
  });

  describe('presence events', () => {
    beforeEach(async () => {
      h = await startHarness();
    });

    it('reports an agent connected once and disconnected only when the last tab closes', async () => {
      const events: string[] = [];
      h.gateway.on('agent-connected', (id) => {
        events.push(`connected:${id}`);
      });
      h.gateway.on('agent-disconnected', (id) => {
        events.push(`disconnected:${id}`);
      });

      const tab1 = await h.connected('alice');
      const tab2 = await h.connected('alice');
      await until(() => events.length === 1);
      tab1.disconnect();
      await roundTrip(tab2);
      await new Promise((r) => setTimeout(r, 100));
      expect(events).to.deep.equal(['connected:11']);

      tab2.disconnect();
      await until(() => events.length === 2);
      expect(events).to.deep.equal(['connected:11', 'disconnected:11']);
    });
  });

  describe('callbacks and wallboard', () => {
    it('sends callbacks:changed to supervisors and the agents concerned only', async () => {
      h = await startHarness();
      const [alice, bob, sue] = await Promise.all([h.connected('alice'), h.connected('bob'), h.connected('sue')]);
      const seen: Record<string, CallbacksChanged[]> = { alice: [], bob: [], sue: [] };
      for (const [name, s] of [['alice', alice], ['bob', bob], ['sue', sue]] as const) {
        s.on('callbacks:changed', (c: CallbacksChanged) => seen[name]!.push(c));
      }
      h.gateway.pushCallbacksChanged({ action: 'assigned', callbackIds: [7], at: '2026-11-23T10:00:00.000Z' }, [12]);
      await until(() => seen.bob!.length === 1 && seen.sue!.length === 1);
      await roundTrip(alice);
      expect(seen.alice).to.be.empty;
      expect(seen.bob![0]!.callbackIds).to.deep.equal([7]);
    });

    it('throttles the wallboard to one per interval, latest wins, supervisors only', async () => {
      h = await startHarness({ wallboardIntervalMs: 400 });
      const [alice, sue] = await Promise.all([h.connected('alice'), h.connected('sue')]);
      const boards: Wallboard[] = [];
      const toAgent: Wallboard[] = [];
      sue.on('wallboard', (w: Wallboard) => boards.push(w));
      alice.on('wallboard', (w: Wallboard) => toAgent.push(w));

      for (let i = 0; i < 20; i++) h.gateway.publishWallboard(aWallboard(`t${i}`));
      await until(() => boards.length === 2);
      await new Promise((r) => setTimeout(r, 600));
      await roundTrip(alice);

      expect(boards.map((b) => b.at)).to.deep.equal(['t0', 't19']);
      expect(toAgent).to.be.empty;
    });

    it('pulls from the provider when something on the wallboard changed, and greets a new supervisor', async () => {
      h = await startHarness({ wallboardIntervalMs: 50 });
      let builds = 0;
      h.gateway.setWallboardProvider(() => aWallboard(`build-${++builds}`));
      const sue = await h.connected('sue');
      const boards: Wallboard[] = [];
      sue.on('wallboard', (w: Wallboard) => boards.push(w));
      h.gateway.pushAgentState(11, { state: 'ready', phone: 'idle' });
      await until(() => boards.length >= 1);
      expect(boards.at(-1)!.at).to.match(/^build-\d+$/);

      const late = h.connectAs('sue');
      const greeting = await new Promise<Wallboard>((resolve) => late.once('wallboard', resolve));
      expect(greeting.at).to.match(/^build-\d+$/);
    });
  });
});
