// Prompts and keys on the caller's channel: play to the end, play a menu and collect one
// key (barge-in, key timeout, one retry after "invalid key" / "no key"), collect a keyed
// number up to a terminator, and hold media (an optional prompt, then music on hold) that
// connecting an agent stops.
import type { PromptMedia, PromptRequest } from '../../prompts/builder.js';
import type { CallControl } from './call-control.js';
import { isGone } from './call-control.js';
import { CallerGoneError, deferred, unlessGone } from './inbound-call.js';
import type { InboundCall } from './inbound-call.js';

/** Where prompt media comes from (the PromptLibrary satisfies it). */
export interface PromptSource {
  media(request: PromptRequest): Promise<PromptMedia>;
}

export interface PromptPlayerOptions {
  control: CallControl;
  prompts: PromptSource;
  keyTimeoutMs: number;
  /** Menus are played this many extra times after an invalid key or silence. */
  retries: number;
  newId: (prefix: string) => string;
}

export interface MenuResult {
  /** The valid key pressed, or null when the caller gave none (the default applies). */
  key: string | null;
  /** Every key heard, valid or not, in order: for the trail. */
  heard: string[];
  /** How many times the menu was played. */
  plays: number;
}

export interface DigitEntry {
  /** The keys pressed before the terminator, the length limit or the timeout. */
  digits: string;
  /** True when the caller finished with the terminator key. */
  terminated: boolean;
}

export const MENU_PROMPTS = { invalidKey: 'invalid-key', noKey: 'no-key' } as const;

export class PromptPlayer {
  constructor(private readonly options: PromptPlayerOptions) {}

  /**
   * Plays a prompt to the end. With `bargeIn`, a key stops it and is returned. Rejects
   * CallerGoneError when the caller hangs up or the channel is already gone (404).
   */
  async play(call: InboundCall, request: PromptRequest, bargeIn = false): Promise<string | null> {
    const media = await this.options.prompts.media(request);
    return this.playMedia(call, media, bargeIn);
  }

  async playMedia(call: InboundCall, media: PromptMedia, bargeIn = false, stillWanted: () => boolean = () => true): Promise<string | null> {
    const { control } = this.options;
    if (call.gone) throw new CallerGoneError('caller hung up before the prompt');
    if (call.answering) await unlessGone(call.signal, call.answering);
    if (!stillWanted()) return null;
    if (call.holdMusic) {
      call.holdMusic = false;
      await control.stopMoh(call.channelId);
    }
    const playbackId = this.options.newId('pb');
    const finished = deferred<void>();
    let key: string | null = null;
    call.playbacks.set(playbackId, () => finished.resolve());
    call.activePlayback = playbackId;
    if (bargeIn) {
      call.keyListener = (digit) => {
        key ??= digit;
        finished.resolve();
        control.stopPlayback(playbackId).catch((err: unknown) => call.log.warn({ err }, 'could not stop the prompt after a key'));
      };
    }
    try {
      await unlessGone(call.signal, control.play(call.channelId, playbackId, media.media, media.language));
      await unlessGone(call.signal, finished.promise);
      return key;
    } catch (err) {
      if (isGone(err)) throw new CallerGoneError('channel gone before the prompt played');
      throw err;
    } finally {
      call.playbacks.delete(playbackId);
      if (call.activePlayback === playbackId) call.activePlayback = null;
      if (bargeIn) call.keyListener = null;
    }
  }

  /** Plays a menu and returns the chosen key; invalid keys and silence get one retry each round. */
  async menu(call: InboundCall, request: PromptRequest, keys: readonly string[]): Promise<MenuResult> {
    const media = await this.options.prompts.media(request);
    const heard: string[] = [];
    let plays = 0;
    for (let round = 0; round <= this.options.retries; round++) {
      plays++;
      const key = (await this.playMedia(call, media, true)) ?? (await this.waitKey(call));
      if (key !== null) heard.push(key);
      if (key !== null && keys.includes(key)) return { key, heard, plays };
      if (round === this.options.retries) break;
      await this.play(call, { promptId: key === null ? MENU_PROMPTS.noKey : MENU_PROMPTS.invalidKey, language: request.language });
    }
    return { key: null, heard, plays };
  }

  /**
   * Collects keys (a phone number) until `terminator`, `maxDigits` keys, or the key timeout
   * passes without a key (counted from the start, then from each key). Plays nothing.
   */
  async digits(call: InboundCall, options: { terminator: string; maxDigits: number }): Promise<DigitEntry> {
    const done = deferred<void>();
    let digits = '';
    let terminated = false;
    let timer = setTimeout(() => done.resolve(), this.options.keyTimeoutMs);
    call.keyListener = (digit) => {
      if (done.settled) return;
      clearTimeout(timer);
      if (digit === options.terminator) {
        terminated = true;
        done.resolve();
        return;
      }
      digits += digit;
      if (digits.length >= options.maxDigits) done.resolve();
      else timer = setTimeout(() => done.resolve(), this.options.keyTimeoutMs);
    };
    try {
      await unlessGone(call.signal, done.promise);
      return { digits, terminated };
    } finally {
      clearTimeout(timer);
      call.keyListener = null;
    }
  }

  private waitKey(call: InboundCall): Promise<string | null> {
    const got = deferred<string | null>();
    const timer = setTimeout(() => got.resolve(null), this.options.keyTimeoutMs);
    call.keyListener = (digit) => got.resolve(digit);
    return unlessGone(call.signal, got.promise).finally(() => {
      clearTimeout(timer);
      call.keyListener = null;
    });
  }

  /** Hold media in the background: the prompt (if any), then music on hold until cleared. */
  hold(call: InboundCall, request: PromptRequest | null): void {
    const generation = ++call.holdGeneration;
    const current = () => call.holdGeneration === generation && !call.gone;
    const run = async () => {
      if (call.answering) await call.answering;
      if (request) await this.playMedia(call, await this.options.prompts.media(request), false, current);
      if (!current() || call.holdMusic) return;
      call.holdMusic = true;
      await this.options.control.startMoh(call.channelId);
    };
    run().catch((err: unknown) => {
      if (err instanceof CallerGoneError || isGone(err)) return;
      call.log.warn({ err }, 'hold media failed; the caller may hear silence');
    });
  }

  /** Stops whatever the caller hears (prompt or music), before bridging or a new prompt. */
  async clearMedia(call: InboundCall): Promise<void> {
    call.holdGeneration++;
    const stops: Promise<boolean>[] = [];
    if (call.activePlayback) stops.push(this.options.control.stopPlayback(call.activePlayback));
    if (call.holdMusic) {
      call.holdMusic = false;
      stops.push(this.options.control.stopMoh(call.channelId));
    }
    await Promise.all(stops);
  }
}
