import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderAdvisorPrompts, renderClips } from '../../../server/prompts/tts.js';
import { fileRecordedPrompt, removeRecordedPrompt } from '../../../server/prompts/recordings.js';
import { createPromptLibrary } from '../../../server/prompts/library.js';
import { PromptToolMissingError } from '../../../server/prompts/errors.js';
import { ValidationError } from '../../../server/shared/errors.js';
import { MemoryRecordedPromptStore } from './fake-recorded-store.js';

const run = promisify(execFile);
const NOW = new Date('2026-11-23T10:00:00.000Z');

async function toolsPresent(): Promise<boolean> {
  try {
    await Promise.all([run('espeak-ng', ['--version']), run('sox', ['--version'])]);
    return true;
  } catch {
    return false;
  }
}

/** Reads the canonical 44-byte RIFF header independently of the code under test. */
async function header(path: string) {
  const bytes = await readFile(path);
  return {
    riff: bytes.toString('ascii', 0, 4),
    wave: bytes.toString('ascii', 8, 12),
    audioFormat: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    sampleRate: bytes.readUInt32LE(24),
    bitsPerSample: bytes.readUInt16LE(34),
    dataBytes: bytes.readUInt32LE(40),
  };
}

describe('prompt rendering without the tools', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cti-prompts-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('says which Debian package to install when espeak-ng is missing', async () => {
    const error = await renderClips([{ language: 'en', name: 'goodbye', text: 'Goodbye.' }], {
      audioDir: dir,
      tools: { espeakNg: join(dir, 'no-such-espeak-ng') },
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PromptToolMissingError);
    expect((error as Error).message).to.match(/espeak-ng was not found .*install the Debian package espeak-ng/);
    expect(await readdir(join(dir, 'en')).catch(() => [])).to.deep.equal([]);
  });

  it('refuses a recording in a format it cannot read, or a missing file, and stores nothing', async () => {
    const store = new MemoryRecordedPromptStore();
    const deps = { audioDir: dir, store, now: () => NOW };
    const input = { advisorId: 7, kind: 'name', language: 'zh' } as const;
    await fileRecordedPrompt({ ...input, sourcePath: join(dir, 'take.mp3') }, deps).then(
      () => expect.fail('accepted an mp3'),
      (e: unknown) => expect(e).to.be.instanceOf(ValidationError),
    );
    await fileRecordedPrompt({ ...input, sourcePath: join(dir, 'missing.wav') }, deps).then(
      () => expect.fail('accepted a missing file'),
      (e: unknown) => expect((e as Error).message).to.match(/does not exist or is empty/),
    );
    expect(store.rows.size).to.equal(0);
  });
});

describe('prompt rendering with espeak-ng and sox (skipped when they are missing: apt-get install espeak-ng sox; never skipped under CI=true)', function () {
  let dir: string;

  before(async function () {
    if (await toolsPresent()) return;
    if (process.env.CI === 'true') throw new Error('CI=true but espeak-ng or sox is missing: install the Debian packages espeak-ng and sox.');
    this.skip();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cti-prompts-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('renders a prompt in each language to an 8 kHz mono 16-bit PCM WAV', async () => {
    const report = await renderClips(
      [
        { language: 'zh', name: 'owner-busy-choices-1', text: '您的专属顾问' },
        { language: 'en', name: 'goodbye', text: 'Thank you for calling, goodbye.' },
      ],
      { audioDir: dir },
    );
    expect(report.made).to.deep.equal(['en/goodbye', 'zh/owner-busy-choices-1']);
    for (const path of [join(dir, 'zh', 'owner-busy-choices-1.wav'), join(dir, 'en', 'goodbye.wav')]) {
      const h = await header(path);
      expect(h).to.include({ riff: 'RIFF', wave: 'WAVE', audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
      expect(h.dataBytes).to.be.greaterThan(8000 * 2 * 0.3); // more than 0.3 s of speech
    }
  });

  it('skips clips that are up to date and renders again when the text changes', async () => {
    await renderAdvisorPrompts({ id: 7, name: 'Alice', nameZh: '王丽' }, { audioDir: dir });
    const again = await renderAdvisorPrompts({ id: 7, name: 'Alice', nameZh: '王丽' }, { audioDir: dir });
    expect(again.made).to.deep.equal([]);
    expect(again.upToDate).to.include('zh/advisor-7-name');

    const renamed = await renderAdvisorPrompts({ id: 7, name: 'Alicia', nameZh: '王丽' }, { audioDir: dir });
    expect(renamed.made).to.include('en/advisor-7-name');
    expect(renamed.made).to.include('en/advisor-7-connecting');
    expect(renamed.made).to.not.include('zh/advisor-7-name');
  });

  it('speaks names that look like options or shell syntax as plain text', async () => {
    const report = await renderAdvisorPrompts({ id: 8, name: '-v x; rm -rf /tmp/nothing $(id)', nameZh: '' }, { audioDir: dir });
    expect(report.made).to.include('en/advisor-8-name');
    expect(report.made).to.include('zh/advisor-8-name');
    expect((await header(join(dir, 'en', 'advisor-8-name.wav'))).sampleRate).to.equal(8000);
  });

  it('files a recording as the advisor\'s prompt in prompt format and replaces the previous take', async () => {
    const store = new MemoryRecordedPromptStore();
    const take1 = join(dir, 'take1.wav');
    await run('sox', ['-n', '-r', '16000', '-c', '2', take1, 'synth', '1.2', 'sine', '440']);
    const first = await fileRecordedPrompt(
      { advisorId: 7, kind: 'name', language: 'zh', sourcePath: take1 },
      { audioDir: dir, store, now: () => NOW },
    );
    expect(first.media).to.match(/^advisor-7-rec-name-[a-z0-9]+$/);
    expect(first.durationMs).to.be.within(1000, 1500);
    expect(store.rows.get('7/name/zh')).to.deep.equal(first);
    expect(await header(join(dir, 'zh', `${first.media}.wav`))).to.include({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });

    const take2 = join(dir, 'take2.sln16');
    await run('sox', ['-n', '-t', 'raw', '-r', '16000', '-e', 'signed-integer', '-b', '16', '-c', '1', take2, 'synth', '0.8', 'sine', '300']);
    const later = new Date(NOW.getTime() + 60_000);
    const second = await fileRecordedPrompt(
      { advisorId: 7, kind: 'name', language: 'zh', sourcePath: take2 },
      { audioDir: dir, store, now: () => later },
    );
    expect(second.media).to.not.equal(first.media);
    const files = await readdir(join(dir, 'zh'));
    expect(files).to.include(`${second.media}.wav`);
    expect(files).to.not.include(`${first.media}.wav`);
    expect(files.filter((f) => f.startsWith('.'))).to.deep.equal([]);

    expect(await removeRecordedPrompt(7, 'name', 'zh', { audioDir: dir, store })).to.equal(true);
    expect(store.rows.size).to.equal(0);
    expect(await readdir(join(dir, 'zh'))).to.not.include(`${second.media}.wav`);
  });

  it('refuses a silent take and leaves the store and the directory unchanged', async () => {
    const store = new MemoryRecordedPromptStore();
    const silent = join(dir, 'silent.wav');
    await run('sox', ['-n', '-r', '8000', '-c', '1', silent, 'trim', '0', '2']);
    const error = await fileRecordedPrompt(
      { advisorId: 7, kind: 'greeting', language: 'en', sourcePath: silent },
      { audioDir: dir, store, now: () => NOW },
    ).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as Error).message).to.match(/record again/);
    expect(store.rows.size).to.equal(0);
    expect(await readdir(join(dir, 'en'))).to.deep.equal([]);
  });

  it('removes the new file when the store cannot save the recording', async () => {
    const store = new MemoryRecordedPromptStore();
    store.failNextSave = true;
    const take = join(dir, 'take.wav');
    await run('sox', ['-n', '-r', '8000', '-c', '1', take, 'synth', '1', 'sine', '440']);
    const error = await fileRecordedPrompt(
      { advisorId: 7, kind: 'name', language: 'en', sourcePath: take },
      { audioDir: dir, store, now: () => NOW },
    ).catch((e: unknown) => e);
    expect((error as Error).message).to.equal('database unavailable');
    expect(await readdir(join(dir, 'en'))).to.deep.equal([]);
  });

  it('lets the library play a newly rendered advisor and then their recording', async () => {
    const store = new MemoryRecordedPromptStore();
    let now = NOW;
    const library = createPromptLibrary({ audioDir: dir, media: 'sound:cti', store, now: () => now });
    const alice = { id: 7, name: 'Alice', nameZh: '王丽' };
    const before = await library.media({ promptId: 'connecting', language: 'en', values: { advisor: alice } });
    expect(before.parts[0]?.source).to.equal('generic');

    await library.renderAdvisor(alice);
    const rendered = await library.media({ promptId: 'connecting', language: 'en', values: { advisor: alice } });
    expect(rendered.media).to.deep.equal(['sound:cti/en/advisor-7-connecting']);

    const take = join(dir, 'greeting.wav');
    await run('sox', ['-n', '-r', '8000', '-c', '1', take, 'synth', '1.5', 'sine', '440']);
    now = new Date(NOW.getTime() + 1000);
    const filed = await library.fileRecording({ advisorId: 7, kind: 'greeting', language: 'en', sourcePath: take });
    const recorded = await library.media({ promptId: 'connecting', language: 'en', values: { advisor: alice } });
    expect(recorded.media).to.deep.equal([`sound:cti/en/${filed.media}`]);
  });
});
