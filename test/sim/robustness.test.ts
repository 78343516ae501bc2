import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { RawAmi, RawAri, get } from './clients.js';

describe('sim: bad input gets Asterisk errors and the simulator keeps serving', function () {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startSimulator({ amiPort: 0, ariPort: 0, dialplanFiles: [] });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('AMI: wrong secret is refused after a delay and the socket is closed', async () => {
    const ami = await RawAmi.connect(sim.amiPort);
    const started = Date.now();
    const res = await ami.login('cti', 'wrong');
    expect(get(res, 'Response')).to.equal('Error');
    expect(get(res, 'Message')).to.equal('Authentication failed');
    expect(Date.now() - started).to.be.greaterThan(800);
    await ami.frames.wait('close', (fs) => fs.find((f) => f[0]?.[0] === '*closed*'));
  });

  it('AMI: actions before login are denied, unknown actions get the ListCommands hint', async () => {
    const ami = await RawAmi.connect(sim.amiPort);
    expect(ami.banner).to.equal('Asterisk Call Manager/11.0.0');
    expect(get(await ami.action({ Action: 'Ping' }), 'Message')).to.equal('Permission denied');
    await ami.login();
    const res = await ami.action({ Action: 'FooBar' });
    expect(get(res, 'Message')).to.equal('Invalid/unknown command: FooBar. Use Action: ListCommands to show available commands.');
    ami.close();
  });

  it('AMI: a line without a colon, a huge line and garbage do not break the session', async () => {
    const ami = await RawAmi.connect(sim.amiPort);
    await ami.login();
    ami.write('this line has no colon\r\nActionID: junk-1\r\n\r\n');
    const missing = await ami.frames.wait('error', (fs) => fs.find((f) => get(f, 'ActionID') === 'junk-1'));
    expect(get(missing, 'Message')).to.equal('Missing action in request');
    ami.write(`Action: Ping\r\nX-Big: ${'x'.repeat(200_000)}\r\nActionID: big-1\r\n\r\n`);
    ami.write('\u0000\u0001\u00ff garbage \r\n\r\n');
    const pong = await ami.action({ Action: 'Ping' });
    expect(get(pong, 'Ping')).to.equal('Pong');
    // Many headers are capped, the frame is still answered.
    let many = 'Action: Ping\r\nActionID: many-1\r\n';
    for (let i = 0; i < 500; i++) many += `H${i}: v\r\n`;
    ami.write(`${many}\r\n`);
    await ami.frames.wait('many', (fs) => fs.find((f) => get(f, 'ActionID') === 'many-1'));
    expect(get(await ami.action({ Action: 'Getvar', Channel: 'PJSIP/none-00000001', Variable: 'X' }), 'Message')).to.equal('No such channel');
    ami.close();
  });

  it('ARI: bad credentials, bad bodies, unknown resources and wrong methods', async () => {
    const ari = new RawAri(sim.ariPort);
    const wrong = new RawAri(sim.ariPort, 'cti', 'nope');
    const unauth = await wrong.request('GET', '/channels');
    expect(unauth).to.include({ status: 401 });
    expect(unauth.body).to.deep.equal({ message: 'Authentication required' });
    const badJson = await ari.request('POST', '/channels', { endpoint: 'PJSIP/1001' }, '{not json');
    expect(badJson.status).to.equal(400);
    const notObject = await ari.request('POST', '/bridges', {}, '[1,2]');
    expect(notObject.status).to.equal(400);
    expect((await ari.request('GET', '/no/such/thing')).body).to.deep.equal({ message: 'Resource not found' });
    expect((await ari.request('PATCH', '/channels')).status).to.equal(405);
    expect((await ari.request('GET', '/channels/nope/variable', { variable: 'X' })).body).to.deep.equal({ message: 'Channel not found' });
    expect((await ari.request('DELETE', '/playbacks/nope')).body).to.deep.equal({ message: 'Playback not found' });
    expect((await ari.request('GET', '/recordings/live/nope')).body).to.deep.equal({ message: 'Recording not found' });
    expect((await ari.request('POST', '/channels', { app: 'cti' })).body).to.deep.equal({ message: 'Endpoint must be specified' });
    expect((await ari.request('GET', '/channels')).status).to.equal(200);
  });

  it('ARI: events socket without credentials or app is refused', async () => {
    const res = await fetch(`http://127.0.0.1:${sim.ariPort}/ari/events?app=cti`, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    }).catch(() => undefined);
    expect(res?.status ?? 401).to.equal(401);
    const ari = new RawAri(sim.ariPort);
    await ari.connect('cti');
    expect((await ari.request('GET', '/applications')).body).to.have.length(1);
    ari.close();
    await new Promise((r) => setTimeout(r, 100));
    expect((await ari.request('GET', '/applications')).body).to.deep.equal([]);
  });
});

describe('sim: faults for reconnect tests', function () {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startSimulator({ amiPort: 0, ariPort: 0, agents: { 'PJSIP/1001': { kind: 'answer', ringMs: 20 } }, defaultMediaMs: 20, waitScale: 0.02 });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('stops and restarts the AMI face on the same port', async () => {
    const ami = await RawAmi.connect(sim.amiPort);
    await ami.login();
    await sim.stopAmi();
    await ami.frames.wait('close', (fs) => fs.find((f) => f[0]?.[0] === '*closed*'));
    let refused = false;
    await RawAmi.connect(sim.amiPort).catch(() => {
      refused = true;
    });
    expect(refused).to.equal(true);
    await sim.startAmi();
    const again = await RawAmi.connect(sim.amiPort);
    expect(get(await again.login(), 'Response')).to.equal('Success');
    again.close();
  });

  it('dropping ARI unregisters the app: callers fall back; a restart loses every call', async () => {
    const ari = new RawAri(sim.ariPort);
    await ari.connect('cti');
    const first = sim.call({ from: '13800000001', keys: ['1', '1'] });
    await first.waitStasis();
    await sim.stopAri();
    const second = sim.call({ from: '13800000002', keys: ['1', '1'] });
    expect(await second.waitQueued()).to.equal('cti-fallback');
    await sim.startAri();
    expect(sim.channelCount()).to.be.greaterThan(0);
    await sim.restart();
    expect(sim.channelCount()).to.equal(0);
    expect(first.ended).to.equal(true);
    const ami = await RawAmi.connect(sim.amiPort);
    await ami.login();
    const list = await ami.action({ Action: 'CoreShowChannels' });
    expect(get(list, 'EventList')).to.equal('start');
    const complete = await ami.waitEvent('CoreShowChannelsComplete');
    expect(get(complete, 'ListItems')).to.equal('0');
    ami.close();
  });
});
