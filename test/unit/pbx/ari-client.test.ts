import { once } from 'node:events';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { expect } from 'chai';
import { AriClient, type AriClientOptions } from '../../../server/pbx/ari/client.js';
import { AriHttpError, AriTimeoutError, AriUnreachableError } from '../../../server/pbx/ari/errors.js';
import type { AriEvent, AriOtherEvent } from '../../../server/pbx/ari/events.js';
import { ARI_CAPTURE_FILES, type AriCapture, captureAvailable, parseAriCapture, readCapture } from '../../support/wire/capture.js';
import { FakeAriServer, type FakeAriOptions } from '../../support/wire/fake-ari-server.js';
import { capturingLogger, silentLogger } from '../../support/wire/log-capture.js';
import { sleep, waitFor } from '../../support/wire/wait.js';

describe('AriClient against recorded ARI exchanges', function () {
  const captures = new Map<string, AriCapture>();
  let fake: FakeAriServer;
  const clients: AriClient[] = [];

  before(function () {
    if (!captureAvailable()) this.skip();
    for (const file of ARI_CAPTURE_FILES) captures.set(file, parseAriCapture(readCapture(file)));
  });

  afterEach(async function () {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await fake?.close();
  });

  async function serve(files: string[], options: Partial<FakeAriOptions> = {}): Promise<void> {
    fake = await FakeAriServer.start({ rest: files.flatMap((f) => captures.get(f)!.rest), ...options });
  }

  function client(overrides: Partial<AriClientOptions> = {}): AriClient {
    const c = new AriClient({
      baseUrl: fake.baseUrl,
      username: 'cti',
      password: 'ctisecret',
      app: 'cti',
      logger: silentLogger(),
      heartbeatMs: 0,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  async function rejection(promise: Promise<unknown>): Promise<AriHttpError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(AriHttpError);
    return error as AriHttpError;
  }

  describe('REST', function () {
    it('reads asterisk info, applications, channels, endpoints, bridges with basic auth', async function () {
      await serve(['rest-basics.jsonl']);
      const ari = client();
      expect((await ari.asterisk.info()).system?.version).to.equal('22.10.1');
      expect(await ari.applications.list()).to.deep.equal([]);
      expect(await ari.channels.list()).to.deep.equal([]);
      expect(await ari.endpoints.list()).to.deep.equal([]);
      expect(await ari.bridges.list()).to.deep.equal([]);
      expect(fake.requests.every((r) => r.auth === 'basic cti:ctisecret')).to.equal(true);
      expect(fake.unmatched).to.deep.equal([]);
    });

    it('maps error bodies to AriHttpError with the recorded status and message', async function () {
      await serve(['rest-basics.jsonl']);
      const ari = client();
      const notFound = await rejection(ari.channels.get('no-such-channel'));
      expect([notFound.status, notFound.asteriskMessage, notFound.isNotFound]).to.deep.equal([404, 'Channel not found', true]);
      expect((await rejection(ari.bridges.get('no-such-bridge'))).asteriskMessage).to.equal('Bridge not found');
      expect((await rejection(ari.applications.get('cti'))).asteriskMessage).to.equal('Application not found');
      const allocation = await rejection(ari.channels.originate({ endpoint: 'Foo/bar', app: 'cti' }));
      expect([allocation.status, allocation.asteriskMessage]).to.deep.equal([500, 'Allocation failed']);
      const invalid = await rejection(ari.channels.originate({ endpoint: 'nonsense', app: 'cti' }));
      expect([invalid.status, invalid.asteriskMessage]).to.deep.equal([400, 'Invalid endpoint specified']);
      const missingVar = await rejection(ari.channels.getVariable('1795422084.387', 'NOSUCHVAR'));
      expect([missingVar.status, missingVar.asteriskMessage]).to.deep.equal([404, 'Provided variable was not found']);
    });

    it('maps 409 (not in Stasis) and 422 (addChannel of a non-Stasis channel)', async function () {
      await serve(['rest-basics.jsonl']);
      const ari = client();
      const answer = await rejection(ari.channels.answer('1795422084.387'));
      expect([answer.status, answer.asteriskMessage, answer.isConflict]).to.deep.equal([409, 'Channel not in Stasis application', true]);
      expect((await rejection(ari.channels.play('1795422084.387', 'sound:cti-prompt'))).status).to.equal(409);
      expect((await rejection(ari.channels.startMoh('1795422084.387'))).status).to.equal(409);
      expect((await rejection(ari.channels.sendDtmf('1795422084.387', '1'))).status).to.equal(409);
      const bridge = await ari.bridges.create({ type: 'mixing', bridgeId: 'sess-br' });
      expect(bridge.id).to.equal('sess-br');
      const add = await rejection(ari.bridges.addChannel('sess-br', '1795422084.387'));
      expect([add.status, add.asteriskMessage]).to.deep.equal([422, 'Channel not in Stasis application']);
      await ari.bridges.destroy('sess-br');
    });

    it('maps 401 with wrong credentials', async function () {
      await serve(['rest-basics.jsonl']);
      const ari = client({ password: 'wrongpassword' });
      const error = await rejection(ari.channels.list());
      expect([error.status, error.asteriskMessage]).to.deep.equal([401, 'Authentication required']);
      expect(error.message).not.to.include('wrongpassword');
    });

    it('reads live channels and a channel variable', async function () {
      await serve(['rest-basics.jsonl']);
      const ari = client();
      await ari.channels.list();
      const live = await ari.channels.list();
      expect(live.map((c) => c.name)).to.include('Local/1001@agents-000000c1;2');
      expect((await ari.channels.get('1795422084.387')).state).to.equal('Up');
      expect(await ari.channels.getVariable('1795422084.387', 'CHANNEL(state)')).to.equal('Up');
    });

    it('runs the inbound call flow: answer, play with a chosen id, stop, bridge, originate the agent, add, hang up', async function () {
      await serve(['ari-flow-inbound-bridged.jsonl']);
      const ari = client();
      const caller = '1795422111.395';
      await ari.channels.answer(caller);
      const playback = await ari.channels.play(caller, 'sound:cti-prompt', { lang: 'en', playbackId: 'pb-inb-1' });
      expect(playback).to.include({ id: 'pb-inb-1', state: 'queued' });
      const dtmf = await rejection(ari.channels.sendDtmf('1795422111.394', '1'));
      expect(dtmf.status).to.equal(409);
      await ari.playbacks.stop('pb-inb-1');
      const bridge = await ari.bridges.create({ type: 'mixing', bridgeId: 'br-inb-1', name: 'call-5551234' });
      expect(bridge.name).to.equal('call-5551234');
      const agent = await ari.channels.originate({
        endpoint: 'Local/1001@agents',
        app: 'cti',
        appArgs: ['agent'],
        callerId: '5551234',
        timeoutSeconds: 15,
        channelId: 'agent-inb-1',
        otherChannelId: 'agent-inb-1-2',
      });
      expect(agent).to.include({ id: 'agent-inb-1', state: 'Down' });
      await ari.bridges.addChannel('br-inb-1', [caller, 'agent-inb-1']);
      await ari.channels.hangup(caller);
      expect((await ari.bridges.get('br-inb-1')).channels).to.deep.equal(['agent-inb-1']);
      await ari.channels.hangup('agent-inb-1', { reason: 'normal' });
      await ari.bridges.destroy('br-inb-1');
      expect(fake.unmatched).to.deep.equal([]);
    });

    it('music on hold, live and stored recordings, and their errors', async function () {
      await serve(['ari-flow-moh-and-record.jsonl']);
      const ari = client();
      const channel = '1795422145.407';
      await ari.channels.startMoh(channel);
      await ari.channels.stopMoh(channel);
      await ari.channels.startMoh(channel, 'nosuchclass');
      const recording = await ari.channels.record(channel, { name: 'test1', format: 'wav' });
      expect(recording).to.include({ name: 'test1', state: 'queued' });
      expect((await ari.recordings.getLive('test1')).state).to.equal('recording');
      await ari.recordings.stopLive('test1');
      expect((await rejection(ari.recordings.getLive('test1'))).asteriskMessage).to.equal('Recording not found');
      expect((await ari.recordings.listStored()).map((r) => r.name)).to.include('test1');
      expect(await ari.recordings.getStored('test1')).to.deep.equal({ name: 'test1', format: 'wav' });
      expect((await rejection(ari.recordings.getStored('nosuchrec'))).status).to.equal(404);
      const again = await rejection(ari.channels.record(channel, { name: 'test1', format: 'wav' }));
      expect([again.status, again.asteriskMessage]).to.deep.equal([409, "Recording 'test1' already exists and can not be overwritten"]);
      const badFormat = await rejection(ari.channels.record(channel, { name: 'test2', format: 'nosuchformat' }));
      expect(badFormat.status).to.equal(422);
      await ari.channels.hangup(channel);
    });

    it('dial when not Down (409), answer twice, ring, create + dial twice (409), continue, vanished channel (404)', async function () {
      await serve(['ari-flow-wrong-state.jsonl']);
      const ari = client();
      const notDown = await rejection(ari.channels.dial('1795422225.421'));
      expect([notDown.status, notDown.isConflict]).to.deep.equal([409, true]);
      await ari.channels.answer('1795422225.421');
      await ari.channels.answer('1795422225.421');
      await ari.channels.ring('1795422225.421');
      await ari.channels.ringStop('1795422225.421');
      const created = await ari.channels.create({ endpoint: 'Local/1001@agents', app: 'cti', channelId: 'ws-create-1' });
      expect(created.id).to.equal('ws-create-1');
      await ari.channels.dial('ws-create-1', { timeoutSeconds: 5 });
      const second = await rejection(ari.channels.dial('ws-create-1', { timeoutSeconds: 5 }));
      expect(second.asteriskMessage).to.equal("Channel is not in the 'Down' state");
      await ari.channels.continueInDialplan('1795422225.421');
      expect((await rejection(ari.channels.continueInDialplan('1795422225.421'))).isNotFound).to.equal(true);
      const media = await ari.channels.play('1795422225.421', 'sound:no-such-sound-file');
      expect(media.state).to.equal('queued');
      expect(fake.unmatched).to.deep.equal([]);
    });

    it('plays several media in one request, joined with commas', async function () {
      await serve([]);
      const ari = client();
      await ari.channels.play('c1', ['sound:a', 'sound:b']).catch(() => undefined);
      expect(fake.unmatched[0]?.query.media).to.equal('sound:a,sound:b');
      expect(() => ari.channels.play('c1', [])).to.throw(TypeError);
    });

    it('sends originate variables in the JSON body', async function () {
      await serve([]);
      const ari = client();
      await ari.channels.originate({ endpoint: 'PJSIP/1001', app: 'cti', variables: { CTI_CALL: '42' } }).catch(() => undefined);
      expect(JSON.parse(fake.unmatched[0]!.body)).to.deep.equal({ variables: { CTI_CALL: '42' } });
    });

    it('times out a request that gets no answer, and reports an unreachable server', async function () {
      const sockets: Socket[] = [];
      const silentServer = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
      const port = (silentServer.address() as AddressInfo).port;
      const options = { username: 'cti', password: 'ctisecret', app: 'cti', logger: silentLogger(), requestTimeoutMs: 50 };
      const silent = new AriClient({ ...options, baseUrl: `http://127.0.0.1:${port}` });
      const timedOut = await silent.channels.list().catch((e: unknown) => e);
      expect(timedOut).to.be.instanceOf(AriTimeoutError);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silentServer.close(() => resolve()));
      const gone = new AriClient({ ...options, baseUrl: `http://127.0.0.1:${port}` });
      expect(await gone.channels.list().catch((e: unknown) => e)).to.be.instanceOf(AriUnreachableError);
    });
  });

  describe('events WebSocket', function () {
    function collect(c: AriClient): { events: AriEvent[]; others: AriOtherEvent[] } {
      const events: AriEvent[] = [];
      const others: AriOtherEvent[] = [];
      c.on('event', (e) => events.push(e));
      c.on('otherEvent', (e) => others.push(e));
      return { events, others };
    }

    it('subscribes to the app without subscribeAll and delivers the recorded events typed, in order', async function () {
      const recorded = captures.get('ari-flow-inbound-bridged.jsonl')!.ws.map((r) => r.msg);
      await serve([], { eventsOnConnect: recorded });
      const c = client();
      const { events } = collect(c);
      const connected = once(c, 'connected');
      c.start();
      expect((await connected)[0]).to.deep.equal({ session: 1 });
      await waitFor(() => events.length === recorded.length, 3000, 'all recorded events');
      expect(events.map((e) => e.type)).to.deep.equal(recorded.map((m) => (m as { type: string }).type));
      const url = new URL(fake.wsUrls[0]!, 'http://x');
      expect(url.searchParams.get('app')).to.equal('cti');
      expect(url.searchParams.get('subscribeAll')).to.equal('false');
      expect(url.searchParams.has('api_key')).to.equal(false);
    });

    it('authenticates with api_key when asked', async function () {
      await serve([]);
      const c = client({ wsAuth: 'api_key' });
      const connected = once(c, 'connected');
      c.start();
      await connected;
      expect(new URL(fake.wsUrls[0]!, 'http://x').searchParams.get('api_key')).to.equal('cti:ctisecret');
    });

    it('logs and skips malformed frames and passes unknown types through, without crashing', async function () {
      const { logger, lines } = capturingLogger();
      await serve([], {
        eventsOnConnect: ['{broken', '{"type":"StasisStart","application":"cti"}', { type: 'ChannelTalkingStarted', application: 'cti' }, captures.get('ari-flow-agent-busy.jsonl')!.ws[0]!.msg],
      });
      const c = client({ logger });
      const { events, others } = collect(c);
      c.start();
      await waitFor(() => events.length === 1 && others.length === 1, 3000, 'the good and the unknown event');
      expect(events[0]!.type).to.equal('Dial');
      expect(others[0]!.type).to.equal('ChannelTalkingStarted');
      expect(lines.filter((l) => l.includes('malformed ARI event'))).to.have.length(2);
      expect(c.isConnected).to.equal(true);
    });

    it('survives a listener that throws', async function () {
      await serve([], { eventsOnConnect: captures.get('ari-flow-agent-busy.jsonl')!.ws.map((r) => r.msg) });
      const c = client();
      let calls = 0;
      c.on('event', () => {
        calls += 1;
        throw new Error('listener bug');
      });
      c.start();
      await waitFor(() => calls === captures.get('ari-flow-agent-busy.jsonl')!.ws.length, 3000, 'every event despite throws');
      expect(c.isConnected).to.equal(true);
    });

    it('reconnects after the server drops the socket and fires connected again', async function () {
      await serve([]);
      const c = client();
      const seen: string[] = [];
      c.on('connected', (info) => seen.push(`connected ${info.session}`));
      c.on('disconnected', () => seen.push('disconnected'));
      c.start();
      await waitFor(() => seen.length === 1, 3000, 'first connect');
      fake.dropWebSockets();
      await waitFor(() => seen.length === 3, 3000, 'reconnect');
      expect(seen).to.deep.equal(['connected 1', 'disconnected', 'connected 2']);
      expect(fake.openSockets).to.equal(1);
    });

    it('keeps retrying while the server refuses the credentials, logging the problem once', async function () {
      const { logger, lines } = capturingLogger();
      await serve([]);
      const c = client({ password: 'wrongpassword', logger });
      c.start();
      await sleep(400);
      expect(c.isConnected).to.equal(false);
      const failures = lines.filter((l) => l.includes('ARI events connection failed'));
      expect(failures).to.have.length(1);
      expect(failures[0]).to.include('401');
      expect(lines.join('\n')).not.to.include('wrongpassword');
    });

    it('detects a dead socket with the heartbeat and reconnects', async function () {
      await serve([], { autoPong: false });
      const c = client({ heartbeatMs: 50 });
      c.start();
      await once(c, 'connected');
      const [info] = await once(c, 'disconnected');
      expect(info.reason).to.match(/no pong/);
      await once(c, 'connected');
    });

    it('stops reconnecting after ApplicationReplaced until resume()', async function () {
      await serve([]);
      const c = client();
      c.start();
      await once(c, 'connected');
      const replaced = once(c, 'replaced');
      fake.send({ type: 'ApplicationReplaced', application: 'cti', timestamp: '2026-11-23T08:21:24.000+0000' });
      await replaced;
      await waitFor(() => fake.openSockets === 0, 2000, 'socket closed');
      await sleep(200);
      expect(fake.wsUrls).to.have.length(1);
      expect(c.state).to.equal('replaced');
      const back = once(c, 'connected');
      c.resume();
      expect((await back)[0].session).to.equal(2);
    });
  });
});
