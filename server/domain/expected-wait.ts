// Expected waits, for one advisor (what the owner prompt announces) and for the pool
// (what decides the peak-time callback offer). Both say "cannot say" rather than
// promise a number the data does not support.
import { foldPresence } from './presence.js';
import type { AdvisorPresence } from './model.js';

export type WaitConfidence = 'low' | 'medium' | 'high';

export const UNKNOWN_WAIT_REASONS = [
  'absent',
  'not-ready',
  'too-few-samples',
  'past-typical',
  'call-start-unknown',
  'open-ended-wrap-up',
  'no-agents',
  'no-handle-time',
] as const;
export type UnknownWaitReason = (typeof UNKNOWN_WAIT_REASONS)[number];

export type WaitEstimate =
  | { known: true; ms: number; confidence: WaitConfidence; method: string; explanation: string }
  | { known: false; reason: UnknownWaitReason; explanation: string };

export interface AdvisorWaitSettings {
  /** Fewer recent calls than this (longer than the current one) and we cannot say. */
  minSamples: number;
  /** Below this share of recent calls lasting longer than the current one, the call is "far past typical". */
  minShareLonger: number;
  /** Expected wrap-up after a call, added to a call's remaining time. */
  wrapUpMs: number;
}

export const DEFAULT_ADVISOR_WAIT_SETTINGS: AdvisorWaitSettings = { minSamples: 5, minShareLonger: 0.1, wrapUpMs: 30_000 };

export interface AdvisorWaitInput {
  presence: AdvisorPresence | null;
  /** Durations (ms) of the advisor's recent handled calls, any order. */
  recentHandleTimesMs: readonly number[];
  now: number;
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function confidenceFor(samples: number, minSamples: number): WaitConfidence {
  if (samples >= Math.max(minSamples * 4, 20)) return 'high';
  if (samples >= Math.max(minSamples * 2, 10)) return 'medium';
  return 'low';
}

const minutes = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;

/**
 * Remaining time of a call already `ageMs` old: the median of recent calls that lasted
 * longer than `ageMs`, minus `ageMs` (the expected handle time given what has elapsed),
 * plus wrap-up. Calls already longer than almost all recent calls get "cannot say".
 */
function remainingCall(ageMs: number, handleTimes: readonly number[], settings: AdvisorWaitSettings, what: string): WaitEstimate {
  const valid = handleTimes.filter((d) => Number.isFinite(d) && d > 0);
  if (valid.length < settings.minSamples) {
    return {
      known: false,
      reason: 'too-few-samples',
      explanation: `${what}: only ${valid.length} recent call(s), need ${settings.minSamples} to estimate`,
    };
  }
  const longer = valid.filter((d) => d > ageMs).sort((a, b) => a - b);
  if (longer.length < settings.minSamples || longer.length / valid.length < settings.minShareLonger) {
    return {
      known: false,
      reason: 'past-typical',
      explanation: `${what}: call already ${minutes(ageMs)} old, longer than ${valid.length - longer.length} of ${valid.length} recent calls`,
    };
  }
  const ms = Math.round(median(longer) - ageMs + settings.wrapUpMs);
  return {
    known: true,
    ms,
    confidence: confidenceFor(longer.length, settings.minSamples),
    method: 'conditional-median',
    explanation: `${what}: call ${minutes(ageMs)} old, median of ${longer.length} longer recent calls leaves ${minutes(ms)} incl. wrap-up`,
  };
}

/** When will this advisor be free? Zero if available now. */
export function advisorExpectedWait(
  input: AdvisorWaitInput,
  settings: AdvisorWaitSettings = DEFAULT_ADVISOR_WAIT_SETTINGS,
): WaitEstimate {
  const { presence, now } = input;
  const verdict = foldPresence(presence, now);
  if (verdict.availability === 'available') {
    return { known: true, ms: 0, confidence: 'high', method: 'available', explanation: 'advisor is free now' };
  }
  if (verdict.availability === 'absent') {
    return { known: false, reason: 'absent', explanation: 'advisor is absent' };
  }
  switch (verdict.cause) {
    case 'not-ready':
      return { known: false, reason: 'not-ready', explanation: 'advisor is not ready; no end time is known' };
    case 'wrap-up': {
      if (presence?.wrapUpUntil == null) {
        return { known: false, reason: 'open-ended-wrap-up', explanation: 'advisor is in wrap-up with no end time' };
      }
      const ms = Math.max(0, presence.wrapUpUntil - now);
      return { known: true, ms, confidence: 'high', method: 'wrap-up-remaining', explanation: `wrap-up ends in ${minutes(ms)}` };
    }
    case 'ringing':
      return remainingCall(0, input.recentHandleTimesMs, settings, 'advisor is ringing');
    case 'on-call': {
      if (presence?.currentCallSince == null) {
        return { known: false, reason: 'call-start-unknown', explanation: 'advisor is on a call of unknown start' };
      }
      return remainingCall(Math.max(0, now - presence.currentCallSince), input.recentHandleTimesMs, settings, 'advisor on a call');
    }
  }
}

export interface PoolWaitInput {
  /** Callers queued ahead of this one for the same eligible advisors. */
  callersAhead: number;
  /** Eligible advisors logged in and serving (available or busy, not absent). */
  staffedAgents: number;
  /** Of those, how many are free right now. */
  freeAgents: number;
  /** Average handle time (talk + wrap-up) in ms, or null when unknown. */
  averageHandleMs: number | null;
}

/**
 * Position-in-queue estimate (not full Erlang C, which needs an arrival rate we do not
 * keep per tier): with every agent busy, agents free up on average every AHT / n, so
 * the k-th caller to be served waits about k x AHT / n, where k counts this caller and
 * those ahead beyond the free agents. Confidence drops with fewer agents (more variance).
 */
export function poolExpectedWait(input: PoolWaitInput): WaitEstimate {
  const ahead = Math.max(0, Math.floor(input.callersAhead));
  const staffed = Math.max(0, Math.floor(input.staffedAgents));
  const free = Math.max(0, Math.min(staffed, Math.floor(input.freeAgents)));
  if (staffed === 0) {
    return { known: false, reason: 'no-agents', explanation: 'no eligible advisor is logged in' };
  }
  if (free > ahead) {
    return { known: true, ms: 0, confidence: 'high', method: 'free-agent', explanation: `${free} eligible advisor(s) free, ${ahead} caller(s) ahead` };
  }
  if (input.averageHandleMs === null || !Number.isFinite(input.averageHandleMs) || input.averageHandleMs <= 0) {
    return { known: false, reason: 'no-handle-time', explanation: 'no average handle time known for the pool' };
  }
  const position = ahead + 1 - free;
  const ms = Math.round((position * input.averageHandleMs) / staffed);
  const confidence: WaitConfidence = staffed >= 10 ? 'high' : staffed >= 3 ? 'medium' : 'low';
  return {
    known: true,
    ms,
    confidence,
    method: 'queue-position',
    explanation: `${ahead} caller(s) ahead, ${staffed} eligible advisor(s) staffed, AHT ${minutes(input.averageHandleMs)}: about ${minutes(ms)}`,
  };
}

export type WaitAnnouncement = { sayable: true; minutes: number; text: string } | { sayable: false; minutes: null; text: string };

/** Above this, we only say "more than an hour": nobody can promise a precise long wait. */
const ANNOUNCE_CAP_MINUTES = 60;

/**
 * What a prompt may say: whole minutes rounded up (at least 1), in 5-minute steps above
 * 10, "more than an hour" beyond 60, and "cannot say" when the estimate is unknown.
 */
export function announceWait(estimate: WaitEstimate): WaitAnnouncement {
  if (!estimate.known) return { sayable: false, minutes: null, text: 'cannot say' };
  let whole = Math.max(1, Math.ceil(estimate.ms / 60_000));
  if (whole > 10) whole = Math.ceil(whole / 5) * 5;
  if (whole > ANNOUNCE_CAP_MINUTES) return { sayable: true, minutes: ANNOUNCE_CAP_MINUTES, text: 'more than an hour' };
  return { sayable: true, minutes: whole, text: `about ${whole} minute${whole === 1 ? '' : 's'}` };
}
