// In-memory RecordedPromptStore for tests: the real one is the `prompts` table.
import type { Language } from '../../../server/domain/model.js';
import type { RecordedKind } from '../../../ivr-prompts/catalog.js';
import type { RecordedPrompt, RecordedPromptStore } from '../../../server/prompts/recordings.js';

export class MemoryRecordedPromptStore implements RecordedPromptStore {
  readonly rows = new Map<string, RecordedPrompt>();
  failNextSave = false;

  private key(advisorId: number, kind: RecordedKind, language: Language): string {
    return `${advisorId}/${kind}/${language}`;
  }

  async findRecordedPrompt(advisorId: number, kind: RecordedKind, language: Language): Promise<RecordedPrompt | null> {
    return this.rows.get(this.key(advisorId, kind, language)) ?? null;
  }

  async saveRecordedPrompt(prompt: RecordedPrompt): Promise<void> {
    if (this.failNextSave) {
      this.failNextSave = false;
      throw new Error('database unavailable');
    }
    this.rows.set(this.key(prompt.advisorId, prompt.kind, prompt.language), { ...prompt });
  }

  async deleteRecordedPrompt(advisorId: number, kind: RecordedKind, language: Language): Promise<void> {
    this.rows.delete(this.key(advisorId, kind, language));
  }

  async listRecordedPrompts(): Promise<RecordedPrompt[]> {
    return [...this.rows.values()];
  }
}
