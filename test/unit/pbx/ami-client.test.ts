import { once } from 'node:events';
import { expect } from 'chai';
import { AmiClient } from '../../../server/pbx/ami/client.js';
import type { AmiClientOptions } from '../../../server/pbx/ami/connection.js';
import {
  AmiActionError,
  AmiConnectionClosedError,
  AmiNotConnectedError,
  AmiTimeoutError,
} from '../../../server/pbx/ami/errors.js';
import type { AmiMessage } from '../../../server/pbx/ami/message.js';
import { AMI_ACTIONS, AMI_EVENTS } from '../../../server/pbx/ami/protocol.js';
import { type AmiRecord, captureAvailable, parseAmiCapture, readCapture } from '../../support/wire/capture.js';
import { FakeAmiServer } from '../../support/wire/fake-ami-server.js';
import { capturingLogger, silentLogger } from '../../support/wire/log-capture.js';
import { sleep, waitFor } from '../../support/wire/wait.js';

describe('AmiClient against the recorded AMI session', function () {
  let records: AmiRecord[] = [];
  let fake: FakeAmiServer;
  const clients: AmiClient[] = [];

  before(function () {
    if (!captureAvailable()) this.skip();
    records = parseAmiCapture(readCapture('ami-session.raw'));
  });

  beforeEach(async function () {
    fake = await FakeAmiServer.start(records, { chunkSize: 97 });
  });

  afterEach(async function () {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await fake.close();
  });

  function client(overrides: Partial<AmiClientOptions> = {}): AmiClient {
    const c = new AmiClient({
      host: '127.0.0.1',
      port: fake.port,
      username: 'cti',
      secret: 'ctisecret',
      logger: silentLogger(),
      instanceId: 'cti-test',
      pingIntervalMs: 0,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  async function connected(overrides: Partial<AmiClientOptions> = {}): Promise<AmiClient> {
    const c = client(overrides);
    const ready = once(c, 'connected');
    c.start();
    await ready;
    return c;
  }

  it('logs in with an Events: mask, waits for FullyBooted, then reports connected', async function () {
    const c = client();
    const seen: string[] = [];
    c.on('event', (m) => seen.push(m.event ?? ''));
    const ready = once(c, 'connected');
    c.start();
    const [info] = await ready;
    expect(info).to.deep.equal({ banner: 'Asterisk Call Manager/11.0.0', session: 1 });
    const login = fake.received[0]!;
    expect(login.get('Action')).to.equal('Login');
    expect(login.get('Events')).to.equal('system,call,agent');
    expect(login.has('Event')).to.equal(false);
    expect(login.actionId).to.match(/^cti-test-\d+$/);
    expect(seen).to.include(AMI_EVENTS.FullyBooted);
    expect(c.isConnected).to.equal(true);
  });

  it('counts FullyBooted that arrives in the same chunk as the Login response', async function () {
    await fake.close();
    fake = await FakeAmiServer.start(records);
    const c = client({ bootWaitMs: 60_000 });
    const ready = once(c, 'connected');
    c.start();
    await ready;
    expect(c.isConnected).to.equal(true);
  });

  it('reports a refused login clearly, without the secret, once per streak, and keeps retrying', async function () {
    const { logger, lines } = capturingLogger();
    const c = client({ secret: 'wrongsecret', logger });
    const failures: string[] = [];
    c.on('loginFailed', (info) => failures.push(info.message));
    c.start();
    await waitFor(() => fake.connections >= 3, 5000, 'three login attempts');
    expect(failures).to.have.length(1);
    expect(failures[0]).to.match(/refused the AMI login of user "cti": Authentication failed/);
    expect(failures.join('\n')).not.to.include('wrongsecret');
    expect(lines.join('\n')).not.to.include('wrongsecret');
    const warnings = lines.filter((l) => l.includes('login refused'));
    expect(warnings).to.have.length(1);
    expect(c.isConnected).to.equal(false);
  });

  it('a listener that throws does not break the session', async function () {
    const c = await connected();
    c.on('event', () => {
      throw new Error('listener bug');
    });
    await c.originate({ channel: 'Local/1001@nosuchcontext', application: 'Wait', data: '5' });
    expect(c.isConnected).to.equal(true);
    expect((await c.action(AMI_ACTIONS.Ping)).response.get('Ping')).to.equal('Pong');
  });

  it('Ping answers Pong', async function () {
    const c = await connected();
    const { response } = await c.action(AMI_ACTIONS.Ping);
    expect(response.get('Ping')).to.equal('Pong');
  });

  it('an unknown action rejects with AmiActionError carrying Asterisk\'s message', async function () {
    const c = await connected();
    const error = await c.action('NoSuchAction').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AmiActionError);
    expect((error as AmiActionError).asteriskMessage).to.equal(
      'Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands.',
    );
  });

  it('collects list items from EventList start to Complete (CoreShowChannels empty, then 4 channels)', async function () {
    const c = await connected();
    expect(await c.coreShowChannels()).to.deep.equal([]);
    await c.originate({ channel: 'Local/1001@agents', application: 'Wait', data: '30', callerId: '"Caller One" <5550001>' });
    const result = await c.action(AMI_ACTIONS.CoreShowChannels);
    expect(result.items.map((m) => m.get('Channel'))).to.deep.equal([
      'Local/1001@agents-000000c1;1',
      'Local/1001@agents-000000c1;2',
      'Local/1002@agents-000000c2;1',
      'Local/1002@agents-000000c2;2',
    ]);
    expect(result.completion?.get('ListItems')).to.equal('4');
    expect(result.response.get('Message')).to.equal('Channels will follow');
  });

  it('DeviceStateList returns its items and does not repeat them as live events', async function () {
    const c = await connected();
    const live: AmiMessage[] = [];
    c.on('event', (m) => live.push(m));
    const items = await c.deviceStateList();
    expect(items.map((m) => [m.get('Device'), m.get('State')])).to.deep.equal([
      ['Queue:support_pause_Local/1002@agents', 'NOT_INUSE'],
      ['Queue:support_avail', 'INUSE'],
      ['Queue:support', 'NOT_INUSE'],
      ['Queue:support_pause_Local/1001@agents', 'NOT_INUSE'],
    ]);
    expect(live.filter((m) => m.actionId !== undefined)).to.deep.equal([]);
  });

  it('Getvar of a variable that is not set gives an empty string; a missing channel rejects', async function () {
    const c = await connected();
    expect(await c.getvar('NOT_SET_VAR', 'Local/1001@agents-000000c1;2')).to.equal('');
    const error = await c.getvar('CTI_TEST', 'Local/nope@nowhere-00000000;1').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AmiActionError);
    expect((error as AmiActionError).asteriskMessage).to.equal('No such channel');
  });

  it('Command returns its Output lines; a bad command rejects with the output', async function () {
    const c = await connected();
    const output = await c.command('core show version');
    expect(output).to.have.length(1);
    expect(output[0]).to.match(/^Asterisk 22\.10\.1 built by/);
    const error = await c.command('no such cli command').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AmiActionError);
    expect((error as AmiActionError).message).to.include("No such command 'no such cli command'");
  });

  it('async Originate resolves with its OriginateResponse, matched by ActionID', async function () {
    const c = await connected();
    const answered = await c.originate({ channel: 'Local/1001@agents', application: 'Wait', data: '30', callerId: '"Caller One" <5550001>' });
    expect(answered).to.include({ success: true, reason: 4, reasonText: 'answered', uniqueid: '1795422084.386' });
    expect(answered.channel).to.equal('Local/1001@agents-000000c1;1');
    const sent = fake.received.find((m) => m.get('Action') === 'Originate')!;
    expect(sent.get('Async')).to.equal('true');
    expect(answered.event.actionId).to.equal(sent.actionId);

    const failed = await c.originate({ channel: 'Local/1001@nosuchcontext', application: 'Wait', data: '5' });
    expect(failed).to.include({ success: false, reason: 0, uniqueid: null });
    const unknownTech = await c.originate({ channel: 'Foo/bar', application: 'Wait', data: '5' });
    expect(unknownTech).to.include({ success: false, reason: 0, channel: 'Foo/bar' });
  });

  it('Hangup of a missing channel rejects with "No such channel"', async function () {
    const c = await connected();
    const error = await c.hangup('Local/9999@agents-0000ffff;1').catch((e: unknown) => e);
    expect((error as AmiActionError).asteriskMessage).to.equal('No such channel');
  });

  it('an action with no answer rejects with AmiTimeoutError, and the session stays usable', async function () {
    const c = await connected();
    fake.swallow('CoreShowChannels');
    const error = await c.action(AMI_ACTIONS.CoreShowChannels, {}, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AmiTimeoutError);
    expect(await c.getvar('NOT_SET_VAR', 'Local/1001@agents-000000c1;2')).to.equal('');
  });

  it('a socket drop rejects every action in flight at once with AmiConnectionClosedError', async function () {
    const c = await connected();
    fake.swallow('Ping');
    fake.swallow('CoreShowChannels');
    const inFlight = [c.ping(), c.ping(), c.coreShowChannels()].map((p) => p.then(() => 'resolved', (e: unknown) => e));
    await waitFor(() => fake.count('Ping') === 2 && fake.count('CoreShowChannels') === 1, 2000, 'actions on the wire');
    const disconnected = once(c, 'disconnected');
    fake.dropAll();
    const results = await Promise.all(inFlight);
    for (const result of results) expect(result).to.be.instanceOf(AmiConnectionClosedError);
    await disconnected;
  });

  it('actions issued while disconnected fail at once and are never sent after the reconnect', async function () {
    const notStarted = client();
    expect(await notStarted.ping().catch((e: unknown) => e)).to.be.instanceOf(AmiNotConnectedError);

    const c = await connected();
    const before = fake.received.length;
    fake.refuseConnections(true);
    const disconnected = once(c, 'disconnected');
    fake.dropAll();
    await disconnected;
    const attempts = await Promise.all([
      c.originate({ channel: 'Local/1001@agents', application: 'Wait', data: '30' }).catch((e: unknown) => e),
      c.hangup('Local/1001@agents-000000c1;1').catch((e: unknown) => e),
      c.ping().catch((e: unknown) => e),
    ]);
    for (const error of attempts) expect(error).to.be.instanceOf(AmiNotConnectedError);

    const reconnected = once(c, 'connected');
    fake.refuseConnections(false);
    const [info] = await reconnected;
    expect(info.session).to.equal(2);
    await sleep(100);
    const after = fake.received.slice(before).map((m) => m.get('Action'));
    expect(after).to.deep.equal(['Login']);
    expect(fake.count('Originate')).to.equal(0);
    expect(fake.count('Hangup')).to.equal(0);
  });

  it('reconnects with growing, jittered backoff and fires connected again', async function () {
    const c = await connected({ reconnect: { initialDelayMs: 50, maxDelayMs: 400 } });
    const events: string[] = [];
    c.on('connected', () => events.push('connected'));
    c.on('disconnected', () => events.push('disconnected'));
    fake.refuseConnections(true);
    fake.dropAll();
    await sleep(1200);
    const refused = [...fake.refusedAt];
    fake.refuseConnections(false);
    const started = Date.now();
    await waitFor(() => events.includes('connected'), 5000, 'reconnect');
    expect(Date.now() - started).to.be.lessThan(3000);
    // Delays of 25-50, 50-100, 100-200, then 200-400 ms: 5 to 8 tries fit in 1.2 s.
    expect(refused.length).to.be.within(3, 10);
    const gaps = refused.slice(1).map((t, i) => t - refused[i]!);
    expect(gaps.at(-1)!).to.be.greaterThan(gaps[0]!);
    expect(events).to.deep.equal(['disconnected', 'connected']);
    expect(c.isConnected).to.equal(true);
  });

  it('drops a connection whose keepalive Ping goes unanswered, then reconnects', async function () {
    const c = await connected({ pingIntervalMs: 50, actionTimeoutMs: 100 });
    await waitFor(() => fake.count('Ping') >= 2, 2000, 'keepalive pings');
    fake.swallow('Ping');
    const [info] = await once(c, 'disconnected');
    expect(info.reason).to.equal('keepalive Ping timed out');
    await once(c, 'connected');
  });

  it('stop() logs off and does not reconnect', async function () {
    const c = await connected();
    await c.stop();
    expect(fake.count('Logoff')).to.equal(1);
    await sleep(150);
    expect(fake.connections).to.equal(1);
    expect(c.state).to.equal('stopped');
  });
});
