import { once } from 'node:events';
import { expect } from 'chai';
import { AmiClient } from '../../../server/pbx/ami/client.js';
import { DeviceStateTracker, type PhoneStateChange } from '../../../server/pbx/device-state/tracker.js';
import { type AmiRecord, captureAvailable, parseAmiCapture, readCapture } from '../../support/wire/capture.js';
import { FakeAmiServer } from '../../support/wire/fake-ami-server.js';
import { silentLogger } from '../../support/wire/log-capture.js';
import { waitFor } from '../../support/wire/wait.js';

/** Unsolicited device-state frames of a capture (list items, which carry an ActionID, excluded). */
function liveDeviceFrames(records: readonly AmiRecord[]): string[] {
  return records.flatMap((r) =>
    r.kind === 'received' && ['DeviceStateChange', 'ExtensionStatus'].includes(r.message.event ?? '') && r.message.actionId === undefined
      ? [r.wire]
      : [],
  );
}

describe('DeviceStateTracker over replayed AMI', function () {
  let fake: FakeAmiServer;
  let ami: AmiClient;
  let tracker: DeviceStateTracker;
  let changes: PhoneStateChange[];

  before(function () {
    if (!captureAvailable()) this.skip();
  });

  async function setUp(recording: string): Promise<AmiRecord[]> {
    const records = parseAmiCapture(readCapture(recording));
    fake = await FakeAmiServer.start(records);
    ami = new AmiClient({
      host: '127.0.0.1',
      port: fake.port,
      username: 'cti',
      secret: 'ctisecret',
      logger: silentLogger(),
      pingIntervalMs: 0,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    tracker = new DeviceStateTracker({ logger: silentLogger() });
    changes = [];
    tracker.on('change', (c) => changes.push(c));
    tracker.attach(ami);
    ami.start();
    await once(ami, 'connected');
    await waitFor(() => fake.count('DeviceStateList') === 1 && changes.length > 0, 3000, 'first resync');
    return records;
  }

  /** Frames pushed before a Ping reply are processed by the time the reply arrives. */
  async function drain(): Promise<void> {
    await ami.ping().catch(() => undefined);
  }

  afterEach(async function () {
    await ami?.stop();
    await fake?.close();
  });

  const of = (device: string) => changes.filter((c) => c.device === device).map((c) => `${c.previous ?? 'none'}->${c.state}`);

  it('resyncs with DeviceStateList on connect', async function () {
    await setUp('ami-session.raw');
    expect(tracker.snapshot()).to.deep.equal(
      new Map([
        ['Queue:support_pause_Local/1002@agents', 'idle'],
        ['Queue:support_avail', 'in-use'],
        ['Queue:support', 'idle'],
        ['Queue:support_pause_Local/1001@agents', 'idle'],
      ]),
    );
  });

  it('folds the DeviceStateChange events of the recorded call flows into PhoneState changes', async function () {
    await setUp('ami-session.raw');
    changes.length = 0;
    const frames = parseAmiCapture(readCapture('ami-device-state-from-calls.txt'));
    const wires = liveDeviceFrames(frames);
    // 84 DeviceStateChange frames, 4 of them DeviceStateList items (with ActionID), which are not live.
    expect(wires).to.have.length(80);
    fake.push(wires);
    await drain();
    expect(of('Local/1001@agents')).to.deep.equal(['none->in-use', 'in-use->idle', 'idle->in-use', 'in-use->idle', 'idle->in-use', 'in-use->idle']);
    expect(of('Local/1001@agents-busy')).to.deep.equal(['none->in-use', 'in-use->idle']);
    expect(of('Local/1001@nosuchcontext')).to.deep.equal(['none->unavailable']);
    expect(of('Queue:support')).to.deep.equal(['idle->ringing', 'ringing->idle', 'idle->ringing', 'ringing->idle', 'idle->ringing', 'ringing->idle']);
    expect(tracker.stateOfEndpoint('Local/1001@agents/n')).to.equal('idle');
    expect(tracker.stateOfEndpoint('PJSIP/9999')).to.equal(null);
  });

  it('follows Custom device states through every state, from DeviceStateChange and ExtensionStatus', async function () {
    const records = await setUp('ami-flow-device-state.raw');
    expect(tracker.stateOf('Custom:agent1001')).to.equal('idle');
    changes.length = 0;
    fake.push(liveDeviceFrames(records));
    await drain();
    expect(of('Custom:agent1001')).to.deep.equal([
      'idle->in-use',
      'in-use->idle',
      'idle->ringing',
      'ringing->in-use',
      'in-use->unavailable',
      'unavailable->idle',
      'idle->in-use',
      'in-use->idle',
    ]);
    expect(of('Stasis:agent1001')).to.deep.equal(['none->in-use']);
  });

  it('after a reconnect, DeviceStateList replaces stale state and asks for watched devices', async function () {
    const records = await setUp('ami-flow-device-state.raw');
    const inUse = records.find(
      (r) => r.kind === 'received' && r.message.event === 'DeviceStateChange' && r.message.get('State') === 'INUSE' && r.message.get('Device') === 'Custom:agent1001',
    );
    fake.push([inUse!.kind === 'received' ? inUse!.wire : '']);
    await drain();
    expect(tracker.stateOf('Custom:agent1001')).to.equal('in-use');
    expect(tracker.watch('Local/1001@agents/n')).to.equal('Local/1001@agents');
    await waitFor(() => fake.received.some((m) => m.get('Variable') === 'DEVICE_STATE(Local/1001@agents)'), 2000, 'DEVICE_STATE query');

    changes.length = 0;
    fake.dropAll();
    await once(ami, 'connected');
    await waitFor(() => changes.length > 0, 3000, 'resync after reconnect');
    expect(fake.count('DeviceStateList')).to.equal(2);
    expect(changes).to.deep.equal([{ device: 'Custom:agent1001', state: 'idle', previous: 'in-use' }]);
    const queries = fake.received.filter((m) => m.get('Variable') === 'DEVICE_STATE(Local/1001@agents)');
    expect(queries).to.have.length(2);
  });

  it('folds several nodes: the most engaged report wins, and detaching a node drops its reports', async function () {
    const records = await setUp('ami-session.raw');
    const second = await FakeAmiServer.start(records);
    const otherAmi = new AmiClient({ host: '127.0.0.1', port: second.port, username: 'cti', secret: 'ctisecret', logger: silentLogger(), pingIntervalMs: 0 });
    try {
      const detach = tracker.attach(otherAmi);
      otherAmi.start();
      await once(otherAmi, 'connected');
      await waitFor(() => second.count('DeviceStateList') === 1, 2000, 'second node resync');
      const frame = (state: string) =>
        records.find((r) => r.kind === 'received' && r.message.get('Device') === 'Local/1001@agents' && r.message.get('State') === state)!;
      const wire = (state: string) => { const r = frame(state); return r.kind === 'received' ? r.wire : ''; };
      changes.length = 0;
      fake.push([wire('NOT_INUSE')]);
      await drain();
      second.push([wire('INUSE')]);
      await otherAmi.ping();
      expect(tracker.stateOf('Local/1001@agents')).to.equal('in-use');
      detach();
      second.push([wire('INUSE')]);
      await otherAmi.ping();
      expect(of('Local/1001@agents')).to.deep.equal(['none->idle', 'idle->in-use', 'in-use->idle']);
      expect(tracker.stateOf('Local/1001@agents')).to.equal('idle');
    } finally {
      await otherAmi.stop();
      await second.close();
    }
  });
});
