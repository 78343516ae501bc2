import { appendFileSync } from 'node:fs';
import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../db/seeds/demo.js';
import type { RunningServer } from '../../server/app-server.js';
import type { Simulator } from '../../sim/index.js';
import { api, Desktops, login, promiseCallbacksForTomorrow, routedCall, seededWorkdir, serverEnv, sleep, startInProcess, startPbx, timeUntilRouting, waitFor, type Workdir } from './support.js';

const ALICE = DEMO_FIRST_MEMBER.ownerEndpoint;
const UNKNOWN = '8613999990001';
/** Measured recovery figures go here when set (docs/reliability.md quotes them). */
const REPORT = process.env.CTI_RELIABILITY_REPORT;
/** The design promises 5 s; asserted generously so a loaded CI machine does not flake. */
const RECOVERY_LIMIT_MS = 15_000;
/**
 * After a long outage the reconnect delay has grown to its ceiling (4 s); the old 30 s
 * ceiling could leave the server deaf for up to 30 s after Asterisk returned.
 */
const LONG_OUTAGE_LIMIT_MS = 10_000;

function record(fault: string, figures: Record<string, number>): void {
  if (REPORT) appendFileSync(REPORT, JSON.stringify({ fault, ...figures, at: new Date().toISOString() }) + '\n');
}

describe('reliability: Asterisk faults (AMI cut, ARI cut, Asterisk restarted) against the whole server', function () {
  this.timeout(90_000);
  let work: Workdir;
  let sim: Simulator;
  let server: RunningServer;
  let desktops: Desktops;
  let supervisor: string;
  let secondAliceMember: string;

  beforeEach(async () => {
    work = await seededWorkdir();
    sim = await startPbx({ agents: { [ALICE]: { kind: 'answer', ringMs: 100 } } });
    // Alice's caller keeps waiting for her across the fault instead of moving on to her delegate.
    server = await startInProcess(serverEnv(sim, work.dbUrl, { CTI_OWNER_MAX_WAIT: '60s' }), work.dir);
    await waitFor('AMI and ARI up', () => server.telephony.nodes.every((n) => n.connected.ami && n.connected.ari));
    desktops = new Desktops(server.url);
    await desktops.signIn();
    await waitFor('agents ready', () => [...desktops.sockets.keys()].length === 12 && server.presence.get(1)?.desktop === 'ready');
    supervisor = await login(server.url, 'supervisor');
    const alice = (await server.store.advisors.findByEndpoint(ALICE))!;
    const page = await server.store.members.list({ ownerId: alice.id }, { limit: 5, offset: 0 });
    secondAliceMember = page.items.map((m) => m.phones[0]!).find((p) => p !== DEMO_FIRST_MEMBER.phone)!;
  });

  afterEach(async () => {
    desktops?.close();
    await server?.close();
    await sim?.close();
    work?.remove();
  });

  const promiseCallbacks = (n: number) =>
    promiseCallbacksForTomorrow(
      server.url,
      supervisor,
      Array.from({ length: n }, (_, i) => `1390000${String(1000 + i)}`),
      'promise',
    );

  async function callbacksStillThere(ids: number[]): Promise<void> {
    for (const id of ids) {
      const res = await api(server.url, 'GET', `/api/callbacks/${id}`, supervisor);
      expect(res.status, `callback ${id}`).to.equal(200);
      expect(res.body.state, 'due tomorrow: still waiting').to.equal('pending');
    }
  }

  /** A call bridged to Alice, and a second caller of Alice's waiting for her (key 1 after the prompt naming her). */
  async function callInProgressAndWaitingCaller() {
    const inProgress = await routedCall(sim, DEMO_FIRST_MEMBER.phone);
    expect(inProgress.agent).to.equal(ALICE);
    const waiting = sim.call({ from: secondAliceMember, keys: ['2', '1', '1'] });
    await waitFor('the second caller waits for Alice', () => server.telephony.waitingCallers().length === 1, 10_000);
    return { inProgress: inProgress.call, waiting };
  }

  it('AMI cut: the call in progress carries on, the waiting caller still gets Alice, desktops stay up, nothing dialed twice, routing resumes', async () => {
    const promised = await promiseCallbacks(3);
    const { inProgress, waiting } = await callInProgressAndWaitingCaller();
    expect(sim.originateCount(ALICE)).to.equal(1);

    await sim.stopAmi();
    await waitFor('AMI seen down', () => !server.telephony.nodes[0]!.connected.ami);
    await sleep(1500);
    expect(inProgress.ended, 'the bridged call survives an AMI cut').to.equal(false);
    expect(waiting.ended, 'the waiting caller is still on hold').to.equal(false);
    const back = Date.now();
    await sim.startAmi();
    await waitFor('AMI back', () => server.telephony.nodes[0]!.connected.ami, 15_000);
    const reconnectMs = Date.now() - back;
    const { ms: routingMs, agent: probeAgent } = await timeUntilRouting(sim, UNKNOWN, back);

    inProgress.hangup();
    expect(await waiting.waitBridged(15_000), 'Alice rings for the waiting caller once she is free').to.equal(ALICE);
    expect(probeAgent, 'Alice is busy: the probe call goes to someone else').to.not.equal(ALICE);
    expect(sim.originateCount(ALICE), 'Alice dialed once per caller, never twice').to.equal(2);
    expect(desktops.allConnected()).to.equal(true);
    expect([...desktops.disconnects.values()].every((n) => n === 0)).to.equal(true);
    await callbacksStillThere(promised);
    waiting.hangup();
    expect(routingMs).to.be.lessThan(RECOVERY_LIMIT_MS);
    record('AMI cut (1.5 s)', { reconnectMs, routingMs });
  });

  it('ARI WebSocket cut: the bridged call carries on and ends cleanly, the waiting caller is kept, routing resumes', async () => {
    const promised = await promiseCallbacks(3);
    const { inProgress, waiting } = await callInProgressAndWaitingCaller();

    await sim.stopAri();
    await waitFor('ARI seen down', () => !server.telephony.nodes[0]!.connected.ari);
    await sleep(1500);
    const back = Date.now();
    await sim.startAri();
    await waitFor('ARI back', () => server.telephony.nodes[0]!.connected.ari, 15_000);
    const reconnectMs = Date.now() - back;
    const { ms: routingMs, agent: probeAgent } = await timeUntilRouting(sim, UNKNOWN, back);

    expect(inProgress.ended).to.equal(false);
    expect(probeAgent).to.not.equal(ALICE);
    inProgress.hangup();
    expect(await waiting.waitBridged(15_000)).to.equal(ALICE);
    expect(sim.originateCount(ALICE)).to.equal(2);
    await waitFor('the first call stored as answered and ended', async () => {
      const calls = await server.store.calls.list({}, { limit: 50, offset: 0 });
      return calls.items.some((c) => c.outcome === 'answered' && c.endedAt && c.reason === 'own-advisor');
    });
    expect(desktops.allConnected()).to.equal(true);
    await callbacksStillThere(promised);
    waiting.hangup();
    expect(routingMs).to.be.lessThan(RECOVERY_LIMIT_MS);
    record('ARI cut (1.5 s)', { reconnectMs, routingMs });
  });

  it('a long AMI+ARI outage (20 s): the server still routes within the limit of the PBX returning (reconnect backoff stays short)', async () => {
    await sim.stopAmi();
    await sim.stopAri();
    await sleep(20_000);
    const back = Date.now();
    await sim.startAmi();
    await sim.startAri();
    const { ms: routingMs } = await timeUntilRouting(sim, UNKNOWN, back);
    expect(routingMs).to.be.lessThan(LONG_OUTAGE_LIMIT_MS);
    record('AMI+ARI outage (20 s)', { routingMs });
  });

  it('Asterisk restarted (every call gone): calls are settled, nobody is left "on a call", nothing redialed, desktops stay, routing resumes', async () => {
    const promised = await promiseCallbacks(3);
    const { inProgress, waiting } = await callInProgressAndWaitingCaller();
    const aliceId = (await server.store.advisors.findByEndpoint(ALICE))!.id;
    await waitFor('Alice on the call', () => server.presence.get(aliceId)?.phone === 'in-use');
    const dialedBefore = sim.originateCount(ALICE);
    const back = Date.now();
    await sim.restart();
    expect(inProgress.ended && waiting.ended, 'Asterisk took the calls with it').to.equal(true);
    const { ms: routingMs, agent: probeAgent } = await timeUntilRouting(sim, UNKNOWN, back);

    await waitFor('no call left in progress', () => server.telephony.activeCalls().filter((c) => c.state !== 'ended').length <= 1, 10_000);
    expect(server.telephony.waitingCallers(), 'the waiting caller is no longer counted as waiting').to.have.length(0);
    await waitFor('Alice idle again', () => server.presence.get(aliceId)?.phone === 'idle', 10_000);
    const stored = await server.store.calls.list({}, { limit: 50, offset: 0 });
    const inbound = stored.items.filter((c) => c.callerNumber !== UNKNOWN);
    await waitFor('both member calls settled in the store', async () => {
      const now = await server.store.calls.list({}, { limit: 50, offset: 0 });
      return now.items.filter((c) => c.callerNumber !== UNKNOWN).every((c) => c.outcome !== 'in-progress');
    }, 10_000);
    expect(inbound.length).to.be.at.least(2);
    // The restarted Asterisk was asked for nothing on behalf of the lost calls.
    expect(sim.originateCount(ALICE) - dialedBefore, 'Alice not dialed again for calls that are gone').to.equal(probeAgent === ALICE ? 1 : 0);
    expect(desktops.allConnected()).to.equal(true);
    await callbacksStillThere(promised);
    expect(routingMs).to.be.lessThan(RECOVERY_LIMIT_MS);
    record('Asterisk restarted', { routingMs });
  });
});
