// Inputs for the pool's expected wait, counted from the same advisor states route()
// sees, so the estimate and the routing agree on who is eligible.
import { foldPresence } from './presence.js';
import { tierFits } from './tiers.js';
import type { TierRules } from './tiers.js';
import type { Advisor, AdvisorPresence, MemberLevel } from './model.js';

export interface PoolStaffing {
  /** Eligible advisors logged in and serving (available or busy). */
  staffedAgents: number;
  freeAgents: number;
}

/**
 * The definition of the pool's staffing over a whole floor. The router keeps the same
 * figures incrementally (routing/floor-index.ts); its tests check it against this.
 */
export function poolStaffing(
  advisors: readonly { advisor: Advisor; presence: AdvisorPresence | null }[],
  level: MemberLevel | null,
  tierRules: TierRules,
  now: number,
): PoolStaffing {
  let staffedAgents = 0;
  let freeAgents = 0;
  for (const { advisor, presence } of advisors) {
    if (!advisor.active || !tierFits(advisor.tier, level, tierRules)) continue;
    const availability = foldPresence(presence, now).availability;
    if (availability === 'absent') continue;
    staffedAgents += 1;
    if (availability === 'available') freeAgents += 1;
  }
  return { staffedAgents, freeAgents };
}

/**
 * Average handle time as a 10% trimmed mean (one stuck call or one hang-up should not
 * move it); null below `minSamples` valid durations.
 */
export function averageHandleMs(durationsMs: readonly number[], minSamples = 5): number | null {
  return trimmedMeanOfSorted(
    durationsMs.filter((d) => Number.isFinite(d) && d > 0).sort((a, b) => a - b),
    minSamples,
  );
}

/**
 * averageHandleMs() of durations already valid and sorted ascending: for callers that keep
 * the samples sorted as they arrive instead of sorting them on every question.
 */
export function trimmedMeanOfSorted(sorted: readonly number[], minSamples = 5): number | null {
  if (sorted.length < Math.max(1, minSamples)) return null;
  const cut = Math.floor(sorted.length * 0.1);
  let sum = 0;
  // Ascending, as averageHandleMs always summed: the same floating-point result.
  for (let i = cut; i < sorted.length - cut; i += 1) sum += sorted[i]!;
  return Math.round(sum / (sorted.length - 2 * cut));
}
