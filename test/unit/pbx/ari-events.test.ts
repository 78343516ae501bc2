import { expect } from 'chai';
import { classifyAriEvent, parseAriMessage } from '../../../server/pbx/ari/events.js';
import { ARI_EVENTS } from '../../../server/pbx/ari/protocol.js';
import { ARI_CAPTURE_FILES, type AriWsRecord, captureAvailable, parseAriCapture, readCapture } from '../../support/wire/capture.js';

describe('ARI event parsing', function () {
  let recorded: Array<{ file: string; record: AriWsRecord }> = [];

  before(function () {
    if (!captureAvailable()) this.skip();
    recorded = ARI_CAPTURE_FILES.flatMap((file) => parseAriCapture(readCapture(file)).ws.map((record) => ({ file, record })));
  });

  it('turns every recorded WebSocket event into its typed form', function () {
    expect(recorded.length).to.be.greaterThan(80);
    for (const { file, record } of recorded) {
      const parsed = parseAriMessage(JSON.stringify(record.msg));
      expect(parsed.kind, `${file} t=${record.t}: ${JSON.stringify(parsed)}`).to.equal('event');
    }
  });

  it('keeps the fields a call flow reads (StasisStart args, DTMF digit, hangup cause, playback state, dial status)', function () {
    const events = recorded.map(({ record }) => classifyAriEvent(record.msg)).flatMap((p) => (p.kind === 'event' ? [p.event] : []));
    const start = events.find((e) => e.type === ARI_EVENTS.StasisStart && e.args.length > 0);
    expect(start?.type === 'StasisStart' && start.args).to.deep.equal(['ivr=2', 'lang=zh']);
    expect(start?.type === 'StasisStart' && start.channel.caller.number).to.match(/^555123\d$/);
    const dtmf = events.find((e) => e.type === 'ChannelDtmfReceived');
    expect(dtmf?.type === 'ChannelDtmfReceived' && dtmf.digit).to.equal('1');
    const destroyed = events.filter((e) => e.type === 'ChannelDestroyed').map((e) => (e.type === 'ChannelDestroyed' ? e.cause : -1));
    expect(destroyed).to.include.members([16, 17, 19, 0]);
    const finished = events.filter((e) => e.type === 'PlaybackFinished').map((e) => (e.type === 'PlaybackFinished' ? e.playback.state : ''));
    expect(finished).to.include('failed');
    const busy = events.find((e) => e.type === 'Dial' && e.dialstatus === 'BUSY');
    expect(busy?.type === 'Dial' && busy.peer.id).to.equal('agent-busy-1');
    const varset = events.find((e) => e.type === 'ChannelVarset');
    expect(varset?.type === 'ChannelVarset' && typeof varset.variable).to.equal('string');
    const recordingTypes = new Set(events.map((e) => e.type));
    for (const type of ['RecordingStarted', 'RecordingFinished', 'ChannelEnteredBridge', 'ChannelLeftBridge', 'BridgeDestroyed', 'DeviceStateChanged']) {
      expect(recordingTypes.has(type as never), type).to.equal(true);
    }
  });

  it('passes unknown event types through as other events', function () {
    const parsed = parseAriMessage('{"type":"ChannelTalkingStarted","application":"cti","channel":{"id":"x"}}');
    expect(parsed).to.deep.equal({
      kind: 'other',
      event: { type: 'ChannelTalkingStarted', application: 'cti', channel: { id: 'x' } },
    });
  });

  it('reports malformed input as invalid instead of throwing', function () {
    const cases = ['{not json', '[]', '"text"', 'null', '{"application":"cti"}', '{"type":"StasisStart","application":"cti","args":[]}'];
    for (const text of cases) expect(parseAriMessage(text).kind, text).to.equal('invalid');
    const missingChannel = parseAriMessage('{"type":"StasisStart","application":"cti","args":[]}');
    expect(missingChannel.kind === 'invalid' && missingChannel.reason).to.match(/^StasisStart: channel/);
  });

  it('parses ApplicationReplaced and RecordingFailed, which the recording does not contain', function () {
    expect(parseAriMessage('{"type":"ApplicationReplaced","application":"cti","timestamp":"2026-11-23T08:21:24.000+0000"}').kind).to.equal('event');
    const failed = parseAriMessage(
      JSON.stringify({
        type: 'RecordingFailed',
        application: 'cti',
        recording: { name: 'r1', format: 'wav', state: 'failed', target_uri: 'channel:1', cause: 'disk full' },
      }),
    );
    expect(failed.kind === 'event' && failed.event.type === 'RecordingFailed' && failed.event.recording.cause).to.equal('disk full');
  });
});
