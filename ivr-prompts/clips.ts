// How catalog prompts map to audio clips, and what each clip is called. Shared by
// the renderer (which makes the clips) and server/prompts (which plays them), so
// both always agree on names. Names are flat, lowercase and extension-less:
// `<lang>/<name>.wav` on disk, `sound:<dir>/<lang>/<name>` for Asterisk.
import type { Language } from '../server/domain/model.js';
import { LANGUAGES } from '../server/domain/model.js';
import {
  MINUTE_VALUES,
  PROMPT_IDS,
  digitText,
  getPrompt,
  minutesText,
  parsePromptText,
  placeholdersOf,
  type Placeholder,
  type PromptId,
  type RecordedKind,
} from './catalog.js';

/** A piece of audio to render: `text` spoken in `language`, stored as `<language>/<name>.wav`. */
export interface ClipSpec {
  language: Language;
  name: string;
  text: string;
}

/** The people a prompt can name. `nameZh` is spoken in Mandarin, `name` in English. */
export interface PromptPerson {
  id: number;
  name: string;
  nameZh: string;
}

export type PromptVariant = 'main' | 'generic';

/** One step of a prompt: a fixed clip, or a placeholder filled per call. */
export type PlanItem = { kind: 'clip'; name: string; text: string } | { kind: 'slot'; name: Placeholder };

export const MEDIA_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

// Fragments made only of punctuation or spaces (between two placeholders) are not spoken.
const SPEAKABLE = /[\p{L}\p{N}]/u;

/**
 * The ordered clips and slots of one prompt variant in one language. A prompt without
 * placeholders is a single clip named after the prompt id; otherwise the fixed
 * fragments are numbered `<id>-1`, `<id>-2`... (`<id>-generic-1`... for the generic text).
 */
export function promptPlan(id: PromptId, variant: PromptVariant, language: Language): PlanItem[] {
  const definition = getPrompt(id);
  const source = variant === 'generic' ? definition.generic : definition.text;
  if (!source) throw new Error(`Prompt ${id} has no generic text.`);
  const segments = parsePromptText(source[language]);
  const base = variant === 'generic' ? `${id}-generic` : id;
  const whole = segments.length === 1 && segments[0]?.kind === 'text';
  const plan: PlanItem[] = [];
  let index = 0;
  for (const segment of segments) {
    if (segment.kind === 'slot') {
      plan.push(segment);
      continue;
    }
    const text = segment.text.trim();
    if (!SPEAKABLE.test(text)) continue;
    index += 1;
    plan.push({ kind: 'clip', name: whole ? base : `${base}-${index}`, text });
  }
  return plan;
}

export function minutesClipName(minutes: number): string {
  return `minutes-${minutes}`;
}

export function digitClipName(digit: string): string {
  return `digit-${digit}`;
}

export function advisorNameClipName(advisorId: number): string {
  return `advisor-${advisorId}-name`;
}

export function advisorSentenceClipName(advisorId: number, promptId: PromptId): string {
  return `advisor-${advisorId}-${promptId}`;
}

/** Recorded clips carry a version stamp, so a new take never overwrites the one in use. */
export function recordedClipName(advisorId: number, kind: RecordedKind, stamp: string): string {
  return `advisor-${advisorId}-rec-${kind}-${stamp}`;
}

/** Prompts rendered as a whole sentence per advisor: those naming only the advisor. */
export function isAdvisorSentencePrompt(id: PromptId): boolean {
  const names = placeholdersOf(getPrompt(id).text.zh);
  return names.length === 1 && names[0] === 'advisor';
}

/**
 * The wait announced to the caller: the smallest minutes clip not below the estimate
 * (never a shorter wait than the router computed), or null when it exceeds the
 * largest clip and no number should be promised.
 */
export function announceMinutes(minutes: number): number | null {
  if (!Number.isFinite(minutes) || minutes < 0) return null;
  const wanted = Math.max(1, Math.ceil(minutes));
  return MINUTE_VALUES.find((value) => value >= wanted) ?? null;
}

export function spokenName(person: PromptPerson, language: Language): string {
  const zh = person.nameZh.trim();
  const en = person.name.trim();
  return language === 'zh' ? zh || en : en || zh;
}

/** Every clip of the catalog in every language: fragments, minutes and digits. */
export function catalogClips(): ClipSpec[] {
  const clips = new Map<string, ClipSpec>();
  const add = (clip: ClipSpec) => clips.set(`${clip.language}/${clip.name}`, clip);
  for (const language of LANGUAGES) {
    for (const id of PROMPT_IDS) {
      const variants: PromptVariant[] = getPrompt(id).generic ? ['main', 'generic'] : ['main'];
      for (const variant of variants) {
        for (const item of promptPlan(id, variant, language)) {
          if (item.kind === 'clip') add({ language, name: item.name, text: item.text });
        }
      }
    }
    for (const minutes of MINUTE_VALUES) {
      add({ language, name: minutesClipName(minutes), text: minutesText(language, minutes) });
    }
    for (const digit of '0123456789') add({ language, name: digitClipName(digit), text: digitText(language, digit) });
  }
  return [...clips.values()];
}

/** One advisor's TTS clips: the name alone, and whole sentences for prompts naming only them. */
export function advisorClips(advisor: PromptPerson): ClipSpec[] {
  const clips: ClipSpec[] = [];
  for (const language of LANGUAGES) {
    const name = spokenName(advisor, language);
    if (!name) continue;
    clips.push({ language, name: advisorNameClipName(advisor.id), text: name });
    for (const id of PROMPT_IDS) {
      if (!isAdvisorSentencePrompt(id)) continue;
      const text = getPrompt(id).text[language].replaceAll('{advisor}', name);
      clips.push({ language, name: advisorSentenceClipName(advisor.id, id), text });
    }
  }
  return clips;
}
