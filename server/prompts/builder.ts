// Which media to play for a prompt: a pure decision over the inventory of clips.
// Precedence, best first:
//   1. the advisor's own recording of the whole sentence (the greeting, for `connecting`);
//   2. a whole TTS sentence rendered for this advisor, unless they recorded their name
//      (their voice beats the synthesiser);
//   3. the catalog fragments around per-advisor name clips (recorded name, else TTS name);
//   4. the generic sentence without names, when a name clip is missing.
import type { Language } from '../domain/model.js';
import { getPrompt, isPromptId, type Placeholder, type PromptId } from '../../ivr-prompts/catalog.js';
import {
  advisorNameClipName,
  advisorSentenceClipName,
  announceMinutes,
  digitClipName,
  isAdvisorSentencePrompt,
  minutesClipName,
  promptPlan,
  type PromptPerson,
  type PromptVariant,
} from '../../ivr-prompts/clips.js';
import { PromptValueError } from './errors.js';
import type { PromptInventory } from './inventory.js';
import { promptMediaUri, type PromptMediaLocation } from './media.js';
import { assertPromptPerson } from './values.js';

export interface PromptValues {
  advisor?: PromptPerson;
  delegate?: PromptPerson;
  /** Expected wait as the router rounded it; null or absent = no reliable estimate. */
  minutes?: number | null;
  /** Digits of a phone number to read back. */
  number?: string;
}

export interface PromptRequest {
  promptId: PromptId;
  language: Language;
  values?: PromptValues;
}

export const MEDIA_SOURCES = [
  'catalog',
  'generic',
  'tts-name',
  'recorded-name',
  'tts-sentence',
  'recorded-sentence',
  'minutes',
  'digit',
] as const;
export type MediaSource = (typeof MEDIA_SOURCES)[number];

export interface PromptPart {
  uri: string;
  clip: string;
  source: MediaSource;
}

export interface PromptMedia {
  /** The prompt actually played: differs from the request when there was no wait estimate. */
  promptId: PromptId;
  language: Language;
  /** Ordered media URIs for one ARI `play` (it accepts several `media`). */
  media: string[];
  parts: PromptPart[];
  /** The minutes the caller is told, or null when no number is said. */
  announcedMinutes: number | null;
}

export interface PromptContext {
  location: PromptMediaLocation;
  inventory: PromptInventory;
}

type Clip = { clip: string; source: MediaSource };

function nameClip(person: PromptPerson, language: Language, inventory: PromptInventory): Clip | null {
  const recorded = inventory.recordedClip(person.id, 'name', language);
  if (recorded) return { clip: recorded, source: 'recorded-name' };
  const tts = advisorNameClipName(person.id);
  return inventory.hasClip(language, tts) ? { clip: tts, source: 'tts-name' } : null;
}

function wholeSentence(id: PromptId, language: Language, advisor: PromptPerson | undefined, inventory: PromptInventory): Clip | null {
  if (!advisor) return null;
  const kind = getPrompt(id).recordedSentence;
  const recorded = kind ? inventory.recordedClip(advisor.id, kind, language) : null;
  if (recorded) return { clip: recorded, source: 'recorded-sentence' };
  if (!isAdvisorSentencePrompt(id) || inventory.recordedClip(advisor.id, 'name', language)) return null;
  const tts = advisorSentenceClipName(advisor.id, id);
  return inventory.hasClip(language, tts) ? { clip: tts, source: 'tts-sentence' } : null;
}

function requireValues(id: PromptId, variant: PromptVariant, language: Language, values: PromptValues): void {
  for (const item of promptPlan(id, variant, language)) {
    if (item.kind !== 'slot') continue;
    if (item.name === 'advisor' || item.name === 'delegate') assertPromptPerson(values[item.name], item.name);
    if (item.name === 'number' && !/^\d{1,20}$/.test(values.number ?? '')) {
      throw new PromptValueError(`Prompt ${id} reads back a number: pass 1 to 20 digits, got "${values.number ?? ''}".`);
    }
  }
}

function composed(
  id: PromptId,
  variant: PromptVariant,
  language: Language,
  values: PromptValues,
  minutes: number | null,
  inventory: PromptInventory,
): Clip[] | null {
  const clips: Clip[] = [];
  const fixed: MediaSource = variant === 'generic' ? 'generic' : 'catalog';
  for (const item of promptPlan(id, variant, language)) {
    if (item.kind === 'clip') {
      clips.push({ clip: item.name, source: fixed });
      continue;
    }
    const slot: Placeholder = item.name;
    if (slot === 'advisor' || slot === 'delegate') {
      const person = nameClip(values[slot]!, language, inventory);
      if (!person) return null;
      clips.push(person);
    } else if (slot === 'minutes') {
      clips.push({ clip: minutesClipName(minutes!), source: 'minutes' });
    } else {
      for (const digit of values.number!) clips.push({ clip: digitClipName(digit), source: 'digit' });
    }
  }
  return clips;
}

/** The media to play for one prompt in one language, filled with this call's values. */
export function buildPromptMedia(request: PromptRequest, context: PromptContext): PromptMedia {
  const { language } = request;
  const values = request.values ?? {};
  if (!isPromptId(request.promptId)) throw new PromptValueError(`Unknown prompt id "${String(request.promptId)}".`);
  if (language !== 'zh' && language !== 'en') throw new PromptValueError(`Unknown prompt language "${String(language)}".`);
  if (values.minutes !== undefined && values.minutes !== null && !Number.isFinite(values.minutes)) {
    throw new PromptValueError(`minutes must be a number, got ${String(values.minutes)}.`);
  }

  let promptId = request.promptId;
  let minutes: number | null = null;
  if (promptPlan(promptId, 'main', language).some((item) => item.kind === 'slot' && item.name === 'minutes')) {
    minutes = values.minutes == null ? null : announceMinutes(values.minutes);
    if (minutes === null) {
      const fallback = getPrompt(promptId).noEstimate;
      if (!fallback || !isPromptId(fallback)) throw new PromptValueError(`Prompt ${promptId} needs minutes between 0 and 30.`);
      promptId = fallback;
    }
  }
  requireValues(promptId, 'main', language, values);

  const sentence = wholeSentence(promptId, language, values.advisor, context.inventory);
  let clips = sentence ? [sentence] : composed(promptId, 'main', language, values, minutes, context.inventory);
  if (!clips) {
    if (!getPrompt(promptId).generic) throw new PromptValueError(`Prompt ${promptId} has no generic text to say without names.`);
    clips = composed(promptId, 'generic', language, values, minutes, context.inventory)!;
  }
  const parts = clips.map(({ clip, source }) => ({ clip, source, uri: promptMediaUri(context.location, language, clip) }));
  return {
    promptId,
    language,
    media: parts.map((part) => part.uri),
    parts,
    announcedMinutes: parts.some((part) => part.source === 'minutes') ? minutes : null,
  };
}
