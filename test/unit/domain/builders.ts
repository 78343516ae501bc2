// Named builders with defaults for domain tests: each test states only what matters.
import type { Advisor, AdvisorPresence, Callback, Member } from '../../../server/domain/model.js';
import { floorForRoute } from '../../../server/domain/route.js';
import type { AdvisorState, RouteSettings, RouteSnapshot } from '../../../server/domain/route.js';
import { DEFAULT_TIER_RULES } from '../../../server/domain/tiers.js';

/** Monday 2026-03-02 10:00 in Shanghai (02:00 UTC): outside default quiet hours. */
export const NOW = Date.parse('2026-03-02T02:00:00Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export function advisor(id: number, over: Partial<Advisor> = {}): Advisor {
  return {
    id,
    name: `Advisor${id}`,
    nameZh: `顾问${id}`,
    tier: 'standard',
    endpoint: `PJSIP/10${id}`,
    active: true,
    capacity: 650,
    createdAt: '2025-01-01T00:00:00Z',
    ...over,
  };
}

export function member(over: Partial<Member> = {}): Member {
  return {
    id: 1,
    memberNo: 'M0001',
    name: 'Member One',
    level: 'regular',
    timeZone: 'Asia/Shanghai',
    language: 'zh',
    joinedAt: '2025-01-01T00:00:00Z',
    lastPurchaseAt: '2026-02-01T00:00:00Z',
    purchaseCount: 3,
    totalSpend: 100,
    notes: '',
    servicePlan: '',
    tags: [],
    phones: ['8613800138000'],
    ownerId: 1,
    ...over,
  };
}

export const presence = {
  available(advisorId: number, idleSince: number | null = NOW - 5 * MIN): AdvisorPresence {
    return { advisorId, desktop: 'ready', notReadyReason: null, markedAbsent: false, phone: 'idle', idleSince, currentCallSince: null, wrapUpUntil: null };
  },
  onCall(advisorId: number, since: number | null = NOW - 2 * MIN): AdvisorPresence {
    return { ...presence.available(advisorId), phone: 'in-use', idleSince: null, currentCallSince: since };
  },
  ringing(advisorId: number): AdvisorPresence {
    return { ...presence.available(advisorId), phone: 'ringing', idleSince: null };
  },
  wrapUp(advisorId: number, until: number | null = NOW + 20_000): AdvisorPresence {
    return { ...presence.available(advisorId), desktop: 'wrap-up', idleSince: null, wrapUpUntil: until };
  },
  notReady(advisorId: number, reason: string | null = 'lunch'): AdvisorPresence {
    return { ...presence.available(advisorId), desktop: 'not-ready', notReadyReason: reason, idleSince: null };
  },
  loggedOut(advisorId: number): AdvisorPresence {
    return { ...presence.available(advisorId), desktop: 'logged-out', idleSince: null };
  },
  markedAbsent(advisorId: number): AdvisorPresence {
    return { ...presence.available(advisorId), markedAbsent: true };
  },
  phoneUnavailable(advisorId: number): AdvisorPresence {
    return { ...presence.available(advisorId), phone: 'unavailable' };
  },
};

export const routeSettings: RouteSettings = {
  ringTimeoutMs: 20_000,
  ownerMaxWaitMs: 3 * MIN,
  defaultChoice: 'wait',
  peakWaitThresholdMs: 2 * MIN,
  affinity: true,
  tierRules: DEFAULT_TIER_RULES,
};

/** A callback due at once: its ladder starts at its creation unless `ladderFrom` is given. */
export function callback(over: Partial<Callback> = {}): Callback {
  const createdAt = over.createdAt ?? new Date(NOW - 10 * MIN).toISOString();
  return {
    id: 1,
    memberId: 1,
    number: '8613800138000',
    reason: 'abandoned',
    state: 'pending',
    preferredAdvisorId: 1,
    assignedAdvisorId: null,
    priority: 0,
    firstCallAt: new Date(NOW - 10 * MIN).toISOString(),
    dueAt: new Date(NOW - 10 * MIN).toISOString(),
    ladderFrom: createdAt,
    attempts: 0,
    maxAttempts: 3,
    lastResult: null,
    reservedBy: null,
    leaseUntil: null,
    callId: null,
    createdAt,
    updatedAt: new Date(NOW - 10 * MIN).toISOString(),
    ...over,
  };
}

/**
 * A routing snapshot: owner 1 (Alice), delegates 2 (Bob) and 3 (Carol), pool advisor 4 (Dan); all available by default.
 * `advisors` replaces the whole floor; the snapshot's presences and pool are derived from it as the router would.
 */
export function snapshot(
  over: Partial<RouteSnapshot> & { advisors?: readonly AdvisorState[] } = {},
  presences: Record<number, AdvisorPresence | null> = {},
): RouteSnapshot {
  const alice = advisor(1, { name: 'Alice', tier: 'senior' });
  const bob = advisor(2, { name: 'Bob', tier: 'standard' });
  const carol = advisor(3, { name: 'Carol', tier: 'standard' });
  const dan = advisor(4, { name: 'Dan', tier: 'standard' });
  const { advisors, ...rest } = over;
  const floor = advisors ?? [alice, bob, carol, dan].map((a) => ({ advisor: a, presence: a.id in presences ? presences[a.id]! : presence.available(a.id, NOW - a.id * MIN) }));
  const s: Omit<RouteSnapshot, 'presences' | 'pool'> = {
    now: NOW,
    member: member(),
    owner: alice,
    delegates: [bob, carol],
    tried: [],
    ownerWaitTimedOut: false,
    ownerChoice: null,
    peakChoice: null,
    expectedWaits: { byAdvisor: new Map(), pool: { known: true, ms: 30_000, confidence: 'medium', method: 'queue-position', explanation: 'short' } },
    settings: routeSettings,
    ...rest,
  };
  return { ...floorForRoute(floor, s.member?.level ?? null, s.settings.tierRules, s.now), ...s };
}
