// The prompts concern as the rest of the server uses it: one object built in the
// composition root that answers "what do I play" and keeps its inventory fresh after
// rendering or filing a recording (and periodically, for clips made by another server).
import type { Logger } from '../shared/logger.js';
import type { Language } from '../domain/model.js';
import type { RecordedKind } from '../../ivr-prompts/catalog.js';
import type { PromptPerson } from '../../ivr-prompts/clips.js';
import { buildPromptMedia, type PromptMedia, type PromptRequest } from './builder.js';
import { createPromptInventory, scanPromptInventory, type PromptInventory } from './inventory.js';
import { parsePromptMedia, type PromptMediaLocation } from './media.js';
import {
  fileRecordedPrompt,
  removeRecordedPrompt,
  type RecordedPrompt,
  type RecordedPromptStore,
  type RecordingInput,
} from './recordings.js';
import { renderAdvisorPrompts, type PromptTools, type RenderReport } from './tts.js';

export interface PromptLibraryOptions {
  audioDir: string;
  /** CTI_PROMPT_MEDIA (`sound:<dir>` or an http(s) base), or an already parsed location. */
  media: string | PromptMediaLocation;
  store: RecordedPromptStore;
  now: () => Date;
  logger?: Logger;
  tools?: Partial<PromptTools>;
  /** Re-read the audio directory and the store when the inventory is older (default 30 s). */
  maxInventoryAgeMs?: number;
}

export interface PromptLibrary {
  media(request: PromptRequest): Promise<PromptMedia>;
  refresh(): Promise<void>;
  renderAdvisor(advisor: PromptPerson): Promise<RenderReport>;
  fileRecording(input: RecordingInput): Promise<RecordedPrompt>;
  removeRecording(advisorId: number, kind: RecordedKind, language: Language): Promise<boolean>;
}

export function createPromptLibrary(options: PromptLibraryOptions): PromptLibrary {
  const location = typeof options.media === 'string' ? parsePromptMedia(options.media) : options.media;
  const maxAgeMs = options.maxInventoryAgeMs ?? 30_000;
  let inventory: PromptInventory = createPromptInventory([], []);
  let scannedAt = Number.NEGATIVE_INFINITY;
  let scanning: Promise<void> | null = null;

  const refresh = (): Promise<void> => {
    scanning ??= scanPromptInventory(options.audioDir, options.store)
      .then((fresh) => {
        inventory = fresh;
        scannedAt = options.now().getTime();
      })
      .catch((error: unknown) => {
        // Keep playing from the last inventory (names fall back to generic at worst): never dead air.
        options.logger?.warn({ err: error }, 'prompt inventory refresh failed; keeping the previous one');
        scannedAt = options.now().getTime();
      })
      .finally(() => {
        scanning = null;
      });
    return scanning;
  };

  return {
    async media(request) {
      if (options.now().getTime() - scannedAt > maxAgeMs) await refresh();
      return buildPromptMedia(request, { location, inventory });
    },
    refresh,
    async renderAdvisor(advisor) {
      const report = await renderAdvisorPrompts(advisor, { audioDir: options.audioDir, tools: options.tools });
      await refresh();
      return report;
    },
    async fileRecording(input) {
      const record = await fileRecordedPrompt(input, options);
      await refresh();
      return record;
    },
    async removeRecording(advisorId, kind, language) {
      const removed = await removeRecordedPrompt(advisorId, kind, language, options);
      await refresh();
      return removed;
    },
  };
}
