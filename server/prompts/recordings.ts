// Advisors' own recordings (their name, their greeting). The call flow records with
// ARI and hands the file here; we convert it to the prompt format, give it a new
// versioned name (so the take in use is never overwritten and HTTP caches see a new
// URL) and let the store remember it. A recording beats the TTS clip of the same role.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { LANGUAGES, type Language } from '../domain/model.js';
import { RECORDED_KINDS, type RecordedKind } from '../../ivr-prompts/catalog.js';
import { recordedClipName } from '../../ivr-prompts/clips.js';
import { ValidationError } from '../shared/errors.js';
import { DEFAULT_PROMPT_TOOLS, convertToPromptWav, type PromptTools } from './tts.js';
import { readWavHeader } from './wav.js';

export interface RecordedPrompt {
  advisorId: number;
  kind: RecordedKind;
  language: Language;
  /** Clip name under `<audioDir>/<language>/`, without extension. */
  media: string;
  durationMs: number;
  /** ISO 8601. */
  recordedAt: string;
}

/** What the prompts concern needs from the store (the `prompts` table); the composition root passes it in. */
export interface RecordedPromptStore {
  findRecordedPrompt(advisorId: number, kind: RecordedKind, language: Language): Promise<RecordedPrompt | null>;
  /** Inserts or replaces the advisor's recording of this kind and language. */
  saveRecordedPrompt(prompt: RecordedPrompt): Promise<void>;
  deleteRecordedPrompt(advisorId: number, kind: RecordedKind, language: Language): Promise<void>;
  listRecordedPrompts(): Promise<RecordedPrompt[]>;
}

export interface RecordingDeps {
  audioDir: string;
  store: RecordedPromptStore;
  now: () => Date;
  tools?: Partial<PromptTools>;
}

export interface RecordingInput {
  advisorId: number;
  kind: RecordedKind;
  language: Language;
  /** The file ARI recorded (wav, gsm, ulaw/ul, alaw/al, sln/sln8, sln16). */
  sourcePath: string;
}

/** sox options describing each format ARI can record in; headerless formats need them. */
const SOURCE_FORMATS: Record<string, string[]> = {
  '.wav': [],
  '.gsm': [],
  '.ulaw': ['-t', 'ul', '-r', '8000', '-c', '1'],
  '.ul': ['-t', 'ul', '-r', '8000', '-c', '1'],
  '.alaw': ['-t', 'al', '-r', '8000', '-c', '1'],
  '.al': ['-t', 'al', '-r', '8000', '-c', '1'],
  '.sln': ['-t', 'raw', '-r', '8000', '-e', 'signed-integer', '-b', '16', '-c', '1'],
  '.sln8': ['-t', 'raw', '-r', '8000', '-e', 'signed-integer', '-b', '16', '-c', '1'],
  '.sln16': ['-t', 'raw', '-r', '16000', '-e', 'signed-integer', '-b', '16', '-c', '1'],
};

const MIN_DURATION_MS = 300;
const MAX_DURATION_MS = 30_000;

function checkKey(advisorId: number, kind: RecordedKind, language: Language): void {
  if (!Number.isSafeInteger(advisorId) || advisorId <= 0) {
    throw new ValidationError(`advisorId must be a positive whole number, got ${String(advisorId)}.`);
  }
  if (!(RECORDED_KINDS as readonly string[]).includes(kind)) {
    throw new ValidationError(`kind must be one of ${RECORDED_KINDS.join(', ')}, got "${String(kind)}".`);
  }
  if (!(LANGUAGES as readonly string[]).includes(language)) {
    throw new ValidationError(`language must be one of ${LANGUAGES.join(', ')}, got "${String(language)}".`);
  }
}

/**
 * Files a recorded take as the advisor's prompt of that kind and language. Bad input
 * (unknown format, missing or empty file, too short or too long) changes nothing.
 * The previous take's file is removed once the store holds the new one.
 */
export async function fileRecordedPrompt(input: RecordingInput, deps: RecordingDeps): Promise<RecordedPrompt> {
  checkKey(input.advisorId, input.kind, input.language);
  const sourceOptions = SOURCE_FORMATS[extname(input.sourcePath).toLowerCase()];
  if (!sourceOptions) {
    throw new ValidationError(
      `Recording ${input.sourcePath} has a format we cannot read: use one of ${Object.keys(SOURCE_FORMATS).join(', ')}.`,
    );
  }
  const source = await stat(input.sourcePath).catch(() => null);
  if (!source?.isFile() || source.size === 0) {
    throw new ValidationError(`Recording ${input.sourcePath} does not exist or is empty: record again.`);
  }

  const tools = { ...DEFAULT_PROMPT_TOOLS, ...deps.tools };
  const dir = join(deps.audioDir, input.language);
  const recordedAt = deps.now();
  const media = recordedClipName(input.advisorId, input.kind, recordedAt.getTime().toString(36));
  const target = join(dir, `${media}.wav`);
  const temporary = join(dir, `.${media}.${randomBytes(6).toString('hex')}.wav`);
  await mkdir(dir, { recursive: true });
  try {
    await convertToPromptWav(input.sourcePath, temporary, tools, `${input.language}/${media}`, sourceOptions);
    const { durationMs } = await readWavHeader(temporary);
    if (durationMs < MIN_DURATION_MS || durationMs > MAX_DURATION_MS) {
      throw new ValidationError(
        `The recording lasts ${durationMs} ms; a ${input.kind} must last between ${MIN_DURATION_MS} ms and ${MAX_DURATION_MS / 1000} s: record again.`,
      );
    }
    const previous = await deps.store.findRecordedPrompt(input.advisorId, input.kind, input.language);
    await rename(temporary, target);
    const { advisorId, kind, language } = input;
    const record: RecordedPrompt = { advisorId, kind, language, media, durationMs, recordedAt: recordedAt.toISOString() };
    try {
      await deps.store.saveRecordedPrompt(record);
    } catch (error) {
      await rm(target, { force: true });
      throw error;
    }
    if (previous && previous.media !== media) await rm(join(dir, `${previous.media}.wav`), { force: true });
    return record;
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Removes the advisor's recording of this kind and language; callers hear the TTS clip again. */
export async function removeRecordedPrompt(
  advisorId: number,
  kind: RecordedKind,
  language: Language,
  deps: Pick<RecordingDeps, 'audioDir' | 'store'>,
): Promise<boolean> {
  checkKey(advisorId, kind, language);
  const previous = await deps.store.findRecordedPrompt(advisorId, kind, language);
  if (!previous) return false;
  await deps.store.deleteRecordedPrompt(advisorId, kind, language);
  await rm(join(deps.audioDir, language, `${previous.media}.wav`), { force: true });
  return true;
}
