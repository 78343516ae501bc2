import { expect } from 'chai';
import sinon from 'sinon';
import { Dispatcher, type DispatcherOptions, type StartResult } from '../../../server/callbacks/dispatcher.js';
import type { QueueSnapshot } from '../../../server/callbacks/candidates.js';
import { DEFAULT_PRIORITY_BOOST_MS } from '../../../server/domain/dispatch.js';
import { DEFAULT_TIER_RULES } from '../../../server/domain/tiers.js';
import { PresenceBoard } from '../../../server/presence/presence-board.js';
import { createLogger } from '../../../server/shared/logger.js';
import type { AdvisorRecord } from '../../../server/store/advisors.js';
import type { WaitingCaller } from '../../../server/routing/waiting-choice.js';
import { advisorRecord, allowed, callbackRecord, liveCaller, MIN, NOW } from './builders.js';

describe('callbacks: dispatcher (one decision point over callbacks and live callers)', () => {
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  function setup(advisors: AdvisorRecord[], snapshot: QueueSnapshot, waiting: WaitingCaller[] = [], extra: Partial<DispatcherOptions> = {}) {
    const presence = new PresenceBoard({ now: () => NOW, wrapUpMs: 0 });
    for (const a of advisors) {
      presence.track(a.id, 'idle');
      presence.desktopConnected(a.id);
      presence.requestState(a.id, 'ready');
    }
    // Like the database: a claimed callback (by us or another server) leaves the next snapshot.
    const claimed = new Set<number>();
    const startCallback = sandbox.stub<Parameters<DispatcherOptions['startCallback']>, Promise<StartResult>>().callsFake((id) => {
      claimed.add(id);
      return Promise.resolve('started');
    });
    const handTo = sandbox.stub<[string, number], boolean>().returns(true);
    const dispatcher = new Dispatcher({
      advisors: { list: () => Promise.resolve(advisors) },
      presence,
      loader: { load: () => Promise.resolve({ ...snapshot, candidates: snapshot.candidates.filter((c) => !claimed.has(c.callback.id)) }) },
      settings: { ownerWindowMs: 2 * 60 * MIN, delegateWindowMs: 60 * MIN, tierRules: DEFAULT_TIER_RULES, priorityBoostMs: DEFAULT_PRIORITY_BOOST_MS },
      waiting: { list: () => waiting, handTo },
      inboundBusy: () => [],
      startCallback,
      dialsInProgress: () => 0,
      now: () => NOW,
      log: createLogger('silent'),
      ...extra,
    });
    return { dispatcher, presence, startCallback, handTo, claimed };
  }

  it('as the waiting-caller policy: a callback whose caller called earlier goes first, a later one after the live caller', async () => {
    const leo = advisorRecord(1);
    const earlier = callbackRecord(7, { firstCallAt: new Date(NOW - 20 * MIN).toISOString() });
    const later = callbackRecord(8, { firstCallAt: new Date(NOW - 5 * MIN).toISOString() });
    const caller = liveCaller('node0:c1', NOW - 10 * MIN);
    const { dispatcher, presence, startCallback, handTo } = setup([leo], { at: NOW, candidates: [allowed(later), allowed(earlier)] }, [caller]);
    // Load the snapshot while Leo is on a call, so the cycle itself serves nobody.
    presence.phoneState(leo.id, 'in-use');
    dispatcher.trigger();
    await dispatcher.settled();
    presence.phoneState(leo.id, 'idle');

    // Telephony frees Leo while the caller waits: the callback of the earlier caller comes first.
    expect(dispatcher.policy(leo, presence.get(leo.id)!, [caller], NOW)).to.equal(null);
    await dispatcher.settled();
    expect(startCallback.getCalls().map((c) => c.args[0])).to.deep.equal([earlier.id]);

    // That dial ends: the live caller (10 min) goes before the later callback (5 min).
    dispatcher.released(leo.id, null);
    await dispatcher.settled();
    expect(handTo.calledOnceWithExactly(caller.callId, leo.id)).to.equal(true);
    expect(startCallback.callCount).to.equal(1);
  });

  it('a priority lifts a callback ahead as if its caller had called earlier', async () => {
    const leo = advisorRecord(1);
    const urgent = callbackRecord(9, { firstCallAt: new Date(NOW - 5 * MIN).toISOString(), priority: 1 });
    const caller = liveCaller('node0:c1', NOW - 10 * MIN);
    const { dispatcher, presence, startCallback } = setup([leo], { at: NOW, candidates: [allowed(urgent)] });
    presence.phoneState(leo.id, 'in-use');
    dispatcher.trigger();
    await dispatcher.settled();
    presence.phoneState(leo.id, 'idle');
    expect(dispatcher.policy(leo, presence.get(leo.id)!, [caller], NOW)).to.equal(null);
    await dispatcher.settled();
    expect(startCallback.firstCall.args[0]).to.equal(urgent.id);
  });

  it('a cycle gives one callback to each free advisor and no more: 5 due, 3 free, 3 dials', async () => {
    const advisors = [advisorRecord(1), advisorRecord(2), advisorRecord(3)];
    const due = [1, 2, 3, 4, 5].map((id) => allowed(callbackRecord(id, { firstCallAt: new Date(NOW - id * MIN).toISOString() })));
    const { dispatcher, startCallback } = setup(advisors, { at: NOW, candidates: due });
    dispatcher.trigger();
    await dispatcher.settled();
    expect(startCallback.callCount).to.equal(3);
    const ids = startCallback.getCalls().map((c) => c.args[0]);
    expect(ids, 'oldest first calls, each once').to.have.members([5, 4, 3]);
    expect(new Set(startCallback.getCalls().map((c) => c.args[1].id)).size).to.equal(3);
    dispatcher.trigger();
    await dispatcher.settled();
    expect(startCallback.callCount, 'engaged advisors get nothing more').to.equal(3);
  });

  it('with no Asterisk link nothing is claimed and the cycle does not spin; the tick tries again', async () => {
    const leo = advisorRecord(1);
    const { dispatcher, startCallback } = setup([leo], { at: NOW, candidates: [allowed(callbackRecord(1))] });
    startCallback.resolves('no-link');
    dispatcher.trigger();
    await dispatcher.settled();
    expect(startCallback.callCount).to.equal(1);
    dispatcher.trigger();
    await dispatcher.settled();
    expect(startCallback.callCount).to.equal(2);
  });

  it('a live caller who called first gets the freed advisor through the hand-over, and no callback is dialed', async () => {
    const leo = advisorRecord(1);
    const caller = liveCaller('node0:c1', NOW - 30 * MIN);
    const { dispatcher, startCallback, handTo } = setup([leo], { at: NOW, candidates: [allowed(callbackRecord(3))] }, [caller]);
    dispatcher.trigger();
    await dispatcher.settled();
    expect(handTo.calledOnceWithExactly('node0:c1', leo.id)).to.equal(true);
    expect(startCallback.called).to.equal(false);
  });

  it('an advisor another call has (another server, the call flow) gives the callback back at once to the next free advisor', async () => {
    const [leo, mia] = [advisorRecord(1), advisorRecord(2)];
    const { dispatcher, presence, startCallback } = setup([leo, mia], { at: NOW, candidates: [allowed(callbackRecord(1))] });
    presence.phoneState(mia.id, 'in-use');
    presence.phoneState(mia.id, 'idle');
    startCallback.onFirstCall().resolves('advisor-busy');
    dispatcher.trigger();
    await dispatcher.settled();
    expect(startCallback.getCalls().map((c) => [c.args[0], c.args[1].id])).to.deep.equal([
      [1, leo.id],
      [1, mia.id],
    ]);
    dispatcher.trigger();
    await dispatcher.settled();
    expect(startCallback.callCount, 'Leo is left alone while presence catches up').to.equal(2);
  });

  it('a callback lost to another server is not retried in the same cycle; the advisor looks again in the next one', async () => {
    const leo = advisorRecord(1);
    const { dispatcher, startCallback, claimed } = setup([leo], { at: NOW, candidates: [allowed(callbackRecord(1)), allowed(callbackRecord(2))] });
    startCallback.onFirstCall().callsFake((id) => {
      claimed.add(id);
      return Promise.resolve('taken');
    });
    dispatcher.trigger();
    await dispatcher.settled();
    expect(startCallback.getCalls().map((c) => c.args[0])).to.deep.equal([1, 2]);
  });

  describe('a freed advisor is served from the queue as last loaded', () => {
    /** A queue the test edits without telling the dispatcher (as another server would). */
    function liveQueue(advisors: AdvisorRecord[], clock: { now: number }) {
      const queue: QueueSnapshot['candidates'] = [];
      const claimed = new Set<number>();
      const ctx = setup(advisors, { at: NOW, candidates: [] }, [], {
        now: () => clock.now,
        loader: {
          load: (at) => Promise.resolve({ at, candidates: queue.filter((c) => !claimed.has(c.callback.id)) }),
        },
      });
      ctx.startCallback.callsFake((id) => {
        claimed.add(id);
        return Promise.resolve('started');
      });
      return { ...ctx, queue };
    }

    it('a callback added without a change signal reaches a freed advisor once the snapshot is older than its limit (2 s)', async () => {
      const leo = advisorRecord(1);
      const clock = { now: NOW };
      const { dispatcher, presence, startCallback, queue } = liveQueue([leo], clock);
      presence.phoneState(leo.id, 'in-use');
      dispatcher.trigger();
      await dispatcher.settled();
      queue.push(allowed(callbackRecord(4)));

      presence.phoneState(leo.id, 'idle');
      clock.now += 1_000;
      dispatcher.released(leo.id, null);
      await dispatcher.settled();
      expect(startCallback.called, 'a 1 s old snapshot is still used').to.equal(false);

      clock.now += 1_500;
      dispatcher.released(leo.id, null);
      await dispatcher.settled();
      expect(startCallback.getCalls().map((c) => c.args[0])).to.deep.equal([4]);
    });

    it('a queue change (trigger) is seen at once, and a callback freed advisors already got is not offered twice', async () => {
      const [leo, mia] = [advisorRecord(1), advisorRecord(2)];
      const clock = { now: NOW };
      const { dispatcher, presence, startCallback, queue } = liveQueue([leo, mia], clock);
      queue.push(allowed(callbackRecord(1, { firstCallAt: new Date(NOW - 30 * MIN).toISOString() })));
      presence.phoneState(mia.id, 'in-use');
      dispatcher.trigger();
      await dispatcher.settled();
      expect(startCallback.getCalls().map((c) => [c.args[0], c.args[1].id])).to.deep.equal([[1, leo.id]]);

      // Mia is freed over the same snapshot: callback 1 is Leo's already, so nothing for her.
      presence.phoneState(mia.id, 'idle');
      dispatcher.released(mia.id, null);
      await dispatcher.settled();
      expect(startCallback.callCount).to.equal(1);

      queue.push(allowed(callbackRecord(2)));
      dispatcher.trigger();
      await dispatcher.settled();
      expect(startCallback.getCalls().map((c) => [c.args[0], c.args[1].id])).to.deep.equal([
        [1, leo.id],
        [2, mia.id],
      ]);
    });

    it('decides for the advisors freed since the last cycle only; a queue change decides for every free advisor again', async () => {
      const [leo, mia, ned] = [advisorRecord(1), advisorRecord(2), advisorRecord(3)];
      const clock = { now: NOW };
      const { dispatcher, presence, startCallback, queue } = liveQueue([leo, mia, ned], clock);
      dispatcher.trigger();
      await dispatcher.settled();
      const picked = sandbox.spy(dispatcher, 'pick');

      presence.phoneState(ned.id, 'in-use');
      presence.phoneState(ned.id, 'idle');
      dispatcher.advisorFreed(ned.id);
      await dispatcher.settled();
      expect(picked.getCalls().map((c) => c.args[0].id), 'Leo and Mia got nothing from this snapshot already').to.deep.equal([ned.id]);

      picked.resetHistory();
      queue.push(allowed(callbackRecord(1)));
      dispatcher.trigger();
      await dispatcher.settled();
      expect(picked.getCalls().map((c) => c.args[0].id)).to.have.members([leo.id, mia.id, ned.id]);
      expect(startCallback.callCount).to.equal(1);
    });

    it('a callback that found no Asterisk link goes to the next freed advisor without waiting for a reload', async () => {
      const [leo, mia] = [advisorRecord(1), advisorRecord(2)];
      const clock = { now: NOW };
      const { dispatcher, presence, startCallback, queue } = liveQueue([leo, mia], clock);
      queue.push(allowed(callbackRecord(1)));
      presence.phoneState(mia.id, 'in-use');
      startCallback.onFirstCall().resolves('no-link');
      dispatcher.trigger();
      await dispatcher.settled();
      presence.phoneState(leo.id, 'in-use');
      presence.phoneState(mia.id, 'idle');
      dispatcher.released(mia.id, null);
      await dispatcher.settled();
      expect(startCallback.getCalls().map((c) => [c.args[0], c.args[1].id])).to.deep.equal([
        [1, leo.id],
        [1, mia.id],
      ]);
    });
  });
});
