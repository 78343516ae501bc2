import { expect } from 'chai';
import type { Advisor } from '../../../server/domain/model.js';
import {
  advisorOfDevice,
  deviceOfChannel,
  isSelfRecordingArgs,
  parseSelfRecordingArgs,
} from '../../../server/pbx/call-flow/self-recording.js';
import { parseStasisArgs } from '../../../server/pbx/call-flow/stasis-args.js';
import { startSimulator } from '../../../sim/index.js';

describe('self-recording: entry (Stasis arguments, calling device, dialplan)', function () {
  this.timeout(10_000);

  it('reads record=<kind>,lang=<language> and refuses anything else', () => {
    expect(parseSelfRecordingArgs(['record=name', 'lang=en'])).to.deep.equal({ ok: true, request: { kind: 'name', language: 'en' } });
    expect(parseSelfRecordingArgs(['record=greeting'])).to.deep.equal({ ok: true, request: { kind: 'greeting', language: 'zh' } });
    expect(parseSelfRecordingArgs(['record=song', 'lang=zh'])).to.include({ ok: false });
    expect(parseSelfRecordingArgs(['record=name', 'lang=fr'])).to.include({ ok: false });
    expect(isSelfRecordingArgs(['record=name', 'lang=en'])).to.equal(true);
    expect(isSelfRecordingArgs(['ivr=2', 'lang=zh'])).to.equal(false);
    // Without the call flow's hook these would be routed as a member call with extra IVR data.
    expect(parseStasisArgs(['record=name', 'lang=en'])).to.deep.include({ kind: 'caller' });
  });

  it('finds the device from the channel name, whatever the technology', () => {
    expect(deviceOfChannel('PJSIP/1001-0000000a')).to.equal('PJSIP/1001');
    expect(deviceOfChannel('SIP/1001-00000001')).to.equal('SIP/1001');
    expect(deviceOfChannel('Local/1001@cti-agents-00000001;2')).to.equal('Local/1001@cti-agents');
    expect(deviceOfChannel('PJSIP/trunk-provider-0000001f')).to.equal('PJSIP/trunk-provider');
    expect(deviceOfChannel('garbage')).to.equal(null);
  });

  it('maps a phone to the advisor whose endpoint is that phone, or the one Local channel to it', () => {
    const advisor = (id: number, endpoint: string) => ({ id, endpoint }) as Advisor;
    const list = [advisor(1, 'PJSIP/1001'), advisor(2, 'Local/1002@cti-agents'), advisor(3, 'Local/1003@a'), advisor(4, 'Local/1003@b')];
    const lookup = {
      byDevice: (device: string) => list.find((a) => a.endpoint === device),
      all: () => list,
    };
    expect(advisorOfDevice(lookup, 'PJSIP/1001')?.id).to.equal(1);
    expect(advisorOfDevice(lookup, 'PJSIP/1002')?.id).to.equal(2);
    expect(advisorOfDevice(lookup, 'PJSIP/1003'), 'two Local endpoints: ambiguous, refused').to.equal(undefined);
    expect(advisorOfDevice(lookup, 'PJSIP/1099')).to.equal(undefined);
  });

  it('dialplan: *71/*72 hand the phone to Stasis in its language, *7x1/*7x2 pick it; CTI down -> goodbye, never dead air', async () => {
    const sim = await startSimulator({ amiPort: 0, ariPort: 0, defaultMediaMs: 20, waitScale: 0.02, onError: () => undefined });
    try {
      const cases: Array<[string, string[]]> = [
        ['*71', ['record=name', 'lang=en']],
        ['*72', ['record=greeting', 'lang=en']],
        ['*711', ['record=name', 'lang=zh']],
        ['*722', ['record=greeting', 'lang=en']],
      ];
      for (const [exten, args] of cases) {
        const phone = sim.call({ from: '1001', trunk: '1001', context: 'cti-from-agents', to: exten });
        // No CTI server holds the app: Stasis fails and the dialplan says goodbye in that language.
        await phone.waitPlayback(`cti/${args[1]!.slice(5)}/goodbye`);
        expect(await phone.waitHangup()).to.equal(16);
        const handedOff = `record=${phone.channel.vars.get('CTI_RECORD') ?? ''},lang=${phone.channel.vars.get('CTI_RECORD_LANG') ?? ''}`;
        expect(handedOff, exten).to.equal(args.join(','));
      }
      const wrong = sim.call({ from: '1001', trunk: '1001', context: 'cti-from-agents', to: '*73' });
      await wrong.waitHangup();
      expect(wrong.stasisArgs).to.equal(undefined);
    } finally {
      await sim.close();
    }
  });
});
