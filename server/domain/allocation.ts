// Allocation (分配) and recall (回收) planning. A plan is a preview: who would go to
// whom and why, and who could not be placed. Applying it (and keeping the ownership
// history) is the store's job.
import { AppError } from '../shared/errors.js';
import { DEFAULT_LIFECYCLE_THRESHOLDS, lifecycleOf } from './lifecycle.js';
import type { Lifecycle, LifecycleThresholds } from './lifecycle.js';
import { minimumTierFor, tierFits, tierRank } from './tiers.js';
import type { TierRules } from './tiers.js';
import { MEMBER_LEVELS } from './model.js';
import type { Advisor, Member } from './model.js';

export interface AdvisorLoad {
  advisor: Advisor;
  /** Members the advisor owns now. */
  ownedCount: number;
}

export interface AllocationSettings {
  tierRules: TierRules;
  /** Same names as `Config['allocation']`: an advisor's capacity is clamped into [min, max]. */
  defaultCapacity: number;
  minCapacity: number;
  maxCapacity: number;
  /**
   * Fill the lowest fitting tier first (regular members go to standard advisors before
   * senior or VIP ones) so higher tiers keep room for the members only they may serve.
   */
  preferLowestFittingTier: boolean;
}

export type AllocationMember = Pick<Member, 'id' | 'memberNo' | 'level' | 'ownerId'>;

export interface PlannedAssignment {
  memberId: number;
  advisorId: number;
  reason: 'tier-fit-least-loaded';
  explanation: string;
}

export const UNPLACED_REASONS = ['already-owned', 'no-fitting-advisor', 'all-full', 'invalid-record'] as const;
export type UnplacedReason = (typeof UNPLACED_REASONS)[number];

export interface UnplacedMember {
  memberId: number;
  reason: UnplacedReason;
  explanation: string;
}

export interface AdvisorLoadChange {
  advisorId: number;
  before: number;
  after: number;
  capacity: number;
}

export interface AllocationPlan {
  assignments: PlannedAssignment[];
  unplaced: UnplacedMember[];
  loads: AdvisorLoadChange[];
}

export function capacityOf(advisor: Advisor, settings: AllocationSettings): number {
  const raw = Number.isFinite(advisor.capacity) && advisor.capacity > 0 ? advisor.capacity : settings.defaultCapacity;
  return Math.min(settings.maxCapacity, Math.max(settings.minCapacity, Math.floor(raw)));
}

interface Slot {
  advisor: Advisor;
  before: number;
  load: number;
  capacity: number;
}

function slotsFor(advisors: readonly AdvisorLoad[], settings: AllocationSettings): Slot[] {
  return advisors.map((a) => ({ advisor: a.advisor, before: a.ownedCount, load: a.ownedCount, capacity: capacityOf(a.advisor, settings) }));
}

/** The fitting advisor with room: lowest fitting tier first (if preferred), then least loaded by share of capacity. */
function choose(slots: readonly Slot[], level: Member['level'], settings: AllocationSettings, exclude: number | null, allow: ReadonlySet<number> | null) {
  const fitting = slots.filter(
    (s) => s.advisor.active && s.advisor.id !== exclude && (allow === null || allow.has(s.advisor.id)) && tierFits(s.advisor.tier, level, settings.tierRules),
  );
  const open = fitting.filter((s) => s.load < s.capacity);
  const tierKey = (s: Slot) => (settings.preferLowestFittingTier ? tierRank(s.advisor.tier) : 0);
  open.sort((a, b) => tierKey(a) - tierKey(b) || a.load / a.capacity - b.load / b.capacity || a.load - b.load || a.advisor.id - b.advisor.id);
  return { fitting: fitting.length, slot: open[0] };
}

const levelOrder = (m: Pick<Member, 'level' | 'id'>, n: Pick<Member, 'level' | 'id'>) =>
  MEMBER_LEVELS.indexOf(n.level) - MEMBER_LEVELS.indexOf(m.level) || m.id - n.id;

function unplacedFor(memberId: number, fitting: number, level: Member['level'], settings: AllocationSettings): UnplacedMember {
  const tier = minimumTierFor(level, settings.tierRules);
  return fitting === 0
    ? { memberId, reason: 'no-fitting-advisor', explanation: `no active advisor of ${tier} tier or above for a ${level} member` }
    : { memberId, reason: 'all-full', explanation: `all ${fitting} advisor(s) of ${tier} tier or above are at capacity` };
}

function loadChanges(slots: readonly Slot[]): AdvisorLoadChange[] {
  return slots.filter((s) => s.load !== s.before).map((s) => ({ advisorId: s.advisor.id, before: s.before, after: s.load, capacity: s.capacity }));
}

/** Members are placed VIP first (the fewest advisors may serve them), then by id. */
export function planAllocation(members: readonly AllocationMember[], advisors: readonly AdvisorLoad[], settings: AllocationSettings): AllocationPlan {
  const slots = slotsFor(advisors, settings);
  const assignments: PlannedAssignment[] = [];
  const unplaced: UnplacedMember[] = [];
  for (const member of [...members].sort(levelOrder)) {
    if (member.ownerId !== null) {
      unplaced.push({ memberId: member.id, reason: 'already-owned', explanation: `member ${member.memberNo} already has advisor ${member.ownerId}; use recall to move them` });
      continue;
    }
    const { fitting, slot } = choose(slots, member.level, settings, null, null);
    if (!slot) {
      unplaced.push(unplacedFor(member.id, fitting, member.level, settings));
      continue;
    }
    slot.load += 1;
    assignments.push({
      memberId: member.id,
      advisorId: slot.advisor.id,
      reason: 'tier-fit-least-loaded',
      explanation: `${member.level} member ${member.memberNo} -> ${slot.advisor.name} (${slot.advisor.tier}, ${slot.load}/${slot.capacity})`,
    });
  }
  return { assignments, unplaced, loads: loadChanges(slots) };
}

export const RECALL_CAUSES = ['advisor-left', 'member-request', 'lost', 'dormant'] as const;
export type RecallCause = (typeof RECALL_CAUSES)[number];

export interface RecallRequest {
  members: readonly Member[];
  advisors: readonly AdvisorLoad[];
  /** Members who asked for another advisor. */
  requestedChange: ReadonlySet<number>;
  /** Restrict receivers (e.g. a reactivation team); null = any fitting advisor. */
  receiverIds: readonly number[] | null;
  now: number;
}

export interface PlannedMove {
  memberId: number;
  fromAdvisorId: number;
  toAdvisorId: number;
  cause: RecallCause;
  handoverNote: string;
  explanation: string;
}

export interface RecallPlan {
  moves: PlannedMove[];
  unplaced: (UnplacedMember & { cause: RecallCause | null })[];
  loads: AdvisorLoadChange[];
}

const CAUSE_TEXT: Record<RecallCause, string> = {
  'advisor-left': 'previous advisor left',
  'member-request': 'member asked for another advisor',
  lost: 'lost member',
  dormant: 'dormant member',
};

function recallCause(owner: Advisor | undefined, requested: boolean, life: Lifecycle): RecallCause | null {
  if (!owner || !owner.active) return 'advisor-left';
  if (requested) return 'member-request';
  if (life.stage === 'lost' || life.stage === 'dormant') return life.stage;
  return null;
}

function handoverNote(member: Member, from: Advisor | undefined, to: Advisor, cause: RecallCause, life: Lifecycle): string {
  const lastPurchase = member.lastPurchaseAt
    ? `last purchase ${member.lastPurchaseAt.slice(0, 10)} (${life.recencyDays} days ago)`
    : 'no purchase yet';
  const plan = member.servicePlan.trim() ? ` Service plan: ${member.servicePlan.trim().slice(0, 200)}` : '';
  return (
    `Handover from ${from?.name ?? `advisor ${member.ownerId}`} to ${to.name}: ${CAUSE_TEXT[cause]}. ` +
    `${member.level} member, ${life.stage}${life.atRisk ? ' (at risk)' : ''}, ${life.frequency} purchase(s), ${lastPurchase}, ` +
    `member for ${life.joinedDays} days.${plan}`
  );
}

/** Recall planning: members of advisors who left, who asked for a change, lost or dormant, to another fitting advisor. */
export function planRecall(
  request: RecallRequest,
  settings: AllocationSettings,
  thresholds: LifecycleThresholds = DEFAULT_LIFECYCLE_THRESHOLDS,
): RecallPlan {
  const slots = slotsFor(request.advisors, settings);
  const byId = new Map(slots.map((s) => [s.advisor.id, s]));
  const allow = request.receiverIds === null ? null : new Set(request.receiverIds);
  const moves: PlannedMove[] = [];
  const unplaced: RecallPlan['unplaced'] = [];
  for (const member of [...request.members].sort(levelOrder)) {
    if (member.ownerId === null) continue;
    let life: Lifecycle;
    try {
      life = lifecycleOf(member, request.now, thresholds);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      unplaced.push({ memberId: member.id, reason: 'invalid-record', cause: null, explanation: error.message });
      continue;
    }
    const from = byId.get(member.ownerId);
    const cause = recallCause(from?.advisor, request.requestedChange.has(member.id), life);
    if (!cause) continue;
    const { fitting, slot } = choose(slots, member.level, settings, member.ownerId, allow);
    if (!slot) {
      unplaced.push({ ...unplacedFor(member.id, fitting, member.level, settings), cause });
      continue;
    }
    slot.load += 1;
    if (from) from.load -= 1;
    moves.push({
      memberId: member.id,
      fromAdvisorId: member.ownerId,
      toAdvisorId: slot.advisor.id,
      cause,
      handoverNote: handoverNote(member, from?.advisor, slot.advisor, cause, life),
      explanation: `${CAUSE_TEXT[cause]}: ${member.memberNo} -> ${slot.advisor.name} (${slot.advisor.tier}, ${slot.load}/${slot.capacity})`,
    });
  }
  return { moves, unplaced, loads: loadChanges(slots) };
}
