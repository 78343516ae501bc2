import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanPromptInventory } from '../../../server/prompts/inventory.js';
import { createPromptLibrary } from '../../../server/prompts/library.js';
import { MemoryRecordedPromptStore } from './fake-recorded-store.js';

const alice = { id: 7, name: 'Alice', nameZh: '王丽' };

describe('prompt inventory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cti-inventory-'));
    await mkdir(join(dir, 'zh'), { recursive: true });
    for (const file of ['advisor-7-name.wav', 'advisor-7-rec-name-k1.wav', '.advisor-9-name.tmp.wav', 'advisor-7-name.hash']) {
      await writeFile(join(dir, 'zh', file), 'x');
    }
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lists rendered clips, ignoring temporary and hash files and missing language folders', async () => {
    const inventory = await scanPromptInventory(dir);
    expect(inventory.hasClip('zh', 'advisor-7-name')).to.equal(true);
    expect(inventory.hasClip('zh', 'advisor-9-name')).to.equal(false);
    expect(inventory.hasClip('en', 'advisor-7-name')).to.equal(false);
  });

  it('plays only recordings whose file is present', async () => {
    const store = new MemoryRecordedPromptStore();
    const base = { advisorId: 7, language: 'zh' as const, durationMs: 800, recordedAt: '2026-11-23T10:00:00.000Z' };
    await store.saveRecordedPrompt({ ...base, kind: 'name', media: 'advisor-7-rec-name-k1' });
    await store.saveRecordedPrompt({ ...base, kind: 'greeting', media: 'advisor-7-rec-greeting-gone' });
    const inventory = await scanPromptInventory(dir, store);
    expect(inventory.recordedClip(7, 'name', 'zh')).to.equal('advisor-7-rec-name-k1');
    expect(inventory.recordedClip(7, 'greeting', 'zh')).to.equal(null);
  });

  it('keeps playing from the last inventory when the store fails, and scans again after the max age', async () => {
    const store = new MemoryRecordedPromptStore();
    let now = new Date('2026-11-23T10:00:00.000Z');
    const library = createPromptLibrary({ audioDir: dir, media: 'sound:cti', store, now: () => now, maxInventoryAgeMs: 30_000 });
    const request = { promptId: 'connecting', language: 'zh', values: { advisor: alice } } as const;
    expect((await library.media(request)).media).to.deep.equal(['sound:cti/zh/connecting-1', 'sound:cti/zh/advisor-7-name']);

    store.listRecordedPrompts = async () => {
      throw new Error('database unavailable');
    };
    now = new Date(now.getTime() + 31_000);
    expect((await library.media(request)).media).to.deep.equal(['sound:cti/zh/connecting-1', 'sound:cti/zh/advisor-7-name']);
  });

  it('picks up a clip made by another server once the inventory is older than the max age', async () => {
    const store = new MemoryRecordedPromptStore();
    let now = new Date('2026-11-23T10:00:00.000Z');
    const library = createPromptLibrary({ audioDir: dir, media: 'http://cti.example:3000', store, now: () => now });
    const request = { promptId: 'connecting', language: 'zh', values: { advisor: alice } } as const;
    await library.media(request);
    await writeFile(join(dir, 'zh', 'advisor-7-connecting.wav'), 'x');
    now = new Date(now.getTime() + 10_000);
    expect((await library.media(request)).parts.map((p) => p.source)).to.deep.equal(['catalog', 'tts-name']);
    now = new Date(now.getTime() + 30_000);
    expect((await library.media(request)).media).to.deep.equal(['sound:http://cti.example:3000/media/prompts/zh/advisor-7-connecting.wav']);
  });
});
