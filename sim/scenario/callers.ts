// Callers dialling in from a trunk through the front IVR, and the handle a test
// holds to press keys, hang up, and wait for what the caller experiences.
import { EventEmitter } from 'node:events';
import type { Channel } from '../core/model.js';
import type { Box } from '../box.js';
import { keyDigits } from '../core/dtmf.js';
import { CAUSES } from '../core/protocol.js';

export interface CallOptions {
  /** Caller number as the trunk presents it. */
  from: string;
  name?: string;
  /** Dialled number (DID); the extension matched in `context`. */
  to?: string;
  context?: string;
  trunk?: string;
  /** One entry per IVR prompt: the keys pressed there ('' = no key). */
  keys?: string[];
  /** Hang up this long after dialling in (abandon or end of call). */
  hangupAfterMs?: number;
  /** Hang up this long after being bridged to someone. */
  talkMs?: number;
}

export const DEFAULTS = { context: 'cti-inbound', to: 's', trunk: 'trunk' } as const;

export class CallHandle extends EventEmitter {
  readonly playbacks: string[] = [];
  stasisArgs: string[] | undefined;
  stasisApp: string | undefined;
  /** Device of the party the caller was last bridged with (`PJSIP/1001`, `Local/1001@agents`). */
  bridgedTo: string | undefined;
  queue: string | undefined;
  ended = false;
  hangupCause: number | undefined;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly channel: Channel,
    private readonly box: Box,
  ) {
    super();
    this.setMaxListeners(50);
  }

  get id(): string {
    return this.channel.id;
  }

  /** The caller keys digits now (DTMF into the IVR or the Stasis app). */
  press(digits: string, gapMs = 120): void {
    keyDigits(this.box.pbx, this.channel, digits, gapMs, 0);
  }

  hangup(): void {
    if (!this.channel.hungup) this.box.tel.hangup(this.channel, CAUSES.normal, 'far');
  }

  later(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(fn, ms));
  }

  /** Resolves when `test` holds (checked now and after every change), rejects after `timeoutMs`. */
  waitFor<T>(what: string, test: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = test();
        if (v !== undefined && v !== false) {
          cleanup();
          resolve(v);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`caller ${this.channel.caller.num}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('change', check);
      };
      if (!check()) this.on('change', check);
    });
  }

  waitStasis(timeoutMs?: number): Promise<string[]> {
    return this.waitFor('Stasis', () => this.stasisArgs, timeoutMs);
  }

  waitBridged(timeoutMs?: number): Promise<string> {
    return this.waitFor('a bridge', () => this.bridgedTo, timeoutMs);
  }

  waitPlayback(match: string | RegExp, timeoutMs?: number): Promise<string> {
    const ok = (m: string) => (typeof match === 'string' ? m.includes(match) : match.test(m));
    return this.waitFor(`playback ${String(match)}`, () => this.playbacks.find(ok), timeoutMs);
  }

  waitQueued(timeoutMs?: number): Promise<string> {
    return this.waitFor('a queue', () => this.queue, timeoutMs);
  }

  waitHangup(timeoutMs?: number): Promise<number> {
    return this.waitFor('hang-up', () => (this.ended ? (this.hangupCause ?? 0) : undefined), timeoutMs);
  }

  /** @internal */
  changed(): void {
    this.emit('change');
  }

  /** @internal */
  ended_(cause: number): void {
    this.ended = true;
    this.hangupCause = cause;
    for (const t of this.timers) clearTimeout(t);
    this.changed();
  }
}

export function placeCall(box: Box, opts: CallOptions): CallHandle {
  const pbx = box.pbx;
  const trunk = opts.trunk ?? DEFAULTS.trunk;
  const device = `PJSIP/${trunk}`;
  const context = opts.context ?? DEFAULTS.context;
  const exten = opts.to ?? DEFAULTS.to;
  const ch = pbx.newChannel({
    name: `${device}-${pbx.ids.suffix()}`,
    device,
    context,
    exten,
    state: 'Ring',
    caller: { num: opts.from, name: opts.name ?? '' },
  });
  const handle = new CallHandle(ch, box);
  const keys = [...(opts.keys ?? [])];
  ch.scriptedInput = () => keys.shift();
  ch.onEvent = (e) => {
    if (e.type === 'playback') handle.playbacks.push(e.media);
    else if (e.type === 'stasis') {
      handle.stasisApp = e.app;
      handle.stasisArgs = e.args;
    } else if (e.type === 'queue') handle.queue = e.queue;
    else if (e.type === 'bridged') {
      handle.bridgedTo = e.peer.device;
      if (opts.talkMs !== undefined) handle.later(opts.talkMs, () => handle.hangup());
    }
    handle.changed();
  };
  ch.onDestroyed.push((cause) => handle.ended_(cause));
  if (opts.hangupAfterMs !== undefined) handle.later(opts.hangupAfterMs, () => handle.hangup());
  if (!box.runner.start(ch, context, exten)) {
    // No such extension: Asterisk rejects the call at once.
    setImmediate(() => box.tel.hangup(ch, 1, 'self'));
  }
  return handle;
}
