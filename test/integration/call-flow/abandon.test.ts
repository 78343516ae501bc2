import { expect } from 'chai';
import { DEMO_ADVISORS, DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { startHarness, waitUntil } from './harness.js';
import type { Harness } from './harness.js';

const OWNER = DEMO_FIRST_MEMBER.ownerEndpoint;

describe('call flow: caller hangs up before anyone answers', function () {
  this.timeout(20_000);
  let h: Harness;

  afterEach(async () => {
    await h?.close();
  });

  async function ownerBusy(): Promise<number> {
    const alice = h.advisorId(OWNER);
    h.sim.setAgent(OWNER, { kind: 'busy' });
    await waitUntil('Alice on a call', () => h.presence.get(alice)?.phone === 'in-use');
    return alice;
  }

  it('during the prompt: nothing left behind, stored as abandoned at the prompt', async () => {
    h = await startHarness();
    // No handle times yet: no estimate, so the prompt without a wait is played.
    h.sim.setMediaDuration('sound:cti/en/owner-busy-no-estimate-1', 2000);
    await ownerBusy();
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await caller.waitPlayback('sound:cti/en/owner-busy-no-estimate-1');
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ outcome: 'abandoned', abandonedAt: 'prompt', answeredBy: null });
    expect(stored.trail.at(-1)).to.include({ step: 'offer-owner-choice', outcome: 'caller hung up' });
    await h.allClear();
    const abandoned = h.events.find((e) => e.name === 'caller-abandoned');
    expect(abandoned?.payload).to.include({ where: 'prompt', callerNumber: DEMO_FIRST_MEMBER.phone });
  });

  it('while waiting for the owner: nothing left behind, stored as abandoned in the owner wait', async () => {
    h = await startHarness();
    const alice = await ownerBusy();
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await caller.waitPlayback('owner-busy-no-estimate');
    caller.press('1');
    await caller.waitPlayback('sound:cti/en/please-hold');
    await new Promise((r) => setTimeout(r, 100));
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ outcome: 'abandoned', abandonedAt: 'owner-wait' });
    expect(stored.waitedMs).to.be.greaterThan(100);
    expect(h.telephony.waitingCallers()).to.deep.equal([]);
    await h.allClear();
    const abandoned = h.events.find((e) => e.name === 'caller-abandoned');
    expect(abandoned?.payload).to.include({ where: 'owner-wait', advisorId: alice });
  });

  it('while waiting in the pool: nothing left behind, stored as abandoned in the pool wait', async () => {
    h = await startHarness({ ready: [] });
    // Someone is staffed (on a call), so there is an expected wait and no peak offer by default.
    const leo = h.advisorId('PJSIP/1012');
    h.presence.desktopConnected(leo);
    h.presence.requestState(leo, 'not-ready', 'lunch');
    const caller = h.sim.call({ from: '8613999990000', keys: ['2', '2'] });
    await caller.waitPlayback(/peak-callback-offer|all-busy/);
    if (caller.playbacks.some((m) => m.includes('peak-callback-offer'))) caller.press('1');
    await caller.waitPlayback('sound:cti/en/all-busy');
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ outcome: 'abandoned', abandonedAt: 'pool-wait', reason: 'unknown-caller' });
    await h.allClear();
  });

  it('while an agent is ringing: the agent leg is hung up, stored as abandoned while ringing', async () => {
    h = await startHarness({ agents: { [OWNER]: { kind: 'no-answer' } }, env: { CTI_RING_TIMEOUT: '10s' } });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await waitUntil('agent ringing', () => h.events.find((e) => e.name === 'agent-ringing'));
    await waitUntil('the agent channel exists', () => h.sim.channelCount() >= 2);
    caller.hangup();
    const stored = await h.settledCall(caller.id);
    expect(stored).to.include({ outcome: 'abandoned', abandonedAt: 'ringing' });
    expect(stored.trail.at(-1)).to.include({ step: 'ring-advisor', outcome: 'caller hung up', advisorId: h.advisorId(OWNER) });
    await h.allClear();
    expect(DEMO_ADVISORS.map((a) => h.sim.originateCount(a.endpoint)).reduce((x, y) => x + y)).to.equal(1);
  });
});
