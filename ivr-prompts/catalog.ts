// The prompt catalog: every sentence a caller (or an advisor recording their own
// prompts) can hear, in each supported language, with named placeholders that are
// filled per call. Audio is generated from this file by `npm run prompts`.
//
// Placeholders: {advisor} and {delegate} are spoken names (a recorded or rendered
// clip per advisor), {minutes} is a bounded set of "N minutes" clips, {number} is a
// phone number read digit by digit.
import type { Language } from '../server/domain/model.js';

export const PLACEHOLDERS = ['advisor', 'delegate', 'minutes', 'number'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Placeholders filled with a person's name clip. */
export const PERSON_PLACEHOLDERS = ['advisor', 'delegate'] as const satisfies readonly Placeholder[];
export type PersonPlaceholder = (typeof PERSON_PLACEHOLDERS)[number];

/** What an advisor can record in their own voice. */
export const RECORDED_KINDS = ['name', 'greeting'] as const;
export type RecordedKind = (typeof RECORDED_KINDS)[number];

export type PromptText = Readonly<Record<Language, string>>;

export interface PromptDefinition {
  /** Who hears it and when: documentation for people editing the catalog. */
  readonly purpose: string;
  readonly text: PromptText;
  /**
   * Said instead of `text` when an advisor's name clip is not available (advisor
   * created but not yet rendered or recorded): the same sentence without names.
   */
  readonly generic?: PromptText;
  /** Played instead when the wait is longer than the largest minutes clip. */
  readonly noEstimate?: string;
  /** An advisor's own recording of this kind replaces the whole sentence. */
  readonly recordedSentence?: RecordedKind;
}

const CATALOG = {
  welcome: {
    purpose: 'Front IVR: first thing a caller hears; the dialplan plays zh then en.',
    text: { zh: '您好，欢迎致电会员服务中心。', en: 'Welcome to member services.' },
  },
  'language-menu': {
    purpose: 'Front IVR: language choice; the dialplan plays the zh line then the en line.',
    text: { zh: '普通话服务请按1。', en: 'For English, press 2.' },
  },
  'service-menu': {
    purpose: 'Front IVR: service choice after the language menu.',
    text: {
      zh: '订购产品请按1，产品咨询请按2，售后服务请按3，输入会员号请按9。',
      en: 'For orders, press 1. For product advice, press 2. For after-sales service, press 3. To enter your member number, press 9.',
    },
  },
  'member-number-entry': {
    purpose: 'Front IVR: after 9, key the member number.',
    text: {
      zh: '请输入您的会员号，以井号键结束。',
      en: 'Please key your member number, then press the hash key.',
    },
  },
  'owner-busy-choices': {
    purpose: 'Own advisor logged in but busy, with a wait estimate; offers wait, callback, next available.',
    text: {
      zh: '您的专属顾问{advisor}正在通话中，预计等待约{minutes}。继续等待{advisor}请按1，请{advisor}稍后回电请按2，转接其他顾问请按3。',
      en: 'Your advisor {advisor} is on another call, about {minutes}. Press 1 to keep waiting for {advisor}, 2 for a callback from {advisor}, 3 for the next available advisor.',
    },
    generic: {
      zh: '您的专属顾问正在通话中，预计等待约{minutes}。继续等待请按1，请顾问稍后回电请按2，转接其他顾问请按3。',
      en: 'Your advisor is on another call, about {minutes}. Press 1 to keep waiting, 2 for a callback from your advisor, 3 for the next available advisor.',
    },
    noEstimate: 'owner-busy-no-estimate',
  },
  'owner-busy-no-estimate': {
    purpose: 'Own advisor busy and no reliable wait estimate (or longer than the largest minutes clip).',
    text: {
      zh: '您的专属顾问{advisor}正在通话中。继续等待{advisor}请按1，请{advisor}稍后回电请按2，转接其他顾问请按3。',
      en: 'Your advisor {advisor} is on another call. Press 1 to keep waiting for {advisor}, 2 for a callback from {advisor}, 3 for the next available advisor.',
    },
    generic: {
      zh: '您的专属顾问正在通话中。继续等待请按1，请顾问稍后回电请按2，转接其他顾问请按3。',
      en: 'Your advisor is on another call. Press 1 to keep waiting, 2 for a callback from your advisor, 3 for the next available advisor.',
    },
  },
  'owner-away': {
    purpose: 'Own advisor absent today: the call goes to the named delegate.',
    text: { zh: '{advisor}今天不在，由{delegate}为您服务。', en: '{advisor} is away today; {delegate} is standing in.' },
    generic: {
      zh: '您的专属顾问今天不在，由代理顾问为您服务。',
      en: 'Your advisor is away today; a stand-in advisor will help you.',
    },
  },
  'please-hold': {
    purpose: 'Short hold message before music on hold.',
    text: { zh: '请稍候。', en: 'Please hold.' },
  },
  connecting: {
    purpose: 'The caller is about to be connected to a named advisor (own, delegate or callback).',
    text: { zh: '请稍候，正在为您转接{advisor}。', en: 'Please hold, connecting you to {advisor}.' },
    generic: { zh: '请稍候，正在为您转接顾问。', en: 'Please hold, connecting you to an advisor.' },
    recordedSentence: 'greeting',
  },
  'connecting-next-available': {
    purpose: 'The caller chose (or fell through to) the next available advisor.',
    text: {
      zh: '好的，正在为您转接下一位可用的顾问，请稍候。',
      en: 'Connecting you to the next available advisor, please hold.',
    },
  },
  'still-waiting': {
    purpose: 'Periodic reassurance while waiting in the pool.',
    text: {
      zh: '感谢您的耐心等待，我们会尽快为您接通。',
      en: 'Thank you for waiting. We will be with you as soon as we can.',
    },
  },
  'still-waiting-owner': {
    purpose: 'Periodic reassurance while waiting for the own advisor (choice 1).',
    text: {
      zh: '{advisor}仍在通话中，感谢您的耐心等待。',
      en: '{advisor} is still on a call. Thank you for waiting.',
    },
    generic: {
      zh: '您的专属顾问仍在通话中，感谢您的耐心等待。',
      en: 'Your advisor is still on a call. Thank you for waiting.',
    },
  },
  'expected-wait': {
    purpose: 'Announces the expected wait as the router rounded it.',
    text: { zh: '预计等待约{minutes}。', en: 'Your expected wait is about {minutes}.' },
    noEstimate: 'expected-wait-long',
  },
  'expected-wait-long': {
    purpose: 'The wait is longer than the largest minutes clip: no number is promised.',
    text: { zh: '当前等待时间较长。', en: 'The wait is longer than usual right now.' },
  },
  'peak-callback-offer': {
    purpose: 'Peak time: keep waiting or be called back keeping the place in the queue.',
    text: {
      zh: '当前来电较多。继续等待请按1；挂机等待回电并保留您的排队位置请按2。',
      en: 'We are busier than usual. Press 1 to keep waiting, or 2 to be called back; you keep your place in the queue.',
    },
  },
  'callback-number-menu': {
    purpose: 'Which number to call back: 1 the calling number, 2 then another number ended by #.',
    text: {
      zh: '回电至您现在的来电号码请按1；如需使用其他号码请按2，然后输入号码并以井号键结束。',
      en: 'To be called back on the number you are calling from, press 1. To use another number, press 2, then key it and finish with the hash key.',
    },
  },
  'number-confirmed': {
    purpose: 'Reads back the callback number.',
    text: { zh: '好的，我们将回电至{number}。', en: 'Thank you. We will call you back on {number}.' },
  },
  'callback-confirmed': {
    purpose: 'Callback from the own advisor is booked; ends the call.',
    text: {
      zh: '{advisor}会在空闲后第一时间给您回电。感谢您的来电，再见。',
      en: '{advisor} will call you back as soon as possible. Thank you for calling, goodbye.',
    },
    generic: {
      zh: '您的专属顾问会在空闲后第一时间给您回电。感谢您的来电，再见。',
      en: 'Your advisor will call you back as soon as possible. Thank you for calling, goodbye.',
    },
  },
  'callback-confirmed-queue': {
    purpose: 'Peak-time callback booked with the caller keeping their place; ends the call.',
    text: {
      zh: '您的排队位置已为您保留，轮到您时我们会给您回电。感谢您的来电，再见。',
      en: 'Your place in the queue is kept, and we will call you back when it is your turn. Thank you for calling, goodbye.',
    },
  },
  'invalid-key': {
    purpose: 'A key that is not one of the choices.',
    text: { zh: '对不起，您的输入有误。', en: 'Sorry, that is not one of the choices.' },
  },
  'no-key': {
    purpose: 'No key heard before the timeout.',
    text: { zh: '对不起，我们没有收到您的按键。', en: 'Sorry, we did not hear a key.' },
  },
  goodbye: {
    purpose: 'Closing line.',
    text: { zh: '感谢您的来电，再见。', en: 'Thank you for calling, goodbye.' },
  },
  'all-busy': {
    purpose: 'Every eligible advisor is busy.',
    text: {
      zh: '所有顾问都在忙，请不要挂机，我们会尽快为您接通。',
      en: 'All our advisors are busy right now. Please stay on the line.',
    },
  },
  fallback: {
    purpose: 'Dialplan, CTI server unreachable: the call goes to the fallback queue.',
    text: {
      zh: '感谢您的来电，正在为您转接下一位可用的顾问，请稍候。',
      en: 'Thank you for calling. We are putting you through to the next available advisor, please hold.',
    },
  },
  'fallback-closed': {
    purpose: 'Dialplan, CTI server unreachable and nobody in the fallback queue: orderly hang-up.',
    text: {
      zh: '很抱歉，现在没有顾问可以接听您的电话，请稍后再拨。感谢您的来电，再见。',
      en: 'We are sorry, no advisor can take your call right now. Please call again later. Thank you for calling, goodbye.',
    },
  },
  'record-name-instructions': {
    purpose: 'Advisor self-recording: their name, used wherever callers hear it.',
    text: {
      zh: '请在提示音后说出您的名字，说完请按井号键。',
      en: 'After the tone, say your name, then press the hash key.',
    },
  },
  'record-greeting-instructions': {
    purpose: 'Advisor self-recording: the greeting callers hear while being connected to them.',
    text: {
      zh: '请在提示音后录制您的问候语，说完请按井号键。',
      en: 'After the tone, record your greeting, then press the hash key.',
    },
  },
  'record-review': {
    purpose: 'Advisor self-recording: keep or redo.',
    text: { zh: '保留录音请按1，重新录制请按2。', en: 'Press 1 to keep this recording, or 2 to record again.' },
  },
  'record-saved': {
    purpose: 'Advisor self-recording: confirmation.',
    text: { zh: '录音已保存。', en: 'Your recording is saved.' },
  },
} as const satisfies Record<string, PromptDefinition>;

export type PromptId = keyof typeof CATALOG;

export const PROMPT_IDS = Object.keys(CATALOG) as PromptId[];

export function isPromptId(value: string): value is PromptId {
  return Object.hasOwn(CATALOG, value);
}

export function getPrompt(id: PromptId): PromptDefinition {
  return CATALOG[id];
}

/** Spoken forms of the values the minutes clips cover (the router rounds; see announceMinutes). */
export const MINUTE_VALUES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30] as const;

export function minutesText(language: Language, minutes: number): string {
  if (language === 'zh') return `${minutes}分钟`;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** Phone numbers are read digit by digit; Mandarin says 幺 for 1 in numbers. */
export function digitText(language: Language, digit: string): string {
  if (language === 'zh') return digit === '1' ? '幺' : digit;
  return digit;
}

export type PromptSegment = { kind: 'text'; text: string } | { kind: 'slot'; name: Placeholder };

/** Splits a catalog text into fixed text and placeholders; an unknown placeholder is an error. */
export function parsePromptText(text: string): PromptSegment[] {
  const segments: PromptSegment[] = [];
  const pattern = /\{([^{}]*)\}/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const name = match[1] ?? '';
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new Error(`Unknown placeholder {${name}} in "${text}": use one of ${PLACEHOLDERS.join(', ')}.`);
    }
    if (match.index > last) segments.push({ kind: 'text', text: text.slice(last, match.index) });
    segments.push({ kind: 'slot', name: name as Placeholder });
    last = match.index + match[0].length;
  }
  if (last < text.length) segments.push({ kind: 'text', text: text.slice(last) });
  return segments;
}

/** The distinct placeholders a text uses, sorted. */
export function placeholdersOf(text: string): Placeholder[] {
  const names = new Set<Placeholder>();
  for (const segment of parsePromptText(text)) if (segment.kind === 'slot') names.add(segment.name);
  return [...names].sort();
}
