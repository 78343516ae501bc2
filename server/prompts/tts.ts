// Text to speech for prompts: espeak-ng speaks, sox converts to what Asterisk plays
// natively (8 kHz, mono, 16-bit PCM WAV). Tools run through execFile with argument
// lists, and the text goes through stdin, so no name can ever become a shell word or
// an option. A clip whose content hash is unchanged is not rendered again.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Language } from '../domain/model.js';
import { advisorClips, catalogClips, type ClipSpec, type PromptPerson } from '../../ivr-prompts/clips.js';
import { assertPromptPerson } from './values.js';
import { PromptRenderError, PromptToolMissingError, type PromptTool } from './errors.js';

export interface PromptTools {
  /** Path or command name of espeak-ng. */
  espeakNg: string;
  /** Path or command name of sox. */
  sox: string;
}

export const DEFAULT_PROMPT_TOOLS: PromptTools = { espeakNg: 'espeak-ng', sox: 'sox' };

export interface RenderOptions {
  /** Root of the generated audio: clips go to `<audioDir>/<lang>/<name>.wav`. */
  audioDir: string;
  tools?: Partial<PromptTools>;
  /** Render even when the content hash says the clip is up to date. */
  force?: boolean;
  /** Clips rendered at once (default 4). */
  concurrency?: number;
}

export interface RenderReport {
  /** `<lang>/<name>` of clips rendered now. */
  made: string[];
  /** `<lang>/<name>` of clips skipped because they were up to date. */
  upToDate: string[];
}

const VOICE: Record<Language, string> = { zh: 'cmn', en: 'en' };
const WORDS_PER_MINUTE = '150';
// Bump when the pipeline changes in a way that changes the audio: every clip re-renders.
const PIPELINE = 'espeak-ng/sox 8k-mono-s16 norm-3 trim v2';
// Level to -3 dBFS, cut leading and trailing silence (clips are played back to back,
// and a recording starts when the advisor hears the tone), then a short even pad.
const EFFECTS = ['norm', '-3', 'silence', '1', '0.02', '0.5%', 'reverse', 'silence', '1', '0.02', '0.5%', 'reverse', 'pad', '0.05', '0.1'];
const TOOL_TIMEOUT_MS = 30_000;

function clipHash(clip: ClipSpec): string {
  const content = JSON.stringify({ pipeline: PIPELINE, voice: VOICE[clip.language], wpm: WORDS_PER_MINUTE, text: clip.text });
  return createHash('sha256').update(content).digest('hex');
}

function run(tool: PromptTool, command: string, args: string[], clip: string, input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new PromptToolMissingError(tool, command));
      reject(new PromptRenderError(tool, clip, stderr || error.message));
    });
    // A missing binary fails the spawn; the write must not throw on the closed pipe.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

async function isUpToDate(wavPath: string, hashPath: string, hash: string): Promise<boolean> {
  try {
    const [stored, info] = await Promise.all([readFile(hashPath, 'utf8'), stat(wavPath)]);
    return stored.trim() === hash && info.size > 44;
  } catch {
    return false;
  }
}

/** Converts any audio file sox can read into the 8 kHz mono 16-bit WAV Asterisk plays, trimmed and levelled. */
export async function convertToPromptWav(
  source: string,
  target: string,
  tools: PromptTools,
  label: string,
  sourceOptions: string[] = [],
): Promise<void> {
  const output = ['-t', 'wavpcm', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', target];
  await run('sox', tools.sox, [...sourceOptions, source, ...output, ...EFFECTS], label);
}

async function renderOne(clip: ClipSpec, options: RenderOptions, tools: PromptTools): Promise<boolean> {
  const dir = join(options.audioDir, clip.language);
  const wavPath = join(dir, `${clip.name}.wav`);
  const hashPath = join(dir, `${clip.name}.hash`);
  const hash = clipHash(clip);
  if (!options.force && (await isUpToDate(wavPath, hashPath, hash))) return false;

  await mkdir(dir, { recursive: true });
  const label = `${clip.language}/${clip.name}`;
  const nonce = randomBytes(6).toString('hex');
  const spoken = join(dir, `.${clip.name}.${nonce}.tts.wav`);
  const converted = join(dir, `.${clip.name}.${nonce}.wav`);
  try {
    const espeakArgs = ['-v', VOICE[clip.language], '-s', WORDS_PER_MINUTE, '-b', '1', '-w', spoken, '--stdin'];
    await run('espeak-ng', tools.espeakNg, espeakArgs, label, clip.text);
    await convertToPromptWav(spoken, converted, tools, label);
    await rename(converted, wavPath);
    await writeFile(hashPath, `${hash}\n`);
  } finally {
    await Promise.all([rm(spoken, { force: true }), rm(converted, { force: true })]);
  }
  return true;
}

/** Renders the given clips, skipping those whose content hash is unchanged. */
export async function renderClips(clips: readonly ClipSpec[], options: RenderOptions): Promise<RenderReport> {
  const tools = { ...DEFAULT_PROMPT_TOOLS, ...options.tools };
  const report: RenderReport = { made: [], upToDate: [] };
  const queue = [...clips];
  const worker = async () => {
    for (let clip = queue.shift(); clip; clip = queue.shift()) {
      try {
        const made = await renderOne(clip, options, tools);
        (made ? report.made : report.upToDate).push(`${clip.language}/${clip.name}`);
      } catch (error) {
        queue.length = 0; // the other workers stop too: one clear error, not a flood
        throw error;
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  report.made.sort();
  report.upToDate.sort();
  return report;
}

/** Renders the whole catalog (fragments, minutes, digits) in every language. */
export function renderCatalog(options: RenderOptions): Promise<RenderReport> {
  return renderClips(catalogClips(), options);
}

/**
 * Renders one advisor's name clips and whole per-advisor sentences in every language.
 * Call it when an advisor is created or renamed; unchanged clips are skipped.
 */
export async function renderAdvisorPrompts(advisor: PromptPerson, options: RenderOptions): Promise<RenderReport> {
  assertPromptPerson(advisor, 'advisor');
  return renderClips(advisorClips(advisor), options);
}
