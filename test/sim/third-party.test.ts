import { expect } from 'chai';
import { createRequire } from 'node:module';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { RawAri, channelId } from './clients.js';

type AmiEvent = Record<string, string>;
interface AsteriskManager {
  on(event: string, fn: (e: AmiEvent) => void): void;
  once(event: string, fn: (e: AmiEvent) => void): void;
  action(action: Record<string, string>, cb: (err: AmiEvent | undefined, res: AmiEvent) => void): string;
  disconnect(): void;
  isConnected(): boolean;
}
type ManagerCtor = (port: number, host: string, user: string, secret: string, events: boolean) => AsteriskManager;

const require = createRequire(import.meta.url);
const Manager = require('asterisk-manager') as ManagerCtor;

function act(ami: AsteriskManager, action: Record<string, string>): Promise<{ err: AmiEvent | undefined; res: AmiEvent }> {
  return new Promise((resolve) => ami.action(action, (err, res) => resolve({ err, res })));
}

function waitFor(ami: AsteriskManager, event: string, test: (e: AmiEvent) => boolean, timeoutMs = 5000): Promise<AmiEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    ami.on(event, (e) => {
      if (!test(e)) return;
      clearTimeout(timer);
      resolve(e);
    });
  });
}

describe('sim: the third-party asterisk-manager client works unchanged', function () {
  let sim: Simulator;
  let ami: AsteriskManager;

  before(async () => {
    sim = await startSimulator({ amiPort: 0, ariPort: 0, agents: { 'PJSIP/1001': { kind: 'answer', ringMs: 50 } } });
  });
  after(async () => {
    ami?.disconnect();
    await sim.close();
  });

  it('logs in, receives events, originates and hangs up', async () => {
    ami = Manager(sim.amiPort, '127.0.0.1', 'cti', 'cti', true);
    const booted = await waitFor(ami, 'fullybooted', () => true);
    expect(booted['status']).to.equal('Fully Booted');
    const ping = await act(ami, { action: 'Ping' });
    expect(ping.res['ping']).to.equal('Pong');

    const answered = waitFor(ami, 'newstate', (e) => (e['channel'] ?? '').startsWith('PJSIP/1001-') && e['channelstatedesc'] === 'Up');
    const originated = waitFor(ami, 'originateresponse', () => true);
    const queued = await act(ami, { action: 'Originate', channel: 'PJSIP/1001', application: 'Wait', data: '30', async: 'true', callerid: '"Demo" <4000>' });
    expect(queued.err).to.equal(undefined);
    expect(queued.res['message']).to.equal('Originate successfully queued');
    const up = await answered;
    expect((await originated)['response']).to.equal('Success');
    expect(sim.originateCount('PJSIP/1001')).to.equal(1);

    const hungup = waitFor(ami, 'hangup', (e) => e['channel'] === up['channel']);
    const res = await act(ami, { action: 'Hangup', channel: up['channel'] ?? '', cause: '16' });
    expect(res.res['message']).to.equal('Channel Hungup');
    expect((await hungup)['cause-txt']).to.equal('Normal Clearing');
    const missing = await act(ami, { action: 'Hangup', channel: up['channel'] ?? '' });
    expect(missing.err?.['message']).to.equal('No such channel');
  });
});

describe('sim: a raw ws + fetch ARI client drives a call', function () {
  let sim: Simulator;
  let ari: RawAri;

  before(async () => {
    sim = await startSimulator({
      amiPort: 0,
      ariPort: 0,
      dialplanFiles: [],
      agents: { 'PJSIP/1001': { kind: 'answer', ringMs: 30 }, 'PJSIP/1002': { kind: 'answer', ringMs: 30 } },
      mediaMs: { 'sound:hello': 80 },
    });
    ari = new RawAri(sim.ariPort);
    await ari.connect('cti');
  });
  after(async () => {
    ari.close();
    await sim.close();
  });

  it('originates two phones, answers, plays, bridges and hangs up', async () => {
    const a = await ari.request('POST', '/channels', { endpoint: 'PJSIP/1001', app: 'cti', appArgs: 'a,b' });
    expect(a.status).to.equal(200);
    const aId = (a.body as { id: string }).id;
    const start = await ari.waitEvent('StasisStart', (e) => channelId(e) === aId);
    expect(start['args']).to.deep.equal(['a', 'b']);
    expect((await ari.request('POST', `/channels/${aId}/answer`)).status).to.equal(204);

    const play = await ari.request('POST', `/channels/${aId}/play`, { media: 'sound:hello' });
    expect(play.status).to.equal(201);
    const pbId = (play.body as { id: string }).id;
    const done = await ari.waitEvent('PlaybackFinished', (e) => (e['playback'] as { id: string }).id === pbId);
    expect((done['playback'] as { state: string }).state).to.equal('done');

    const b = await ari.request('POST', '/channels', { endpoint: 'PJSIP/1002', app: 'cti' }, { variables: { CTI_CALL: 'x1' } });
    const bId = (b.body as { id: string }).id;
    await ari.waitEvent('StasisStart', (e) => channelId(e) === bId);
    expect((await ari.request('GET', `/channels/${bId}/variable`, { variable: 'CTI_CALL' })).body).to.deep.equal({ value: 'x1' });

    const bridge = await ari.request('POST', '/bridges', { type: 'mixing', name: 'demo' });
    const brId = (bridge.body as { id: string }).id;
    expect((await ari.request('POST', `/bridges/${brId}/addChannel`, { channel: `${aId},${bId}` })).status).to.equal(204);
    const got = await ari.request('GET', `/bridges/${brId}`);
    expect((got.body as { channels: string[] }).channels).to.deep.equal([aId, bId]);
    expect(sim.deviceState('PJSIP/1001')).to.equal('INUSE');

    expect((await ari.request('DELETE', `/channels/${aId}`)).status).to.equal(204);
    const destroyed = await ari.waitEvent('ChannelDestroyed', (e) => channelId(e) === aId);
    expect(destroyed['cause']).to.equal(16);
    await ari.request('DELETE', `/channels/${bId}`, { reason: 'busy' });
    const destroyedB = await ari.waitEvent('ChannelDestroyed', (e) => channelId(e) === bId);
    expect(destroyedB['cause_txt']).to.equal('User busy');
    expect((await ari.request('DELETE', `/bridges/${brId}`)).status).to.equal(204);
    await sim.waitForChannelCount(0);
    expect(sim.deviceState('PJSIP/1001')).to.equal('NOT_INUSE');
  });

  it('reports ring-no-answer, busy and unregistered phones as Asterisk does', async () => {
    sim.setAgent('PJSIP/2001', { kind: 'no-answer' });
    sim.setAgent('PJSIP/2002', { kind: 'busy' });
    sim.setAgent('PJSIP/2003', { kind: 'unregistered' });
    expect(sim.deviceState('PJSIP/2003')).to.equal('UNAVAILABLE');
    const na = await ari.request('POST', '/channels', { endpoint: 'PJSIP/2001', app: 'cti', timeout: '1' });
    const naId = (na.body as { id: string }).id;
    await ari.waitEvent('Dial', (e) => e['dialstatus'] === 'RINGING' && (e['peer'] as { id: string }).id === naId);
    expect(sim.deviceState('PJSIP/2001')).to.equal('RINGING');
    const naEnd = await ari.waitEvent('ChannelDestroyed', (e) => channelId(e) === naId);
    expect(naEnd['cause']).to.equal(19);
    const busy = await ari.request('POST', '/channels', { endpoint: 'PJSIP/2002', app: 'cti' });
    const busyId = (busy.body as { id: string }).id;
    await ari.waitEvent('Dial', (e) => e['dialstatus'] === 'BUSY' && (e['peer'] as { id: string }).id === busyId);
    expect((await ari.waitEvent('ChannelDestroyed', (e) => channelId(e) === busyId))['cause']).to.equal(17);
    const unreg = await ari.request('POST', '/channels', { endpoint: 'PJSIP/2003', app: 'cti' });
    expect(unreg.status).to.equal(500);
    expect(unreg.body).to.deep.equal({ error: 'Allocation failed' });
  });
});
