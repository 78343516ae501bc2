// The dispatcher's pick: which piece of work a free advisor takes next. Callbacks and
// live callers share one line ordered by first-call time (fair virtual hold: a callback
// neither jumps ahead of earlier callers nor falls behind later ones).
import { callbackEligibilityFor, callbackEligibilityVerdict } from './callback-ladder.js';
import type { CallbackEligibilityVerdict, LadderSettings, TeamView } from './callback-ladder.js';
import type { PacingDecision } from './pacing.js';
import { describePresence, foldPresence } from './presence.js';
import { tierFits } from './tiers.js';
import type { Advisor, AdvisorPresence, Callback, MemberLevel } from './model.js';

export interface DispatchSettings extends LadderSettings {
  /**
   * Each priority point moves a callback ahead as if its first call had been this much
   * earlier (priority 2 with 15 min = 30 min earlier). Priority 0 changes nothing.
   */
  priorityBoostMs: number;
}

export const DEFAULT_PRIORITY_BOOST_MS = 15 * 60_000;

export interface CallbackCandidate {
  callback: Callback;
  memberLevel: MemberLevel | null;
  /** Pacing decided for this callback at `now` (see pacingDecision). */
  pacing: PacingDecision;
}

/** A caller on the line now, waiting for an advisor (from the call flow's wait decisions). */
export interface LiveCaller {
  callId: string;
  /** Epoch ms of the caller's first call (this call, or an earlier one they are continuing). */
  firstCallAt: number;
  memberLevel: MemberLevel | null;
  /** Waiting for the owner only (wait-for-owner) or for anyone eligible (wait-in-pool). */
  waitingFor: { kind: 'owner'; advisorId: number } | { kind: 'pool' };
  /** Advisors who already did not answer this call. */
  triedAdvisorIds: readonly number[];
}

export type DispatchPick =
  | {
      kind: 'dial-callback';
      callbackId: number;
      reason: 'own-advisor' | 'delegate' | 'pool';
      /** True when a supervisor assigned it to this advisor. */
      assigned: boolean;
      explanation: string;
    }
  | { kind: 'serve-live-caller'; callId: string; explanation: string }
  | {
      kind: 'nothing';
      reason: 'advisor-not-available' | 'no-eligible-work';
      /** Earliest instant something known becomes due, paced-in or eligible for this advisor. */
      nextCheckAt: number | null;
      explanation: string;
    };

/** A place on the one line: earlier `orderAt` first, a live caller before a callback, then higher priority, then lower id. */
interface Place {
  orderAt: number;
  tie: number;
  priority: number;
  id: number;
}

function before(a: Place, b: Place): boolean {
  return (a.orderAt - b.orderAt || a.tie - b.tie || b.priority - a.priority || a.id - b.id) < 0;
}

type EligibleVerdict = Extract<CallbackEligibilityVerdict, { eligible: true }>;

function liveEligible(advisor: Advisor, caller: LiveCaller, settings: DispatchSettings): boolean {
  if (caller.triedAdvisorIds.includes(advisor.id)) return false;
  if (caller.waitingFor.kind === 'owner') return caller.waitingFor.advisorId === advisor.id;
  return tierFits(advisor.tier, caller.memberLevel, settings.tierRules);
}

export function pickForAdvisor(
  advisor: Advisor,
  presence: AdvisorPresence | null,
  candidates: readonly CallbackCandidate[],
  liveWaiting: readonly LiveCaller[],
  now: number,
  settings: DispatchSettings,
  team: TeamView,
): DispatchPick {
  const verdict = foldPresence(presence, now);
  if (!advisor.active || verdict.availability !== 'available') {
    return {
      kind: 'nothing',
      reason: 'advisor-not-available',
      nextCheckAt: null,
      explanation: `${advisor.name} is ${advisor.active ? describePresence(verdict) : 'no longer active'}`,
    };
  }
  // One pass keeps the first place on the line; only the work picked is put into words.
  let eligibleCount = 0;
  let best: { place: Place; callback: { candidate: CallbackCandidate; eligibility: EligibleVerdict } | null; caller: LiveCaller | null } | null = null;
  let nextAt = Infinity;
  const held = { notDue: 0, paced: 0, notEligible: 0 };
  for (const candidate of candidates) {
    const { callback, memberLevel, pacing } = candidate;
    if (callback.state !== 'pending') continue;
    const dueAt = Date.parse(callback.dueAt);
    const eligibility = callbackEligibilityVerdict(advisor, callback, memberLevel, team, now, settings);
    if (!eligibility.eligible) {
      held.notEligible += 1;
      if (eligibility.eligibleFrom !== null) nextAt = Math.min(nextAt, eligibility.eligibleFrom);
      continue;
    }
    if (Number.isFinite(dueAt) && dueAt > now) {
      held.notDue += 1;
      nextAt = Math.min(nextAt, dueAt);
      continue;
    }
    if (!pacing.allowed) {
      held.paced += 1;
      if (pacing.notBefore !== null) nextAt = Math.min(nextAt, pacing.notBefore);
      continue;
    }
    eligibleCount += 1;
    const firstCall = Date.parse(callback.firstCallAt);
    const place = { orderAt: (Number.isFinite(firstCall) ? firstCall : now) - callback.priority * settings.priorityBoostMs, tie: 1, priority: callback.priority, id: callback.id };
    if (!best || before(place, best.place)) best = { place, callback: { candidate, eligibility }, caller: null };
  }
  for (const caller of liveWaiting) {
    if (!liveEligible(advisor, caller, settings)) continue;
    eligibleCount += 1;
    // A caller on the line goes before a callback with the very same first-call time.
    const place = { orderAt: caller.firstCallAt, tie: 0, priority: 0, id: 0 };
    if (!best || before(place, best.place)) best = { place, callback: null, caller };
  }
  const ofAll = `oldest first call of ${eligibleCount} eligible`;
  if (best?.caller) {
    const { caller } = best;
    return {
      kind: 'serve-live-caller',
      callId: caller.callId,
      explanation: `live caller ${caller.callId} waiting since ${new Date(caller.firstCallAt).toISOString()} (${caller.waitingFor.kind}); ${ofAll}`,
    };
  }
  if (best?.callback) {
    const { candidate, eligibility } = best.callback;
    const { callback, memberLevel } = candidate;
    const why = callbackEligibilityFor(advisor, callback, memberLevel, team, now, settings).explanation;
    return {
      kind: 'dial-callback',
      callbackId: callback.id,
      reason: eligibility.reason,
      assigned: eligibility.stage === 'assigned',
      explanation: `callback ${callback.id} (${callback.reason}, first call ${callback.firstCallAt}) for ${advisor.name}: ${why}; ${ofAll}`,
    };
  }
  const nextCheckAt = nextAt === Infinity ? null : Math.max(now, nextAt);
  return {
    kind: 'nothing',
    reason: 'no-eligible-work',
    nextCheckAt,
    explanation: `nothing for ${advisor.name}: ${held.notDue} not due, ${held.paced} held by pacing, ${held.notEligible} not theirs yet`,
  };
}

/**
 * How many more callback dials may start now: dials in progress never exceed the
 * advisors free for callbacks (each dial reaches its agent first). Bad counts read as 0.
 */
export function maxConcurrentCallbackDials(freeAdvisors: number, dialsInProgress: number): number {
  const count = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
  return Math.max(0, count(freeAdvisors) - count(dialsInProgress));
}
