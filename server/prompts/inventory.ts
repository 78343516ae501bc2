// What audio exists: rendered clips on disk and advisors' recordings in the store.
// The media builder decides over this snapshot, so it stays a pure function.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LANGUAGES, type Language } from '../domain/model.js';
import { MEDIA_NAME_PATTERN } from '../../ivr-prompts/clips.js';
import type { RecordedKind } from '../../ivr-prompts/catalog.js';
import type { RecordedPrompt, RecordedPromptStore } from './recordings.js';

export interface PromptInventory {
  /** True when `<lang>/<clip>.wav` has been rendered. */
  hasClip(language: Language, clip: string): boolean;
  /** The clip name of the advisor's current recording of this kind, if any. */
  recordedClip(advisorId: number, kind: RecordedKind, language: Language): string | null;
}

export function createPromptInventory(
  clips: Iterable<string>,
  recorded: Iterable<Pick<RecordedPrompt, 'advisorId' | 'kind' | 'language' | 'media'>>,
): PromptInventory {
  const clipSet = new Set(clips);
  const recordings = new Map<string, string>();
  for (const r of recorded) recordings.set(`${r.advisorId}/${r.kind}/${r.language}`, r.media);
  return {
    hasClip: (language, clip) => clipSet.has(`${language}/${clip}`),
    recordedClip: (advisorId, kind, language) => recordings.get(`${advisorId}/${kind}/${language}`) ?? null,
  };
}

async function listClips(audioDir: string, language: Language): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(audioDir, language));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((file) => file.endsWith('.wav'))
    .map((file) => file.slice(0, -'.wav'.length))
    .filter((clip) => MEDIA_NAME_PATTERN.test(clip))
    .map((clip) => `${language}/${clip}`);
}

/** Reads the audio directory and the store's recordings into an inventory. */
export async function scanPromptInventory(audioDir: string, store?: RecordedPromptStore): Promise<PromptInventory> {
  const [clips, recorded] = await Promise.all([
    Promise.all(LANGUAGES.map((language) => listClips(audioDir, language))),
    store ? store.listRecordedPrompts() : Promise.resolve([]),
  ]);
  const onDisk = new Set(clips.flat());
  // A recording whose file is gone (deleted, or filed on another server) must not be played.
  const playable = recorded.filter((r) => onDisk.has(`${r.language}/${r.media}`));
  return createPromptInventory(onDisk, playable);
}
