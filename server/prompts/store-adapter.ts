// The advisors' recordings live in the store's `prompts` table (source `recorded`,
// kind `recorded-name` / `recorded-greeting`); the audio file is the truth for
// how long a take lasts, so the duration is read from its WAV header.
import { join } from 'node:path';
import { RECORDED_KINDS, type RecordedKind } from '../../ivr-prompts/catalog.js';
import type { Language } from '../domain/model.js';
import type { PromptRecord, PromptStore } from '../store/prompts.js';
import type { RecordedPrompt, RecordedPromptStore } from './recordings.js';
import { readWavHeader } from './wav.js';

const KIND_PREFIX = 'recorded-';

function kindOf(record: PromptRecord): RecordedKind | null {
  const kind = record.kind.slice(KIND_PREFIX.length);
  return record.kind.startsWith(KIND_PREFIX) && (RECORDED_KINDS as readonly string[]).includes(kind) ? (kind as RecordedKind) : null;
}

export function recordedPromptStore(prompts: PromptStore, audioDir: string): RecordedPromptStore {
  const toRecorded = async (record: PromptRecord): Promise<RecordedPrompt | null> => {
    const kind = kindOf(record);
    if (!kind || record.advisorId === null || record.source !== 'recorded') return null;
    const durationMs = await readWavHeader(join(audioDir, record.language, `${record.path}.wav`)).then(
      (info) => info.durationMs,
      () => 0,
    );
    return { advisorId: record.advisorId, kind, language: record.language, media: record.path, durationMs, recordedAt: record.updatedAt };
  };
  const find = async (advisorId: number, kind: RecordedKind, language: Language) =>
    (await prompts.list({ advisorId, kind: KIND_PREFIX + kind })).find((r) => r.language === language && r.source === 'recorded') ?? null;

  return {
    async findRecordedPrompt(advisorId, kind, language) {
      const record = await find(advisorId, kind, language);
      return record ? toRecorded(record) : null;
    },
    async saveRecordedPrompt(prompt) {
      await prompts.upsert({
        kind: KIND_PREFIX + prompt.kind,
        language: prompt.language,
        advisorId: prompt.advisorId,
        source: 'recorded',
        path: prompt.media,
      });
    },
    async deleteRecordedPrompt(advisorId, kind, language) {
      const record = await find(advisorId, kind, language);
      if (record) await prompts.remove(record.id);
    },
    async listRecordedPrompts() {
      const all = await prompts.list();
      const recorded = await Promise.all(all.filter((r) => r.source === 'recorded').map(toRecorded));
      return recorded.filter((r): r is RecordedPrompt => r !== null);
    },
  };
}
