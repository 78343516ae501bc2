// One inbound call as the call flow holds it: identity, explicit state, what routing has
// tried so far, the reason trail, and the live pieces (agent leg, bridge, playbacks,
// key listener). Behaviour lives in the modules that drive it; this file keeps the data
// and the small invariants (the trail, the abort signal).
import type { TriedAdvisor } from '../../domain/route.js';
import type { OwnerChoice, PeakChoice } from '../../domain/route.js';
import type { Language, RouteReason, RouteStep } from '../../domain/model.js';
import type { Logger } from '../../shared/logger.js';
import type { RoutingContext } from '../../routing/router.js';
import { UNKNOWN_CALLER } from '../../routing/router.js';
import { CallState } from './call-state.js';
import type { IvrResult } from './events.js';

/** Thrown into every wait of a call whose caller is gone; ends the call's script. */
export class CallerGoneError extends Error {
  constructor(readonly why: string) {
    super(`caller gone: ${why}`);
    this.name = 'CallerGoneError';
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  settled: boolean;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((r) => (resolve = r)),
    resolve: (value) => {
      if (d.settled) return;
      d.settled = true;
      resolve(value);
    },
    settled: false,
  };
  return d;
}

/** Resolves with the promise, or rejects CallerGoneError as soon as the call's signal aborts. */
export function unlessGone<T>(signal: AbortSignal, promise: Promise<T>): Promise<T> {
  if (signal.aborted) {
    // Nobody awaits the action any more: its own failure (e.g. 404, the channel is gone) must not go unhandled.
    promise.catch(() => undefined);
    return Promise.reject(new CallerGoneError(String(signal.reason)));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CallerGoneError(String(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

export const LEG_OUTCOMES = ['answered', 'no-answer', 'busy', 'rejected', 'failed'] as const;
export type LegOutcome = (typeof LEG_OUTCOMES)[number];

/** One originated channel towards an advisor. */
export interface AgentLeg {
  channelId: string;
  advisorId: number;
  reason: RouteReason;
  reasonText: string;
  attempt: number;
  startedAt: number;
  /** Last `dialstatus` seen for the leg (BUSY, RINGING...). */
  dialStatus: string;
  /** How ringing ended. */
  outcome: Deferred<LegOutcome>;
  /** After answer: the agent side hung up. */
  hungUp: Deferred<void>;
  /** The channel is gone from Asterisk. */
  destroyed: boolean;
  /** The originate never reached Asterisk (link down): not the advisor's fault. */
  unreachable?: boolean;
}

export interface CallProgressState {
  tried: TriedAdvisor[];
  ownerWaitTimedOut: boolean;
  ownerChoice: OwnerChoice | null;
  peakChoice: PeakChoice | null;
}

export interface InboundCallInit {
  node: string;
  channelId: string;
  callerNumber: string;
  channelUp: boolean;
  ivr: IvrResult;
  now: number;
  log: Logger;
  clock: () => number;
}

export class InboundCall {
  readonly callId: string;
  readonly node: string;
  readonly channelId: string;
  readonly callerNumber: string;
  readonly ivr: IvrResult;
  readonly startedAt: number;
  readonly state: CallState;
  readonly progress: CallProgressState = { tried: [], ownerWaitTimedOut: false, ownerChoice: null, peakChoice: null };
  readonly trail: RouteStep[] = [];
  /** Playback id -> resolver, for PlaybackFinished. */
  readonly playbacks = new Map<string, () => void>();
  channelUp: boolean;
  /** The answer request, when the channel entered Stasis not yet Up: awaited before media or bridging. */
  answering: Promise<void> | null = null;
  /** The routing step under way, finished with its outcome. */
  pendingStep: { at: number; step: string; reason: RouteReason | null; advisorId: number | null; detail: string } | null = null;
  language: Language = 'zh';
  context: RoutingContext = UNKNOWN_CALLER;
  log: Logger;
  leg: AgentLeg | null = null;
  legCount = 0;
  /** The last ring could not reach Asterisk; how many such rings in a row. */
  lastLegUnreachable = false;
  unreachableRetries = 0;
  bridgeId: string | null = null;
  bridgeReady: Promise<void> | null = null;
  /** The last bridge creation failed (Asterisk unreachable): make it again before bridging. */
  bridgeFailed = false;
  /** Music on hold running on the caller channel. */
  holdMusic = false;
  /** Bumped whenever hold media is started or cleared, so a late background step knows it is stale. */
  holdGeneration = 0;
  /** The playback currently running on the caller, if any (stopped when connecting). */
  activePlayback: string | null = null;
  /** Where a key pressed now goes; null when no menu listens. */
  keyListener: ((digit: string) => void) | null = null;
  answered: { advisorId: number; at: number; reason: RouteReason; reasonText: string } | null = null;
  callbackId: number | null = null;
  storedId: number | null = null;
  /** Set when Asterisk lost the call while we were away (resync). */
  lost = false;
  /** Set when this server stopped driving the call (node handed over, shutdown): whoever takes the node resumes it. */
  released = false;
  private readonly abortController = new AbortController();

  constructor(init: InboundCallInit) {
    this.node = init.node;
    this.channelId = init.channelId;
    this.callId = `${init.node}:${init.channelId}`;
    this.callerNumber = init.callerNumber;
    this.ivr = init.ivr;
    this.channelUp = init.channelUp;
    this.startedAt = init.now;
    this.log = init.log;
    this.state = new CallState(this.log, init.clock);
  }

  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  get gone(): boolean {
    return this.abortController.signal.aborted;
  }

  /** The caller hung up (or Asterisk lost the channel): every wait of the call rejects. */
  markGone(why: string): void {
    if (!this.gone) this.abortController.abort(why);
  }

  /** This server lets go of the call without ending it: its waits reject and the script stops, touching nothing. */
  release(why: string): void {
    this.released = true;
    this.markGone(why);
  }

  /** The member's first-call time is this call's start: callbacks keep it as their place. */
  get firstCallAt(): number {
    return this.startedAt;
  }

  identify(context: RoutingContext, language: Language, log: Logger): void {
    this.context = context;
    this.language = language;
    this.log = log;
  }

  /** Adds a finished step to the trail and returns it. */
  addStep(step: Omit<RouteStep, 'at'>, at: number): RouteStep {
    const full: RouteStep = { at: new Date(at).toISOString(), ...step };
    this.trail.push(full);
    return full;
  }

  beginStep(step: string, reason: RouteReason | null, advisorId: number | null, detail: string, at: number): void {
    this.pendingStep = { at, step, reason, advisorId, detail };
  }

  /** Finishes the step under way with its outcome; null when none was under way. */
  endStep(outcome: string): RouteStep | null {
    const pending = this.pendingStep;
    if (!pending) return null;
    this.pendingStep = null;
    const { at, ...rest } = pending;
    return this.addStep({ ...rest, outcome }, at);
  }

  /** The reason of the call as stored: who finally took it, else the last routing reason. */
  get reason(): RouteReason | null {
    if (this.answered) return this.answered.reason;
    for (let i = this.trail.length - 1; i >= 0; i--) {
      const reason = this.trail[i]!.reason;
      if (reason) return reason;
    }
    return null;
  }
}
