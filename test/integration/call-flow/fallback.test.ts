import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { startHarness, waitUntil } from './harness.js';
import type { Harness } from './harness.js';

describe('call flow: never dead air', function () {
  this.timeout(20_000);
  let h: Harness;

  afterEach(async () => {
    await h?.close();
  });

  it('a call the app cannot route goes to the dialplan fallback (message, then the plain queue) and is stored as failed', async () => {
    h = await startHarness({ failCallerLookup: true });
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await caller.waitPlayback('sound:cti/en/fallback');
    expect(await caller.waitQueued()).to.equal('cti-fallback');
    const stored = await h.settledCall(caller.id);
    expect(stored.outcome).to.equal('failed');
    caller.hangup();
  });

  it('callers still waiting when the CTI server stops are handed to the dialplan fallback', async () => {
    h = await startHarness({ ready: [] });
    const leo = h.advisorId('PJSIP/1012');
    h.presence.desktopConnected(leo);
    h.presence.requestState(leo, 'not-ready', 'meeting');
    const caller = h.sim.call({ from: '8613777770000', keys: ['2', '2'] });
    await caller.waitPlayback(/all-busy|peak-callback-offer/);
    await waitUntil('in the call flow', () => h.telephony.activeCalls().length === 1);
    await h.telephony.stop();
    expect(await caller.waitQueued()).to.equal('cti-fallback');
    caller.hangup();
  });
});
