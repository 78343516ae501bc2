import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { callbackPortFromStore } from '../../../server/pbx/call-flow/callback-port.js';
import type { CallHandle } from '../../../sim/index.js';
import { startHarness, waitUntil } from './harness.js';
import type { Harness, HarnessOptions } from './harness.js';

const OWNER = DEMO_FIRST_MEMBER.ownerEndpoint;
const FIRST_DELEGATE = DEMO_FIRST_MEMBER.delegateEndpoints[0];

describe('call flow: owner on a call', function () {
  this.timeout(20_000);
  let h: Harness;
  let alice: number;

  /** Alice is on another call; her recent calls lasted about four minutes. */
  async function ownerBusy(options: HarnessOptions = {}): Promise<void> {
    h = await startHarness(options);
    alice = h.advisorId(OWNER);
    for (let i = 0; i < 6; i++) h.presence.recordHandleTime(alice, 240_000);
    h.sim.setAgent(OWNER, { kind: 'busy' });
    await waitUntil('Alice on a call', () => h.presence.get(alice)?.phone === 'in-use');
  }

  /** Waits for the owner-busy prompt, which names the owner. */
  async function promptNamingOwner(caller: CallHandle, language: 'en' | 'zh'): Promise<void> {
    await caller.waitPlayback(`sound:cti/${language}/owner-busy-choices`);
    await caller.waitPlayback(`sound:cti/${language}/advisor-${alice}-name`);
  }

  afterEach(async () => {
    await h?.close();
  });

  it('names the owner in the caller language with the expected wait; key 1 waits and rings the owner the moment she is free', async () => {
    await ownerBusy();
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await promptNamingOwner(caller, 'en');
    await caller.waitPlayback(/^sound:cti\/en\/minutes-\d+$/);
    const ownPrompt = caller.playbacks.slice(caller.playbacks.findIndex((m) => m.includes('owner-busy-choices')));
    expect(ownPrompt.every((m) => m.startsWith('sound:cti/en/')), `all in English: ${ownPrompt.join(' ')}`).to.equal(true);
    caller.press('1');
    await caller.waitPlayback('sound:cti/en/please-hold');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.sim.originateCount(OWNER), 'Alice is not rung while busy').to.equal(0);
    expect(h.telephony.waitingCallers().map((w) => w.waitingFor)).to.deep.equal([{ kind: 'owner', advisorId: alice }]);

    h.sim.setAgent(OWNER, { kind: 'answer', ringMs: 50 });
    expect(await caller.waitBridged()).to.equal(OWNER);
    expect(h.sim.originateCount(OWNER)).to.equal(1);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ reason: 'own-advisor', answeredBy: alice, outcome: 'answered' });
    expect(stored.trail.map((s) => [s.step, s.outcome])).to.deep.equal([
      ['identify', 'member'],
      ['offer-owner-choice', 'key 1: wait'],
      ['wait-for-owner', 'owner free'],
      ['ring-advisor', 'answered'],
    ]);
    expect(stored.waitedMs).to.be.greaterThan(300);
  });

  it('key 2: the callback for the owner is stored before the confirmation plays', async () => {
    let playedWhenStored: string[] | null = null;
    let caller: CallHandle | null = null;
    await ownerBusy({
      callbacks: (store) => {
        const port = callbackPortFromStore(store.callbacks, 3);
        return {
          async request(input) {
            const created = await port.request(input);
            playedWhenStored = [...(caller?.playbacks ?? [])];
            return created;
          },
        };
      },
    });
    caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['1', '1'] });
    await promptNamingOwner(caller, 'zh');
    caller.press('2');
    await caller.waitPlayback('sound:cti/zh/callback-confirmed');
    await caller.waitHangup();
    expect(playedWhenStored, 'callback stored').to.not.equal(null);
    expect(playedWhenStored!.some((m) => m.includes('callback-confirmed')), 'confirmation not yet played when stored').to.equal(false);

    const stored = await h.settledCall(caller.id);
    expect(stored.outcome).to.equal('callback-requested');
    expect(stored.callbackId).to.be.a('number');
    const callback = await h.store.callbacks.get(stored.callbackId!);
    expect(callback).to.include({ reason: 'requested', preferredAdvisorId: alice, memberId: stored.memberId, state: 'pending' });
    expect(callback!.number).to.equal(DEMO_FIRST_MEMBER.phone);
    const event = h.events.find((e) => e.name === 'callback-requested');
    expect(event?.payload).to.include({ callbackId: callback!.id, preferredAdvisorId: alice, kind: 'requested' });
    await h.allClear();
  });

  it('key 3: rings the next eligible advisor (the first delegate)', async () => {
    await ownerBusy();
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await promptNamingOwner(caller, 'en');
    caller.press('3');
    expect(await caller.waitBridged()).to.equal(FIRST_DELEGATE);
    expect(h.sim.originateCount(OWNER)).to.equal(0);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ reason: 'delegate', answeredBy: h.advisorId(FIRST_DELEGATE) });
    expect(stored.trail[1]).to.include({ step: 'offer-owner-choice', outcome: 'key 3: next' });
  });

  it('no key: after the no-key prompt and one retry the configured default applies', async () => {
    await ownerBusy({ env: { CTI_DEFAULT_CHOICE: 'next' } });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await promptNamingOwner(caller, 'en');
    expect(await caller.waitBridged()).to.equal(FIRST_DELEGATE);
    expect(caller.playbacks.filter((m) => m === 'sound:cti/en/no-key')).to.have.length(1);
    expect(caller.playbacks.filter((m) => m === 'sound:cti/en/owner-busy-choices-1')).to.have.length(2);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored.trail[1]).to.include({ step: 'offer-owner-choice', outcome: 'no valid key: default next' });
  });

  it('an invalid key gets the invalid-key prompt and the menu again', async () => {
    await ownerBusy();
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await promptNamingOwner(caller, 'en');
    caller.press('7');
    await caller.waitPlayback('sound:cti/en/invalid-key');
    await waitUntil('the menu again', () => caller.playbacks.filter((m) => m === 'sound:cti/en/owner-busy-choices-1').length === 2);
    caller.press('3');
    expect(await caller.waitBridged()).to.equal(FIRST_DELEGATE);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored.trail[1]!.outcome).to.equal('key 3: next');
  });

  it('key 1 and the owner stays busy: after the max wait the first delegate rings', async () => {
    await ownerBusy({ env: { CTI_OWNER_MAX_WAIT: '500ms' } });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await promptNamingOwner(caller, 'en');
    caller.press('1');
    expect(await caller.waitBridged()).to.equal(FIRST_DELEGATE);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored.trail.map((s) => [s.step, s.outcome])).to.deep.equal([
      ['identify', 'member'],
      ['offer-owner-choice', 'key 1: wait'],
      ['wait-for-owner', 'max wait passed'],
      ['ring-advisor', 'answered'],
    ]);
    expect(stored.reason).to.equal('delegate');
  });

  it('key 1 and the owner signs out meanwhile: the wait ends at once and the first delegate rings', async () => {
    await ownerBusy();
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await promptNamingOwner(caller, 'en');
    caller.press('1');
    await waitUntil('waiting for the owner', () => h.telephony.waitingCallers().length === 1);
    h.presence.desktopDisconnected(alice);
    expect(await caller.waitBridged()).to.equal(FIRST_DELEGATE);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored.trail[2]).to.include({ step: 'wait-for-owner', outcome: 'owner went away (not logged in)' });
  });
});
