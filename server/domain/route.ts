// route(): where one live call goes at one moment. The call flow builds a snapshot
// from presence, the member record and what already happened on this call, and
// re-asks after every event (no answer, owner freed, max wait passed, key pressed).
import { announceWait } from './expected-wait.js';
import type { WaitAnnouncement, WaitEstimate } from './expected-wait.js';
import { describePresence, foldPresence } from './presence.js';
import type { BusyCause, PresenceVerdict } from './presence.js';
import { minimumTierFor, tierFits } from './tiers.js';
import type { TierRules } from './tiers.js';
import type { Advisor, AdvisorPresence, AdvisorTier, Member, RouteReason } from './model.js';

export const OWNER_CHOICES = ['wait', 'callback', 'next'] as const;
export type OwnerChoice = (typeof OWNER_CHOICES)[number];

export const PEAK_CHOICES = ['wait', 'callback'] as const;
export type PeakChoice = (typeof PEAK_CHOICES)[number];

export interface AdvisorState {
  advisor: Advisor;
  presence: AdvisorPresence | null;
}

/**
 * The pool for one caller's level at one moment. The router keeps it up to date as
 * presence changes instead of handing route() the whole floor; floorForRoute() derives
 * the same from a list of every advisor.
 */
export interface PoolCandidates {
  /** Active advisors whose tier may serve this caller, in directory order. */
  eligibleIds: readonly number[];
  /** Those of them available at the snapshot's `now`, in any order. */
  available: readonly AdvisorState[];
}

export interface TriedAdvisor {
  advisorId: number;
  outcome: 'no-answer' | 'rejected';
}

/** Same names as `Config['routing']`, plus the tier rules. */
export interface RouteSettings {
  ringTimeoutMs: number;
  ownerMaxWaitMs: number;
  defaultChoice: OwnerChoice;
  peakWaitThresholdMs: number;
  /** Off: pure tier + longest idle, ignoring owner and delegates (benchmark baseline). */
  affinity: boolean;
  tierRules: TierRules;
}

export interface RouteSnapshot {
  now: number;
  /** Null for an unknown caller. */
  member: Member | null;
  owner: Advisor | null;
  /** The owner's delegates, in the order they stand in. */
  delegates: readonly Advisor[];
  /** Presence of the owner and the delegates by advisor id; one missing here is absent (no presence). */
  presences: ReadonlyMap<number, AdvisorPresence>;
  /** The pool this caller may be served from. */
  pool: PoolCandidates;
  /** Advisors already rung on this call who did not take it. */
  tried: readonly TriedAdvisor[];
  /** The caller waited for the owner up to the max wait. */
  ownerWaitTimedOut: boolean;
  /** Key pressed (or default applied) at the owner prompt; null before the prompt. */
  ownerChoice: OwnerChoice | null;
  /** Answer to the peak-time callback offer; null before the offer. */
  peakChoice: PeakChoice | null;
  expectedWaits: { byAdvisor: ReadonlyMap<number, WaitEstimate>; pool: WaitEstimate };
  settings: RouteSettings;
}

export interface SkippedAdvisor {
  advisorId: number;
  name: string;
  why: string;
}

/** The delegate prompt: "Alice is away today, Bob is standing in". */
export interface StandInPrompt {
  ownerId: number;
  ownerName: string;
  ownerNameZh: string;
  delegateId: number;
  delegateName: string;
  delegateNameZh: string;
  /** Why the owner is not taking it: absent today, did not answer, max wait passed, caller chose next. */
  ownerStatus: 'absent' | 'no-answer' | 'max-wait' | 'caller-chose-next';
}

interface DecisionBase {
  reason: RouteReason;
  explanation: string;
  skipped: readonly SkippedAdvisor[];
}

export type RouteDecision =
  | (DecisionBase & {
      kind: 'ring-advisor';
      advisorId: number;
      advisorName: string;
      ringTimeoutMs: number;
      /** Set when a delegate stands in for the owner. */
      standIn: StandInPrompt | null;
    })
  | (DecisionBase & {
      kind: 'offer-owner-choice';
      reason: 'own-advisor';
      ownerId: number;
      ownerName: string;
      ownerNameZh: string;
      ownerBusy: BusyCause;
      ownerExpectedWait: WaitEstimate;
      announcement: WaitAnnouncement;
      choices: readonly OwnerChoice[];
      defaultChoice: OwnerChoice;
    })
  | (DecisionBase & { kind: 'wait-for-owner'; reason: 'own-advisor'; ownerId: number; maxWaitMs: number })
  | (DecisionBase & {
      kind: 'create-callback';
      callbackReason: 'requested' | 'peak-offer';
      /** Who the callback belongs to first (the owner), null for pool callbacks. */
      preferredAdvisorId: number | null;
    })
  | (DecisionBase & {
      kind: 'offer-peak-callback';
      poolExpectedWait: WaitEstimate;
      announcement: WaitAnnouncement;
      preferredAdvisorId: number | null;
    })
  | (DecisionBase & {
      kind: 'wait-in-pool';
      minimumTier: AdvisorTier;
      poolExpectedWait: WaitEstimate;
      /** Advisors whose becoming free should trigger a re-route. */
      eligibleAdvisorIds: readonly number[];
    });

export type RouteDecisionKind = RouteDecision['kind'];

interface Context {
  snapshot: RouteSnapshot;
  skipped: SkippedAdvisor[];
  triedIds: ReadonlySet<number>;
}

function verdictFor(ctx: Context, advisor: Advisor): PresenceVerdict {
  if (!advisor.active) return { availability: 'absent', cause: 'logged-out' };
  return foldPresence(ctx.snapshot.presences.get(advisor.id) ?? null, ctx.snapshot.now);
}

function skip(ctx: Context, advisor: Advisor, why: string): void {
  ctx.skipped.push({ advisorId: advisor.id, name: advisor.name, why });
}

/** Why the owner is passed over; reached only when the owner is absent or already passed. */
function ownerStatusOf(s: RouteSnapshot, ownerTried: boolean): StandInPrompt['ownerStatus'] {
  if (ownerTried) return 'no-answer';
  if (s.ownerWaitTimedOut) return 'max-wait';
  if (s.ownerChoice === 'next') return 'caller-chose-next';
  return 'absent';
}

const STAND_IN_TEXT: Record<StandInPrompt['ownerStatus'], string> = {
  absent: 'away today',
  'no-answer': 'did not answer',
  'max-wait': 'still busy after the max wait',
  'caller-chose-next': 'busy, caller chose the next advisor',
};

/** First available delegate in order; busy, absent and already-tried ones are skipped. */
function tryDelegates(ctx: Context, owner: Advisor, ownerStatus: StandInPrompt['ownerStatus']): RouteDecision | null {
  const s = ctx.snapshot;
  for (const delegate of s.delegates) {
    if (delegate.id === owner.id) continue;
    if (ctx.triedIds.has(delegate.id)) {
      skip(ctx, delegate, 'already tried on this call');
      continue;
    }
    const verdict = verdictFor(ctx, delegate);
    if (verdict.availability !== 'available') {
      skip(ctx, delegate, describePresence(verdict));
      continue;
    }
    return {
      kind: 'ring-advisor',
      reason: 'delegate',
      advisorId: delegate.id,
      advisorName: delegate.name,
      ringTimeoutMs: s.settings.ringTimeoutMs,
      standIn: {
        ownerId: owner.id,
        ownerName: owner.name,
        ownerNameZh: owner.nameZh,
        delegateId: delegate.id,
        delegateName: delegate.name,
        delegateNameZh: delegate.nameZh,
        ownerStatus,
      },
      skipped: ctx.skipped,
      explanation: `owner ${owner.name} ${STAND_IN_TEXT[ownerStatus]}, ringing delegate ${delegate.name}${skippedText(ctx)}`,
    };
  }
  return null;
}

function skippedText(ctx: Context): string {
  if (ctx.skipped.length === 0) return '';
  return ` (skipped ${ctx.skipped.map((k) => `${k.name}: ${k.why}`).join('; ')})`;
}

/**
 * The longest idle of the available pool advisors not yet tried (an advisor with no idle
 * time recorded counts as idle since now; ties by id), and how many there were. One pass,
 * no sort: this runs on every routing question against the whole free floor.
 */
function longestIdle(ctx: Context): { chosen: AdvisorState | undefined; availableCount: number } {
  const { snapshot: s, triedIds } = ctx;
  let chosen: AdvisorState | undefined;
  let chosenIdle = 0;
  let availableCount = 0;
  for (const c of s.pool.available) {
    if (triedIds.has(c.advisor.id)) continue;
    availableCount += 1;
    const idle = c.presence?.idleSince ?? s.now;
    if (!chosen || idle < chosenIdle || (idle === chosenIdle && c.advisor.id < chosen.advisor.id)) {
      chosen = c;
      chosenIdle = idle;
    }
  }
  return { chosen, availableCount };
}

function poolStep(ctx: Context): RouteDecision {
  const s = ctx.snapshot;
  const level = s.member?.level ?? null;
  const reason: RouteReason = s.member ? 'pool' : 'unknown-caller';
  const minimumTier = minimumTierFor(level, s.settings.tierRules);
  const who = s.member ? `member ${s.member.memberNo} (${s.member.level}, ${minimumTier} tier or above)` : 'unknown caller (any tier)';
  const { chosen, availableCount } = longestIdle(ctx);
  if (chosen) {
    // In the pool the owner or a delegate may still come out first; keep the true reason.
    const relation: RouteReason =
      s.owner && chosen.advisor.id === s.owner.id
        ? 'own-advisor'
        : s.member && s.delegates.some((d) => d.id === chosen.advisor.id)
          ? 'delegate'
          : reason;
    return {
      kind: 'ring-advisor',
      reason: relation,
      advisorId: chosen.advisor.id,
      advisorName: chosen.advisor.name,
      ringTimeoutMs: s.settings.ringTimeoutMs,
      standIn: null,
      skipped: ctx.skipped,
      explanation: `${who}: ringing ${chosen.advisor.name}, idle longest of ${availableCount} available${skippedText(ctx)}`,
    };
  }
  const poolWait = s.expectedWaits.pool;
  const preferredAdvisorId = s.settings.affinity ? (s.owner?.id ?? null) : null;
  if (s.peakChoice === 'callback') {
    return {
      kind: 'create-callback',
      reason,
      callbackReason: 'peak-offer',
      preferredAdvisorId,
      skipped: ctx.skipped,
      explanation: `${who}: nobody available, caller accepted the peak-time callback`,
    };
  }
  const overThreshold = poolWait.known ? poolWait.ms > s.settings.peakWaitThresholdMs : poolWait.reason === 'no-agents';
  if (overThreshold && s.peakChoice === null) {
    return {
      kind: 'offer-peak-callback',
      reason,
      poolExpectedWait: poolWait,
      announcement: announceWait(poolWait),
      preferredAdvisorId,
      skipped: ctx.skipped,
      explanation: `${who}: nobody available and expected wait ${poolWait.known ? `${Math.round(poolWait.ms / 1000)}s` : 'unbounded (no eligible advisor logged in)'} exceeds the peak threshold ${Math.round(s.settings.peakWaitThresholdMs / 1000)}s, offered a callback`,
    };
  }
  const eligibleAdvisorIds = s.pool.eligibleIds.filter((id) => !ctx.triedIds.has(id));
  return {
    kind: 'wait-in-pool',
    reason,
    minimumTier,
    poolExpectedWait: poolWait,
    eligibleAdvisorIds,
    skipped: ctx.skipped,
    explanation: `${who}: nobody available among ${eligibleAdvisorIds.length} eligible, waiting in the pool queue (${poolWait.explanation})${skippedText(ctx)}`,
  };
}

function ownerStep(ctx: Context, owner: Advisor, verdict: PresenceVerdict): RouteDecision | null {
  const s = ctx.snapshot;
  if (verdict.availability === 'available') {
    return {
      kind: 'ring-advisor',
      reason: 'own-advisor',
      advisorId: owner.id,
      advisorName: owner.name,
      ringTimeoutMs: s.settings.ringTimeoutMs,
      standIn: null,
      skipped: ctx.skipped,
      explanation: `owner ${owner.name} available, ringing`,
    };
  }
  if (verdict.availability === 'absent') return null;
  const state = describePresence(verdict);
  switch (s.ownerChoice) {
    case null: {
      const wait = s.expectedWaits.byAdvisor.get(owner.id) ?? {
        known: false,
        reason: 'too-few-samples',
        explanation: 'no estimate supplied for the owner',
      };
      const announcement = announceWait(wait);
      return {
        kind: 'offer-owner-choice',
        reason: 'own-advisor',
        ownerId: owner.id,
        ownerName: owner.name,
        ownerNameZh: owner.nameZh,
        ownerBusy: verdict.cause,
        ownerExpectedWait: wait,
        announcement,
        choices: OWNER_CHOICES,
        defaultChoice: s.settings.defaultChoice,
        skipped: ctx.skipped,
        explanation: `owner ${owner.name} busy (${state}), offered wait/callback/next (expected wait ${announcement.text}, default ${s.settings.defaultChoice})`,
      };
    }
    case 'wait':
      return {
        kind: 'wait-for-owner',
        reason: 'own-advisor',
        ownerId: owner.id,
        maxWaitMs: s.settings.ownerMaxWaitMs,
        skipped: ctx.skipped,
        explanation: `owner ${owner.name} busy (${state}), caller waits for them up to ${Math.round(s.settings.ownerMaxWaitMs / 1000)}s`,
      };
    case 'callback':
      return {
        kind: 'create-callback',
        reason: 'own-advisor',
        callbackReason: 'requested',
        preferredAdvisorId: owner.id,
        skipped: ctx.skipped,
        explanation: `owner ${owner.name} busy (${state}), caller asked for a callback from them`,
      };
    case 'next':
      return null;
  }
}

/**
 * Order: owner (ring / prompt / wait / callback) -> delegates in order -> pool by tier
 * and longest idle -> pool queue with a peak-time callback offer. An owner who did not
 * answer, whose max wait passed, or whom the caller passed over ("next") is skipped;
 * "next" still tries the delegates first, since they are the member's named stand-ins.
 */
export function route(snapshot: RouteSnapshot): RouteDecision {
  const ctx: Context = {
    snapshot,
    skipped: [],
    triedIds: new Set(snapshot.tried.map((t) => t.advisorId)),
  };
  const { member, owner } = snapshot;
  if (!member || !owner || !snapshot.settings.affinity) return poolStep(ctx);

  const ownerVerdict = verdictFor(ctx, owner);
  const ownerTried = ctx.triedIds.has(owner.id);
  const ownerPassed = ownerTried || snapshot.ownerWaitTimedOut || snapshot.ownerChoice === 'next';
  if (!ownerPassed) {
    const decision = ownerStep(ctx, owner, ownerVerdict);
    if (decision) return decision;
  }
  const why = ownerTried ? 'did not answer' : snapshot.ownerWaitTimedOut ? 'max wait passed' : snapshot.ownerChoice === 'next' ? 'caller chose next' : describePresence(ownerVerdict);
  skip(ctx, owner, why);
  const delegate = tryDelegates(ctx, owner, ownerStatusOf(snapshot, ownerTried));
  return delegate ?? poolStep(ctx);
}

/**
 * The snapshot's `presences` and `pool` for a caller of `level`, from every advisor on the
 * floor (directory order) with their presence: the reference for what the router keeps
 * incrementally, and the way to build a snapshot from a plain list.
 */
export function floorForRoute(
  advisors: readonly AdvisorState[],
  level: Member['level'] | null,
  tierRules: TierRules,
  now: number,
): Pick<RouteSnapshot, 'presences' | 'pool'> {
  const presences = new Map<number, AdvisorPresence>();
  const eligibleIds: number[] = [];
  const available: AdvisorState[] = [];
  for (const c of advisors) {
    if (c.presence) presences.set(c.advisor.id, c.presence);
    if (!c.advisor.active || !tierFits(c.advisor.tier, level, tierRules)) continue;
    eligibleIds.push(c.advisor.id);
    if (foldPresence(c.presence, now).availability === 'available') available.push(c);
  }
  return { presences, pool: { eligibleIds, available } };
}
