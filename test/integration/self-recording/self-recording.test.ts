import { expect } from 'chai';
import sinon from 'sinon';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { readWavHeader } from '../../../server/prompts/wav.js';
import type { CallHandle } from '../../../sim/index.js';
import { startHarness, waitUntil } from './harness.js';
import type { Harness } from './harness.js';

const ALICE = DEMO_FIRST_MEMBER.ownerEndpoint;

describe('self-recording: an advisor records their own name or greeting by phone', function () {
  this.timeout(20_000);
  let h: Harness;
  let alice: number;

  beforeEach(async () => {
    h = await startHarness();
    alice = h.advisorId(ALICE);
  });

  afterEach(async () => {
    sinon.restore();
    await h?.close();
  });

  const count = (caller: CallHandle, media: string) => caller.playbacks.filter((m) => m === media).length;

  /** Waits for the beep of take number `n`, talks for a while, ends the take with #. */
  async function recordTake(caller: CallHandle, n: number, talkMs = 700): Promise<void> {
    await waitUntil(`beep ${n}`, () => count(caller, 'sound:beep') >= n);
    await new Promise((r) => setTimeout(r, talkMs));
    caller.press('#');
  }

  /** Waits for the review of take number `n` (the take played back, then the menu). */
  async function review(caller: CallHandle, language: 'en' | 'zh', n: number): Promise<void> {
    await waitUntil(`take ${n} played back`, () => caller.playbacks.filter((m) => m.startsWith('recording:')).length >= n);
    await waitUntil(`review ${n}`, () => count(caller, `sound:cti/${language}/record-review`) >= n);
  }

  const recordedFiles = (language: string) => readdirSync(join(h.audioDir, language)).filter((f) => f.includes('-rec-'));

  it('Alice dials *71, records, keeps: prompts naming her use her recorded clip instead of the TTS one', async () => {
    const caller = h.dialFromPhone(ALICE, '*71');
    expect(await caller.waitStasis()).to.deep.equal(['record=name', 'lang=en']);
    await caller.waitPlayback('sound:cti/en/record-name-instructions');
    expect(h.telephony.activeCalls(), 'the call flow does not route a self-recording call').to.deep.equal([]);
    await recordTake(caller, 1);
    await review(caller, 'en', 1);
    caller.press('1');
    await caller.waitPlayback('sound:cti/en/record-saved');
    expect(await caller.waitHangup()).to.equal(16);
    expect(await h.endedOn(caller.id)).to.include({ advisorId: alice, outcome: 'saved' });

    const [file] = recordedFiles('en');
    expect(file, 'the take is filed under the advisor').to.match(new RegExp(`^advisor-${alice}-rec-name-[a-z0-9]+\\.wav$`));
    const wav = await readWavHeader(join(h.audioDir, 'en', file!));
    expect(wav).to.include({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect(wav.durationMs).to.be.within(300, 2000);
    expect(recordedFiles('zh'), 'a recording is per language').to.deep.equal([]);
    expect(h.sim.box.pbx.storedRecordings.size, 'the take is deleted on Asterisk').to.equal(0);

    const media = await h.prompts.media({
      promptId: 'owner-busy-choices',
      language: 'en',
      values: { advisor: { id: alice, name: 'Alice Wang', nameZh: '王丽' }, minutes: 3 },
    });
    const clip = `sound:cti/en/${file!.replace(/\.wav$/, '')}`;
    expect(media.media).to.include(clip);
    expect(media.media).to.not.include(`sound:cti/en/advisor-${alice}-name`);

    // A member calls while Alice is on another call: the prompt names her in her own voice.
    for (let i = 0; i < 6; i++) h.presence.recordHandleTime(alice, 240_000);
    h.sim.setAgent(ALICE, { kind: 'busy' });
    await waitUntil('Alice on a call', () => h.presence.get(alice)?.phone === 'in-use');
    const member = h.sim.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '2'] });
    await member.waitPlayback('sound:cti/en/owner-busy-choices');
    await member.waitPlayback(clip);
    expect(member.playbacks).to.not.include(`sound:cti/en/advisor-${alice}-name`);
    member.hangup();
  });

  it('records again on 2 and keeps only the take confirmed with 1', async () => {
    const caller = h.dialFromPhone(ALICE, '*712');
    expect(await caller.waitStasis()).to.deep.equal(['record=name', 'lang=en']);
    await recordTake(caller, 1, 500);
    await review(caller, 'en', 1);
    caller.press('2');
    await waitUntil('instructions again', () => count(caller, 'sound:cti/en/record-name-instructions') === 2);
    await recordTake(caller, 2, 900);
    await review(caller, 'en', 2);
    caller.press('1');
    await caller.waitPlayback('sound:cti/en/record-saved');
    expect(await h.endedOn(caller.id)).to.include({ advisorId: alice, outcome: 'saved' });

    const stored = await h.store.prompts.list({ advisorId: alice });
    expect(stored.filter((p) => p.source === 'recorded').map((p) => [p.kind, p.language])).to.deep.equal([['recorded-name', 'en']]);
    const files = recordedFiles('en');
    expect(files).to.have.length(1);
    const wav = await readWavHeader(join(h.audioDir, 'en', files[0]!));
    expect(wav.durationMs, 'the second, longer take').to.be.greaterThan(700);
    expect(h.sim.box.pbx.storedRecordings.size, 'both takes deleted on Asterisk').to.equal(0);
    await waitUntil('no channel left', () => h.sim.channelCount() === 0);
  });

  it('saves nothing when the advisor hangs up in the middle of a take', async () => {
    const caller = h.dialFromPhone(ALICE, '*72');
    expect(await caller.waitStasis()).to.deep.equal(['record=greeting', 'lang=en']);
    await waitUntil('beep', () => count(caller, 'sound:beep') === 1);
    await waitUntil('take being recorded', () => h.sim.box.pbx.liveRecordings.size === 1);
    await new Promise((r) => setTimeout(r, 400));
    caller.hangup();
    expect(await h.endedOn(caller.id)).to.include({ advisorId: alice, outcome: 'hung-up' });
    expect(h.sim.box.pbx.storedRecordings.size, 'the take Asterisk kept is deleted').to.equal(0);
    expect(h.sim.box.pbx.liveRecordings.size).to.equal(0);
    expect(recordedFiles('en')).to.deep.equal([]);
    expect((await h.store.prompts.list({ advisorId: alice })).filter((p) => p.source === 'recorded')).to.deep.equal([]);
    expect(h.selfRecording.active()).to.equal(0);
    await waitUntil('no channel left', () => h.sim.channelCount() === 0);
  });

  it('saves nothing when the advisor hangs up while hearing the take back', async () => {
    const caller = h.dialFromPhone(ALICE, '*71');
    await recordTake(caller, 1);
    await waitUntil('take played back', () => caller.playbacks.some((m) => m.startsWith('recording:')));
    caller.hangup();
    expect(await h.endedOn(caller.id)).to.include({ advisorId: alice, outcome: 'hung-up' });
    expect(recordedFiles('en')).to.deep.equal([]);
    expect(h.sim.box.pbx.storedRecordings.size).to.equal(0);
    await waitUntil('no channel left', () => h.sim.channelCount() === 0);
  });

  it('carries on when ARI drops mid-take: the take finished meanwhile is found on reconnect and kept', async () => {
    const caller = h.dialFromPhone(ALICE, '*71');
    await waitUntil('beep', () => count(caller, 'sound:beep') === 1);
    await new Promise((r) => setTimeout(r, 500));
    await h.sim.stopAri();
    caller.press('#');
    await waitUntil('take stored while the CTI server is away', () => h.sim.box.pbx.storedRecordings.size === 1);
    await h.sim.startAri();
    await review(caller, 'en', 1);
    caller.press('1');
    expect(await h.endedOn(caller.id)).to.include({ advisorId: alice, outcome: 'saved' });
    expect(recordedFiles('en')).to.have.length(1);
    expect(h.sim.box.pbx.storedRecordings.size).to.equal(0);
  });

  it('after a reconnect, deletes takes left on Asterisk by calls that ended meanwhile, and nothing else', async () => {
    h.sim.box.pbx.storedRecordings.set('cti-self-1-name-en-left-behind', { name: 'cti-self-1-name-en-left-behind', format: 'wav', durationMs: 900 });
    h.sim.box.pbx.storedRecordings.set('voicemail-greeting', { name: 'voicemail-greeting', format: 'wav' });
    await h.sim.stopAri();
    await h.sim.startAri();
    await waitUntil('our leftover take deleted', () => !h.sim.box.pbx.storedRecordings.has('cti-self-1-name-en-left-behind'));
    expect([...h.sim.box.pbx.storedRecordings.keys()]).to.deep.equal(['voicemail-greeting']);
  });

  it('records again when the take is too short to use, then keeps the good one', async () => {
    const caller = h.dialFromPhone(ALICE, '*71');
    await recordTake(caller, 1, 20);
    await review(caller, 'en', 1);
    caller.press('1');
    await waitUntil('instructions again', () => count(caller, 'sound:cti/en/record-name-instructions') === 2);
    expect(caller.playbacks, 'nothing confirmed yet').to.not.include('sound:cti/en/record-saved');
    expect(recordedFiles('en')).to.deep.equal([]);
    await recordTake(caller, 2, 800);
    await review(caller, 'en', 2);
    caller.press('1');
    expect(await h.endedOn(caller.id)).to.include({ advisorId: alice, outcome: 'saved' });
    expect(recordedFiles('en')).to.have.length(1);
    expect(h.sim.box.pbx.storedRecordings.size).to.equal(0);
  });

  it('saves nothing when the advisor never chooses keep or record again', async () => {
    const caller = h.dialFromPhone(ALICE, '*71');
    await recordTake(caller, 1);
    await review(caller, 'en', 1);
    await caller.waitPlayback('sound:cti/en/no-key');
    caller.press('9');
    await caller.waitPlayback('sound:cti/en/goodbye');
    expect(await caller.waitHangup()).to.equal(16);
    expect(await h.endedOn(caller.id)).to.include({ advisorId: alice, outcome: 'no-choice' });
    expect(count(caller, 'sound:cti/en/record-review'), 'the menu is offered twice').to.equal(2);
    expect(recordedFiles('en')).to.deep.equal([]);
    expect(h.sim.box.pbx.storedRecordings.size).to.equal(0);
  });

  it('says goodbye and keeps nothing when the take cannot be filed (store down), deleting it on Asterisk', async () => {
    const filing = sinon.stub(h.prompts, 'fileRecording').rejects(new Error('database unavailable (injected)'));
    const caller = h.dialFromPhone(ALICE, '*71');
    await recordTake(caller, 1);
    await review(caller, 'en', 1);
    caller.press('1');
    await caller.waitPlayback('sound:cti/en/goodbye');
    expect(await caller.waitHangup()).to.equal(16);
    expect(await h.endedOn(caller.id)).to.include({ advisorId: alice, outcome: 'failed' });
    expect(filing.callCount).to.equal(1);
    expect(caller.playbacks).to.not.include('sound:cti/en/record-saved');
    expect(h.sim.box.pbx.storedRecordings.size).to.equal(0);
  });

  it('refuses politely a device that is no advisor\'s, and records nothing', async () => {
    const caller = h.dialFromPhone('PJSIP/1099', '*71');
    await caller.waitStasis();
    await caller.waitPlayback('sound:cti/en/goodbye');
    expect(await caller.waitHangup()).to.equal(16);
    expect(await h.endedOn(caller.id)).to.include({ advisorId: null, outcome: 'refused' });
    expect(caller.playbacks).to.not.include('sound:beep');
    expect(caller.playbacks.some((m) => m.includes('record-'))).to.equal(false);
    expect(h.sim.box.pbx.storedRecordings.size).to.equal(0);
  });

  it('records a greeting in Mandarin with *721, and the greeting replaces the connecting prompt', async () => {
    const caller = h.dialFromPhone(ALICE, '*721');
    expect(await caller.waitStasis()).to.deep.equal(['record=greeting', 'lang=zh']);
    await caller.waitPlayback('sound:cti/zh/record-greeting-instructions');
    await recordTake(caller, 1);
    await review(caller, 'zh', 1);
    caller.press('1');
    await caller.waitPlayback('sound:cti/zh/record-saved');
    expect(await h.endedOn(caller.id)).to.include({ advisorId: alice, outcome: 'saved' });
    const [file] = recordedFiles('zh');
    expect(file).to.match(new RegExp(`^advisor-${alice}-rec-greeting-`));
    const media = await h.prompts.media({ promptId: 'connecting', language: 'zh', values: { advisor: { id: alice, name: 'Alice Wang', nameZh: '王丽' } } });
    expect(media.media).to.deep.equal([`sound:cti/zh/${file!.replace(/\.wav$/, '')}`]);
  });
});
