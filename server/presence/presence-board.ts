// One live view per advisor: what the desktop says (logged in, ready, not ready,
// wrap-up) combined with what Asterisk says of the phone. Routing, the dispatcher
// and the wallboard all read it; changes are events.
import { EventEmitter } from 'node:events';
import type { AdvisorPresence, DesktopState, PhoneState } from '../domain/model.js';

export interface PresenceChange {
  previous: AdvisorPresence;
  current: AdvisorPresence;
  cause: string;
}

export interface PresenceBoardOptions {
  now: () => number;
  wrapUpMs: number;
  /** How many recent handle times to keep per advisor for expected-wait estimates. */
  handleTimeSamples?: number;
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
  clearTimer?: (handle: unknown) => void;
}

export class InvalidStateRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateRequestError';
  }
}

interface Entry {
  presence: AdvisorPresence;
  handleTimes: number[];
  wrapUpTimer: unknown;
}

export class PresenceBoard extends EventEmitter<{ change: [PresenceChange]; 'handle-time': [advisorId: number] }> {
  private readonly entries = new Map<number, Entry>();
  private rosterVersion = 0;
  private readonly setTimer: NonNullable<PresenceBoardOptions['setTimer']>;
  private readonly clearTimer: NonNullable<PresenceBoardOptions['clearTimer']>;

  constructor(private readonly options: PresenceBoardOptions) {
    super();
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  }

  /** Registers an advisor (at start-up or when created); unknown phones start unavailable. */
  track(advisorId: number, phone: PhoneState = 'unavailable'): void {
    if (this.entries.has(advisorId)) return;
    this.entries.set(advisorId, {
      presence: {
        advisorId,
        desktop: 'logged-out',
        notReadyReason: null,
        markedAbsent: false,
        phone,
        idleSince: null,
        currentCallSince: null,
        wrapUpUntil: null,
      },
      handleTimes: [],
      wrapUpTimer: null,
    });
    this.rosterVersion += 1;
  }

  forget(advisorId: number): void {
    const entry = this.entries.get(advisorId);
    if (entry?.wrapUpTimer) this.clearTimer(entry.wrapUpTimer);
    if (this.entries.delete(advisorId)) this.rosterVersion += 1;
  }

  /**
   * Bumped when an advisor is tracked or forgotten, which emits no event: whoever keeps
   * figures from the `change` and `handle-time` events rebuilds them when it moves.
   */
  get roster(): number {
    return this.rosterVersion;
  }

  /** The live presence: replaced on every change, never mutated, so it may be held without a copy. */
  get(advisorId: number): AdvisorPresence | undefined {
    return this.entries.get(advisorId)?.presence;
  }

  /** A copy of every advisor's presence: the wallboard's and the dispatcher's view. */
  snapshot(): Map<number, AdvisorPresence> {
    const out = new Map<number, AdvisorPresence>();
    for (const [id, entry] of this.entries) out.set(id, { ...entry.presence });
    return out;
  }

  recentHandleTimes(advisorId: number): readonly number[] {
    return this.entries.get(advisorId)?.handleTimes ?? [];
  }

  recordHandleTime(advisorId: number, ms: number): void {
    const entry = this.entries.get(advisorId);
    if (!entry || !(ms > 0)) return;
    entry.handleTimes.push(ms);
    const keep = this.options.handleTimeSamples ?? 20;
    if (entry.handleTimes.length > keep) entry.handleTimes.splice(0, entry.handleTimes.length - keep);
    this.emit('handle-time', advisorId);
  }

  desktopConnected(advisorId: number): void {
    const entry = this.require(advisorId);
    if (entry.presence.desktop !== 'logged-out') return;
    this.update(entry, { desktop: 'not-ready', notReadyReason: 'just signed in' }, 'desktop connected');
  }

  desktopDisconnected(advisorId: number): void {
    const entry = this.require(advisorId);
    this.cancelWrapUp(entry);
    this.update(entry, { desktop: 'logged-out', notReadyReason: null, wrapUpUntil: null }, 'desktop disconnected');
  }

  /** What the agent asks for on the desktop. */
  requestState(advisorId: number, state: Exclude<DesktopState, 'logged-out'>, reason?: string): void {
    const entry = this.require(advisorId);
    if (entry.presence.desktop === 'logged-out') {
      throw new InvalidStateRequestError('Open the desktop (sign in) before changing state.');
    }
    this.cancelWrapUp(entry);
    if (state === 'not-ready') {
      this.update(entry, { desktop: 'not-ready', notReadyReason: reason?.trim() || 'not ready', wrapUpUntil: null }, 'agent request');
    } else if (state === 'wrap-up') {
      this.startWrapUp(entry, 'agent request');
    } else {
      this.update(entry, { desktop: 'ready', notReadyReason: null, wrapUpUntil: null }, 'agent request');
    }
  }

  markAbsent(advisorId: number, absent: boolean): void {
    this.update(this.require(advisorId), { markedAbsent: absent }, absent ? 'marked absent' : 'absence cleared');
  }

  /** What Asterisk says of the phone. A call ending puts a ready agent into wrap-up. */
  phoneState(advisorId: number, phone: PhoneState): void {
    const entry = this.require(advisorId);
    const before = entry.presence.phone;
    if (before === phone) return;
    const now = this.options.now();
    const patch: Partial<AdvisorPresence> = { phone };
    if (phone === 'in-use' && before !== 'in-use') patch.currentCallSince = now;
    if (phone !== 'in-use') patch.currentCallSince = null;
    this.update(entry, patch, `phone ${phone}`);
    if (before === 'in-use' && phone === 'idle' && entry.presence.desktop === 'ready' && this.options.wrapUpMs > 0) {
      this.startWrapUp(entry, 'call ended');
    }
  }

  private startWrapUp(entry: Entry, cause: string): void {
    const until = this.options.now() + this.options.wrapUpMs;
    this.update(entry, { desktop: 'wrap-up', notReadyReason: null, wrapUpUntil: until }, cause);
    const timer = this.setTimer(() => {
      entry.wrapUpTimer = null;
      if (entry.presence.desktop === 'wrap-up') {
        this.update(entry, { desktop: 'ready', wrapUpUntil: null }, 'wrap-up ended');
      }
    }, this.options.wrapUpMs);
    timer.unref?.();
    entry.wrapUpTimer = timer;
  }

  private cancelWrapUp(entry: Entry): void {
    if (entry.wrapUpTimer) this.clearTimer(entry.wrapUpTimer);
    entry.wrapUpTimer = null;
  }

  private require(advisorId: number): Entry {
    const entry = this.entries.get(advisorId);
    if (!entry) throw new InvalidStateRequestError(`Advisor ${advisorId} is not known to this server.`);
    return entry;
  }

  private update(entry: Entry, patch: Partial<AdvisorPresence>, cause: string): void {
    const previous = entry.presence;
    const next: AdvisorPresence = { ...previous, ...patch };
    const becameIdleReady = next.desktop === 'ready' && next.phone === 'idle' && !next.markedAbsent;
    const wasIdleReady = previous.desktop === 'ready' && previous.phone === 'idle' && !previous.markedAbsent;
    if (becameIdleReady && !wasIdleReady) next.idleSince = this.options.now();
    if (!becameIdleReady) next.idleSince = null;
    const changed = (Object.keys(next) as (keyof AdvisorPresence)[]).some((k) => next[k] !== previous[k]);
    if (!changed) return;
    entry.presence = next;
    this.emit('change', { previous, current: next, cause });
  }
}
