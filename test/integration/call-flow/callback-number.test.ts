import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { callbackPortFromStore } from '../../../server/pbx/call-flow/callback-port.js';
import type { CallbackRecord } from '../../../server/store/callbacks.js';
import type { CallHandle } from '../../../sim/index.js';
import { startHarness, waitUntil } from './harness.js';
import type { Harness } from './harness.js';

const OWNER = DEMO_FIRST_MEMBER.ownerEndpoint;
const OWN_NUMBER = DEMO_FIRST_MEMBER.phone;
const NUMBER_MENU = 'sound:cti/en/callback-number-menu';

describe('call flow: the callback number (calling number or another keyed one)', function () {
  this.timeout(20_000);
  let h: Harness;
  let alice: number;
  /** What the caller had heard when the callback was stored; null until then. */
  let heardWhenStored: string[] | null;
  let caller: CallHandle | null;

  /** Alice is on another call; the caller (in English) reaches her busy prompt and presses 2. */
  async function callbackAtOwnerPrompt(): Promise<CallHandle> {
    heardWhenStored = null;
    caller = null;
    h = await startHarness({
      callbacks: (store) => {
        const port = callbackPortFromStore(store.callbacks, 3);
        return {
          async request(input) {
            const created = await port.request(input);
            heardWhenStored = [...(caller?.playbacks ?? [])];
            return created;
          },
        };
      },
    });
    alice = h.advisorId(OWNER);
    for (let i = 0; i < 6; i++) h.presence.recordHandleTime(alice, 240_000);
    h.sim.setAgent(OWNER, { kind: 'busy' });
    await waitUntil('Alice on a call', () => h.presence.get(alice)?.phone === 'in-use');
    caller = h.sim.call({ from: OWN_NUMBER, keys: ['2', '1'] });
    await caller.waitPlayback('sound:cti/en/owner-busy-choices');
    caller.press('2');
    await caller.waitPlayback(NUMBER_MENU);
    return caller;
  }

  /** The stored call and its callback, once the caller has heard the confirmation and been hung up on. */
  async function bookedCallback(c: CallHandle): Promise<{ callback: CallbackRecord; trailOutcome: string }> {
    await c.waitPlayback('sound:cti/en/callback-confirmed');
    await c.waitHangup();
    const stored = await h.settledCall(c.id);
    expect(stored.outcome).to.equal('callback-requested');
    const callback = await h.store.callbacks.get(stored.callbackId!);
    expect(callback).to.include({ reason: 'requested', preferredAdvisorId: alice, memberId: stored.memberId, state: 'pending' });
    const step = stored.trail.find((s) => s.step === 'create-callback');
    return { callback: callback!, trailOutcome: step?.outcome ?? '' };
  }

  /** The digits read back by `number-confirmed`, in order. */
  function readBack(c: CallHandle): string {
    const from = c.playbacks.findIndex((m) => m.startsWith('sound:cti/en/number-confirmed'));
    expect(from, 'number-confirmed played').to.be.greaterThan(-1);
    const to = c.playbacks.findIndex((m, i) => i > from && m.startsWith('sound:cti/en/callback-confirmed'));
    return c.playbacks
      .slice(from, to)
      .flatMap((m) => /^sound:cti\/en\/digit-(\d)$/.exec(m)?.[1] ?? [])
      .join('');
  }

  afterEach(async () => {
    await h?.close();
  });

  it('key 2 then 1: the callback is stored on the calling number before any confirmation plays', async () => {
    const c = await callbackAtOwnerPrompt();
    c.press('1');
    const { callback, trailOutcome } = await bookedCallback(c);
    expect(callback.number).to.equal(OWN_NUMBER);
    expect(heardWhenStored, 'callback stored').to.not.equal(null);
    expect(heardWhenStored!.some((m) => /number-confirmed|callback-confirmed/.test(m)), 'nothing confirmed before storing').to.equal(false);
    expect(readBack(c), 'reads the calling number back without the country code').to.equal(OWN_NUMBER.replace(/^86/, ''));
    expect(trailOutcome).to.equal(`callback ${callback.id} stored (key 1: calling number)`);
    const event = h.events.find((e) => e.name === 'callback-requested');
    expect(event?.payload).to.include({ callbackId: callback.id, number: OWN_NUMBER });
    await h.allClear();
  });

  it('key 2 then another number ended by #: the callback is stored on that number, in E.164', async () => {
    const c = await callbackAtOwnerPrompt();
    c.press('213912345678#');
    const { callback, trailOutcome } = await bookedCallback(c);
    expect(callback.number).to.equal('8613912345678');
    expect(heardWhenStored!.some((m) => /number-confirmed|callback-confirmed/.test(m))).to.equal(false);
    expect(readBack(c)).to.equal('13912345678');
    expect(trailOutcome).to.equal(`callback ${callback.id} stored (key 2: keyed number)`);
    expect(h.events.find((e) => e.name === 'callback-requested')?.payload).to.include({ number: '8613912345678' });
    await h.allClear();
  });

  it('a keyed number that is not a phone number, twice: the invalid-key prompt, the menu again, then the calling number', async () => {
    const c = await callbackAtOwnerPrompt();
    c.press('212#');
    await c.waitPlayback('sound:cti/en/invalid-key');
    await waitUntil('the number menu again', () => c.playbacks.filter((m) => m.startsWith(NUMBER_MENU)).length === 2);
    c.press('2*99#');
    const { callback, trailOutcome } = await bookedCallback(c);
    expect(callback.number).to.equal(OWN_NUMBER);
    expect(readBack(c)).to.equal(OWN_NUMBER.replace(/^86/, ''));
    expect(trailOutcome).to.match(/^callback \d+ stored \(keyed number not usable \(.+\): calling number\)$/);
    await h.allClear();
  });

  it('no key at the number menu (even after the retry): still stored, on the calling number', async () => {
    const c = await callbackAtOwnerPrompt();
    const { callback, trailOutcome } = await bookedCallback(c);
    expect(callback.number).to.equal(OWN_NUMBER);
    expect(c.playbacks.filter((m) => m === 'sound:cti/en/no-key')).to.have.length(1);
    expect(c.playbacks.filter((m) => m.startsWith(NUMBER_MENU))).to.have.length(2);
    expect(trailOutcome).to.equal(`callback ${callback.id} stored (no valid key: calling number)`);
    await h.allClear();
  });

  it('key 2 and no number before the key timeout: the no-key prompt and one more chance', async () => {
    const c = await callbackAtOwnerPrompt();
    c.press('2');
    await c.waitPlayback('sound:cti/en/no-key');
    await waitUntil('the number menu again', () => c.playbacks.filter((m) => m.startsWith(NUMBER_MENU)).length === 2);
    c.press('2013912345678#');
    const { callback } = await bookedCallback(c);
    expect(callback.number).to.equal('8613912345678');
    await h.allClear();
  });

  it('hanging up while keying the number still books the callback on the calling number', async () => {
    const c = await callbackAtOwnerPrompt();
    c.press('2139');
    await new Promise((r) => setTimeout(r, 200));
    c.hangup();
    const stored = await h.settledCall(c.id);
    expect(stored.outcome).to.equal('callback-requested');
    const callback = await h.store.callbacks.get(stored.callbackId!);
    expect(callback).to.include({ number: OWN_NUMBER, reason: 'requested', state: 'pending' });
    expect(c.playbacks.some((m) => /number-confirmed|callback-confirmed/.test(m))).to.equal(false);
  });

  it('the peak-time offer goes through the same step: accepted, then another number keyed', async () => {
    h = await startHarness({ ready: [] });
    const c = h.sim.call({ from: OWN_NUMBER, keys: ['2', '1'] });
    await c.waitPlayback('sound:cti/en/peak-callback-offer');
    c.press('2');
    await c.waitPlayback(NUMBER_MENU);
    c.press('213912345678#');
    await c.waitPlayback('sound:cti/en/callback-confirmed-queue');
    await c.waitHangup();
    expect(readBack(c)).to.equal('13912345678');
    const stored = await h.settledCall(c.id);
    const callback = await h.store.callbacks.get(stored.callbackId!);
    expect(callback).to.include({ reason: 'peak-offer', number: '8613912345678', preferredAdvisorId: h.advisorId(OWNER) });
    await h.allClear();
  });
});
