import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { RawAmi, RawAri, channelId, get } from './clients.js';

const FIXTURE = new URL('./fixtures/front-ivr.conf', import.meta.url).pathname;

describe('sim: callers through the front IVR', function () {
  let sim: Simulator;
  let ari: RawAri;

  beforeEach(async () => {
    sim = await startSimulator({ amiPort: 0, ariPort: 0, dialplanFiles: [FIXTURE], defaultMediaMs: 20, waitScale: 0.02 });
    ari = new RawAri(sim.ariPort);
  });
  afterEach(async () => {
    ari.close();
    await sim.close();
  });

  it('hands the caller to Stasis(cti) with the keys pressed as ivr/lang arguments', async () => {
    await ari.connect();
    const call = sim.call({ from: '13800138000', keys: ['2', '3'] });
    const args = await call.waitStasis();
    expect(args).to.deep.equal(['ivr=3', 'lang=en']);
    const start = await ari.waitEvent('StasisStart');
    expect(start['args']).to.deep.equal(['ivr=3', 'lang=en']);
    expect((start['channel'] as { caller: { number: string } }).caller.number).to.equal('13800138000');
    expect(call.playbacks.some((m) => m.includes('language-menu'))).to.equal(true);
  });

  it('passes a keyed member number and defaults the language to zh when no key is pressed', async () => {
    await ari.connect();
    const call = sim.call({ from: '13800138001', keys: ['', '9', '10023#', '1'] });
    expect(await call.waitStasis()).to.deep.equal(['ivr=1', 'lang=zh', 'member=10023']);
  });

  it('sends the caller to the fallback queue with a prompt when the app is not registered', async () => {
    const call = sim.call({ from: '13800138002', keys: ['1', '2'] });
    expect(await call.waitQueued()).to.equal('cti-fallback');
    expect(call.playbacks.some((m) => m.includes('fallback'))).to.equal(true);
    expect(call.stasisArgs).to.equal(undefined);
  });

  it('delivers DTMF pressed in Stasis to the app and tells the handle who the caller is bridged to', async () => {
    sim.setAgent('PJSIP/1001', { kind: 'answer', ringMs: 30 });
    await ari.connect();
    const call = sim.call({ from: '13800138003', keys: ['1', '1'] });
    await call.waitStasis();
    const start = await ari.waitEvent('StasisStart');
    const callerId = channelId(start) ?? '';
    call.press('5');
    const dtmf = await ari.waitEvent('ChannelDtmfReceived');
    expect(dtmf['digit']).to.equal('5');
    await ari.request('POST', `/channels/${callerId}/answer`);
    const bridge = await ari.request('POST', '/bridges', { type: 'mixing' });
    const bridgeId = (bridge.body as { id: string }).id;
    const agent = await ari.request('POST', '/channels', { endpoint: 'PJSIP/1001', app: 'cti', appArgs: 'agent' });
    expect(agent.status).to.equal(200);
    const agentId = (agent.body as { id: string }).id;
    await ari.waitEvent('StasisStart', (e) => channelId(e) === agentId);
    await ari.request('POST', `/bridges/${bridgeId}/addChannel`, { channel: `${callerId},${agentId}` });
    expect(await call.waitBridged()).to.equal('PJSIP/1001');
    expect(sim.originateCount('PJSIP/1001')).to.equal(1);
    call.hangup();
    await call.waitHangup();
    await ari.request('DELETE', `/channels/${agentId}`);
    await sim.waitForChannelCount(0);
  });
});

describe('sim: the project dialplan (dialplan/extensions.conf)', function () {
  let sim: Simulator;
  let ari: RawAri;

  beforeEach(async () => {
    sim = await startSimulator({ amiPort: 0, ariPort: 0, defaultMediaMs: 20, waitScale: 0.02 });
    ari = new RawAri(sim.ariPort);
  });
  afterEach(async () => {
    ari.close();
    await sim.close();
  });

  it('runs the real front IVR into Stasis(cti, ...)', async () => {
    await ari.connect();
    const call = sim.call({ from: '13800138010', to: '4008001234', keys: ['2', '9', '10023#', '3'] });
    expect(await call.waitStasis()).to.deep.equal(['ivr=3', 'lang=en', 'member=10023']);
  });

  it('without the CTI server rings an advisor through the fallback queue', async () => {
    sim.setAgent('PJSIP/1001', { kind: 'answer', ringMs: 20 });
    const call = sim.call({ from: '13800138011', keys: ['1', '2'] });
    expect(await call.waitQueued()).to.equal('cti-fallback');
    expect(call.playbacks.some((m) => m.endsWith('/fallback'))).to.equal(true);
    expect(await call.waitBridged()).to.equal('Local/1001@cti-agents');
    expect(sim.deviceState('PJSIP/1001')).to.equal('INUSE');
    call.hangup();
    await sim.waitForChannelCount(0);
    expect(sim.deviceState('PJSIP/1001')).to.equal('NOT_INUSE');
  });

  it('reports the waiting caller in QueueStatus and QueueSummary', async () => {
    sim.setAgent('PJSIP/1001', { kind: 'no-answer' });
    sim.setAgent('PJSIP/1002', { kind: 'no-answer' });
    const call = sim.call({ from: '13800138012', keys: ['1', '2'] });
    await call.waitQueued();
    const ami = await RawAmi.connect(sim.amiPort);
    await ami.login();
    await ami.action({ Action: 'QueueSummary', Queue: 'cti-fallback', ActionID: 'qs' });
    const summary = await ami.waitEvent('QueueSummary', (f) => get(f, 'ActionID') === 'qs');
    expect(get(summary, 'LoggedIn')).to.equal('2');
    expect(get(summary, 'Callers')).to.equal('1');
    await ami.action({ Action: 'QueueStatus', ActionID: 'qst' });
    const entry = await ami.waitEvent('QueueEntry', (f) => get(f, 'ActionID') === 'qst');
    expect(get(entry, 'Channel')).to.equal(call.channel.name);
    expect(get(await ami.waitEvent('QueueStatusComplete'), 'ListItems')).to.equal('4');
    ami.close();
    call.hangup();
    await sim.waitForChannelCount(0);
  });

  it('ARI continue to cti-fallback,s,1 sends the caller to the fallback queue', async () => {
    sim.setAgent('PJSIP/1001', { kind: 'no-answer' });
    sim.setAgent('PJSIP/1002', { kind: 'no-answer' });
    await ari.connect();
    const call = sim.call({ from: '13800138013', keys: ['1', '2'] });
    await call.waitStasis();
    const bad = await ari.request('POST', `/channels/${call.id}/continue`, { context: 'no-such-context', extension: 's' });
    expect(bad.status).to.equal(400);
    expect((await ari.request('POST', `/channels/${call.id}/continue`, { context: 'cti-fallback', extension: 's', priority: '1' })).status).to.equal(204);
    expect(await call.waitQueued()).to.equal('cti-fallback');
    await ari.waitEvent('StasisEnd', (e) => channelId(e) === call.id);
    call.hangup();
    await sim.waitForChannelCount(0);
  });
});
