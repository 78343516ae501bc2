// Which number a callback goes to. The caller presses 1 for the number they are calling
// from, or 2 and then keys another number ended by #. Silence, a keyed number that is not
// a phone number (after one retry), a failing prompt or a hang-up all fall back to the
// calling number: a caller who asked for a callback never loses it over the number.
import { normalizePhone } from '../../domain/phone.js';
import type { PromptRequest } from '../../prompts/builder.js';
import type { InboundCall } from './inbound-call.js';
import { CallerGoneError } from './inbound-call.js';
import type { PromptPlayer } from './prompt-player.js';
import { MENU_PROMPTS } from './prompt-player.js';

export const CALLBACK_NUMBER_KEYS = { callingNumber: '1', otherNumber: '2' } as const;
export const CALLBACK_NUMBER_PROMPTS = { menu: 'callback-number-menu', confirmed: 'number-confirmed' } as const;
export const NUMBER_TERMINATOR = '#';
/** E.164 holds at most 15 digits; room for an international 00 prefix and a trunk 0. */
const MAX_KEYED_DIGITS = 18;
/** A keyed number that is not usable may be keyed once more. */
const KEYED_NUMBER_RETRIES = 1;

export interface CallbackNumberChoice {
  /** What to book: E.164 digits when usable, else the calling number as presented. */
  number: string;
  keyed: boolean;
  /** For the trail: how the number was chosen (never the number itself). */
  how: string;
  /** The digits to read back to the caller, or null when there is nothing sayable. */
  readBack: string | null;
}

export interface CallbackNumberOptions {
  player: PromptPlayer;
  /** Country calling code for national numbers (CTI_DEFAULT_COUNTRY). */
  defaultCountry: string;
}

/** Asks for the callback number. Never throws: every failure means the calling number. */
export async function askCallbackNumber(call: InboundCall, options: CallbackNumberOptions): Promise<CallbackNumberChoice> {
  const { player, defaultCountry } = options;
  const calling = normalizePhone(call.callerNumber, { defaultCountry });
  const callingNumber = (how: string): CallbackNumberChoice => ({
    number: calling.ok ? calling.phone : call.callerNumber,
    keyed: false,
    how: `${how}: calling number`,
    readBack: calling.ok ? nationalDigits(calling.phone, defaultCountry) : null,
  });
  const menu: PromptRequest = { promptId: CALLBACK_NUMBER_PROMPTS.menu, language: call.language };
  try {
    for (let round = 0; ; round++) {
      const choice = await player.menu(call, menu, Object.values(CALLBACK_NUMBER_KEYS));
      if (choice.key === null) return callingNumber('no valid key');
      if (choice.key === CALLBACK_NUMBER_KEYS.callingNumber) return callingNumber(`key ${choice.key}`);
      const entry = await player.digits(call, { terminator: NUMBER_TERMINATOR, maxDigits: MAX_KEYED_DIGITS });
      const keyed = normalizePhone(entry.digits, { defaultCountry });
      if (keyed.ok) return { number: keyed.phone, keyed: true, how: `key ${choice.key}: keyed number`, readBack: entry.digits };
      const problem = entry.digits === '' ? 'no number keyed' : `keyed number not usable (${keyed.reason})`;
      if (round >= KEYED_NUMBER_RETRIES) return callingNumber(problem);
      await player.play(call, { promptId: entry.digits === '' ? MENU_PROMPTS.noKey : MENU_PROMPTS.invalidKey, language: call.language });
    }
  } catch (err) {
    if (err instanceof CallerGoneError) return callingNumber('caller hung up while choosing');
    call.log.warn({ err }, 'asking for the callback number failed; booking the calling number');
    return callingNumber('number prompt failed');
  }
}

/** The number as the caller knows it: without our own country code. */
function nationalDigits(phone: string, defaultCountry: string): string {
  return phone.startsWith(defaultCountry) && phone.length > defaultCountry.length ? phone.slice(defaultCountry.length) : phone;
}
