import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { runLoad } from '../../sim/scenario/load.js';
import { startDemoTraffic } from '../../sim/scenario/demo.js';
import { RawAmi, RawAri, channelId, get } from './clients.js';

describe('sim: scenario API', function () {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startSimulator({ amiPort: 0, ariPort: 0, defaultMediaMs: 20, waitScale: 0.02 });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('dials member numbers through a trunk template with a behaviour per number', async () => {
    sim.setMember('13800000001', { kind: 'answer', ringMs: 20 });
    sim.setMember('13800000002', { kind: 'busy' });
    const ari = new RawAri(sim.ariPort);
    await ari.connect();
    const ok = await ari.request('POST', '/channels', { endpoint: 'PJSIP/13800000001@trunk', app: 'cti', callerId: '4008001234' });
    expect((ok.body as { name: string }).name).to.match(/^PJSIP\/trunk-[0-9a-f]{8}$/);
    await ari.waitEvent('StasisStart', (e) => channelId(e) === (ok.body as { id: string }).id);
    const busy = await ari.request('POST', '/channels', { endpoint: 'PJSIP/13800000002@trunk', app: 'cti' });
    await ari.waitEvent('Dial', (e) => e['dialstatus'] === 'BUSY' && (e['peer'] as { id: string }).id === (busy.body as { id: string }).id);
    expect(sim.originateCount('PJSIP/13800000001@trunk')).to.equal(1);
    ari.close();
  });

  it('an agent hanging up ends the call; device state and AMI events follow', async () => {
    sim.setAgent('PJSIP/1001', { kind: 'answer', ringMs: 20 });
    const ami = await RawAmi.connect(sim.amiPort);
    await ami.login();
    const ari = new RawAri(sim.ariPort);
    await ari.connect();
    const res = await ari.request('POST', '/channels', { endpoint: 'PJSIP/1001', app: 'cti' });
    const id = (res.body as { id: string }).id;
    await ari.waitEvent('StasisStart', (e) => channelId(e) === id);
    await ami.waitEvent('DeviceStateChange', (f) => get(f, 'Device') === 'PJSIP/1001' && get(f, 'State') === 'INUSE');
    sim.agentHangup('PJSIP/1001');
    const req = await ari.waitEvent('ChannelHangupRequest', (e) => channelId(e) === id);
    expect(req['cause']).to.equal(16);
    await ari.waitEvent('StasisEnd', (e) => channelId(e) === id);
    await ami.waitEvent('DeviceStateChange', (f) => get(f, 'Device') === 'PJSIP/1001' && get(f, 'State') === 'NOT_INUSE');
    ami.close();
    ari.close();
  });

  it('runs bounded Poisson load and counts abandons', async () => {
    const result = await runLoad(sim, {
      ratePerSec: 50,
      durationMs: 400,
      numbers: ['13800000003', '13800000004'],
      keys: ['1', '1'],
      meanPatienceMs: 50,
      maxCalls: 30,
      drainMs: 2000,
      random: mulberry32(7),
    });
    expect(result.offered).to.be.greaterThan(0).and.at.most(30);
    expect(result.abandoned).to.be.greaterThan(0);
    await sim.waitForChannelCount(0);
  });

  it('demo traffic places calls until stopped', async () => {
    sim.setAgent('PJSIP/1001', { kind: 'answer', ringMs: 20 });
    const stop = startDemoTraffic(sim, { numbers: ['13800000005'], intervalMs: 30, random: mulberry32(1) });
    await new Promise((r) => setTimeout(r, 200));
    stop();
    expect(sim.channelCount()).to.be.greaterThan(0);
  });
});

/** Small seeded generator so load runs repeat. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
