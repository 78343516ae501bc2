// The dispatcher's pick: which piece of work a free advisor takes next. Callbacks and
// live callers share one line ordered by first-call time (fair virtual hold: a callback
// neither jumps ahead of earlier callers nor falls behind later ones).
import { callbackEligibilityFor } from './callback-ladder.js';
import type { LadderSettings, TeamView } from './callback-ladder.js';
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

interface Work {
  orderAt: number;
  priority: number;
  tie: number;
  pick: Extract<DispatchPick, { kind: 'dial-callback' | 'serve-live-caller' }>;
}

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
  const work: Work[] = [];
  const later: number[] = [];
  const held = { notDue: 0, paced: 0, notEligible: 0 };
  for (const { callback, memberLevel, pacing } of candidates) {
    if (callback.state !== 'pending') continue;
    const dueAt = Date.parse(callback.dueAt);
    const eligibility = callbackEligibilityFor(advisor, callback, memberLevel, team, now, settings);
    if (!eligibility.eligible) {
      held.notEligible += 1;
      if (eligibility.eligibleFrom !== null) later.push(eligibility.eligibleFrom);
      continue;
    }
    if (Number.isFinite(dueAt) && dueAt > now) {
      held.notDue += 1;
      later.push(dueAt);
      continue;
    }
    if (!pacing.allowed) {
      held.paced += 1;
      if (pacing.notBefore !== null) later.push(pacing.notBefore);
      continue;
    }
    const firstCall = Date.parse(callback.firstCallAt);
    work.push({
      orderAt: (Number.isFinite(firstCall) ? firstCall : now) - callback.priority * settings.priorityBoostMs,
      priority: callback.priority,
      tie: 1,
      pick: {
        kind: 'dial-callback',
        callbackId: callback.id,
        reason: eligibility.reason,
        assigned: eligibility.stage === 'assigned',
        explanation: `callback ${callback.id} (${callback.reason}, first call ${callback.firstCallAt}) for ${advisor.name}: ${eligibility.explanation}`,
      },
    });
  }
  for (const caller of liveWaiting) {
    if (!liveEligible(advisor, caller, settings)) continue;
    work.push({
      orderAt: caller.firstCallAt,
      priority: 0,
      // A caller on the line goes before a callback with the very same first-call time.
      tie: 0,
      pick: {
        kind: 'serve-live-caller',
        callId: caller.callId,
        explanation: `live caller ${caller.callId} waiting since ${new Date(caller.firstCallAt).toISOString()} (${caller.waitingFor.kind})`,
      },
    });
  }
  work.sort((a, b) => a.orderAt - b.orderAt || a.tie - b.tie || b.priority - a.priority || idOf(a) - idOf(b));
  const first = work[0];
  if (first) {
    return { ...first.pick, explanation: `${first.pick.explanation}; oldest first call of ${work.length} eligible` };
  }
  const nextCheckAt = later.length > 0 ? Math.max(now, later.reduce((min, t) => Math.min(min, t))) : null;
  return {
    kind: 'nothing',
    reason: 'no-eligible-work',
    nextCheckAt,
    explanation: `nothing for ${advisor.name}: ${held.notDue} not due, ${held.paced} held by pacing, ${held.notEligible} not theirs yet`,
  };
}

function idOf(w: Work): number {
  return w.pick.kind === 'dial-callback' ? w.pick.callbackId : 0;
}

/**
 * How many more callback dials may start now: dials in progress never exceed the
 * advisors free for callbacks (each dial reaches its agent first). Bad counts read as 0.
 */
export function maxConcurrentCallbackDials(freeAdvisors: number, dialsInProgress: number): number {
  const count = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
  return Math.max(0, count(freeAdvisors) - count(dialsInProgress));
}
