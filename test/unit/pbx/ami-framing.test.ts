import { expect } from 'chai';
import { AmiProtocolError } from '../../../server/pbx/ami/errors.js';
import { type AmiChunkItem, AmiFrameParser } from '../../../server/pbx/ami/framing.js';
import { serializeAction } from '../../../server/pbx/ami/message.js';
import { type AmiRecord, captureAvailable, parseAmiCapture, readCapture } from '../../support/wire/capture.js';

describe('AMI framing', function () {
  let records: AmiRecord[] = [];
  let burst = '';
  let frames = 0;

  before(function () {
    if (!captureAvailable()) this.skip();
    records = parseAmiCapture(readCapture('ami-session.raw'));
    const second = records.filter((r) => r.kind === 'banner')[1]!;
    const start = records.indexOf(second);
    const received = records.slice(start).filter((r) => r.kind === 'banner' || r.kind === 'received');
    burst = received.map((r) => ('wire' in r ? r.wire : '')).join('');
    frames = received.length - 1;
  });

  const messagesOf = (items: AmiChunkItem[]) => items.flatMap((i) => (i.kind === 'message' ? [i.message] : []));

  it('rebuilds byte-exact frames from the .raw capture (the parser of the fakes is faithful)', function () {
    const raw = readCapture('ami-session.raw');
    const wires = records.flatMap((r) => ('wire' in r ? [r.wire] : []));
    expect(wires.length).to.be.greaterThan(100);
    for (const wire of wires) expect(raw.includes(wire), wire.slice(0, 60)).to.equal(true);
  });

  it('reads the banner and then every recorded frame when the stream arrives in one chunk', function () {
    const parser = new AmiFrameParser();
    const items = parser.push(burst);
    expect(items[0]).to.deep.equal({ kind: 'banner', banner: 'Asterisk Call Manager/11.0.0' });
    expect(messagesOf(items)).to.have.length(frames);
  });

  it('gives the same frames whatever the chunk boundaries (byte by byte, 7 and 1000 bytes)', function () {
    const whole = messagesOf(new AmiFrameParser().push(burst)).map((m) => m.fields);
    const bytes = Buffer.from(burst);
    for (const size of [1, 7, 1000]) {
      const parser = new AmiFrameParser();
      const got: AmiChunkItem[] = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...parser.push(bytes.subarray(i, i + size)));
      expect(messagesOf(got).map((m) => m.fields), `chunk size ${size}`).to.deep.equal(whole);
    }
  });

  it('keeps field order and duplicate keys, and empty values', function () {
    const [message] = messagesOf(
      new AmiFrameParser(1024, false).push('Response: Success\r\nOutput: one\r\nOutput: two\r\nAccountCode: \r\nOutput: three\r\n\r\n'),
    );
    expect(message!.all('Output')).to.deep.equal(['one', 'two', 'three']);
    expect(message!.get('output')).to.equal('one');
    expect(message!.get('AccountCode')).to.equal('');
    expect(message!.fields.map(([k]) => k)).to.deep.equal(['Response', 'Output', 'Output', 'AccountCode', 'Output']);
  });

  it('refuses a frame that grows beyond the bound instead of buffering forever', function () {
    const parser = new AmiFrameParser(64, false);
    expect(() => parser.push(`Event: X\r\nData: ${'x'.repeat(100)}`)).to.throw(AmiProtocolError, /exceeded 64 bytes/);
  });

  it('refuses a peer that is not AMI (no banner)', function () {
    expect(() => new AmiFrameParser().push('HTTP/1.1 400 Bad Request\r\n\r\n')).to.throw(AmiProtocolError, /banner/);
  });

  it('serializes actions with CRLF, repeated keys for arrays, and refuses line breaks in values', function () {
    expect(serializeAction('Originate', 'i-1', { Channel: 'Local/1001@agents', Variable: ['A=1', 'B=2'], Data: undefined })).to.equal(
      'Action: Originate\r\nActionID: i-1\r\nChannel: Local/1001@agents\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n',
    );
    expect(() => serializeAction('Setvar', 'i-2', { Value: 'a\r\nAction: Hangup' })).to.throw(TypeError, /line breaks/);
    expect(() => serializeAction('Ping', 'i-3', { ActionID: 'mine' })).to.throw(TypeError, /set by the client/);
  });
});
