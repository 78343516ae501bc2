import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { startHarness, waitUntil } from './harness.js';
import type { Harness } from './harness.js';

const OWNER = DEMO_FIRST_MEMBER.ownerEndpoint;

describe('call flow: several Asterisk nodes, decision timing', function () {
  this.timeout(20_000);
  let h: Harness;

  afterEach(async () => {
    await h?.close();
  });

  it('device states from every node feed one presence board, and each node routes its own callers', async () => {
    h = await startHarness({ nodes: 2 });
    const [first, second] = h.sims as [typeof h.sim, typeof h.sim];
    const alice = h.advisorId(OWNER);
    // Alice's phone is busy as the second node sees it: a caller on the first node hears she is busy.
    second.setAgent(OWNER, { kind: 'busy' });
    await waitUntil('Alice busy through node1', () => h.presence.get(alice)?.phone === 'in-use');
    const member = first.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await member.waitPlayback(`sound:cti/en/advisor-${alice}-name`);
    expect(member.playbacks.some((m) => m.includes('owner-busy'))).to.equal(true);
    member.hangup();
    expect((await h.settledCall(member.id, 5000, 'node0')).abandonedAt).to.equal('prompt');

    const stranger = second.call({ from: '+44 20 7946 0000', keys: ['2', '2'] });
    const agent = await stranger.waitBridged();
    expect(agent).to.not.equal(OWNER);
    expect(first.originateCount(agent), 'originated on the caller node only').to.equal(0);
    stranger.hangup();
    const stored = await h.settledCall(stranger.id, 5000, 'node1');
    expect(stored).to.include({ node: 'node1', reason: 'unknown-caller', outcome: 'answered' });
  });

  it('times each routing decision in cti_route_decision_seconds', async () => {
    h = await startHarness();
    const caller = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    await caller.waitBridged();
    caller.hangup();
    await h.settledCall(caller.id);
    const text = await h.registry.metrics();
    expect(text).to.match(/^cti_route_decision_seconds_count\{decision="ring-advisor"\} 1$/m);
  });
});
