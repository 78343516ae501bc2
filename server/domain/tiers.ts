// Which advisor tier may serve which member level. Tiers are ordered: an advisor of
// a higher tier may serve everything a lower tier may.
import { ADVISOR_TIERS } from './model.js';
import type { AdvisorTier, MemberLevel } from './model.js';

/** Member level -> the minimum advisor tier that may serve it. */
export type TierRules = Readonly<Record<MemberLevel, AdvisorTier>>;

export const DEFAULT_TIER_RULES: TierRules = { regular: 'standard', gold: 'senior', vip: 'vip' };

export function tierRank(tier: AdvisorTier): number {
  return ADVISOR_TIERS.indexOf(tier);
}

/** The minimum tier for a level; `null` (unknown caller) means any tier. */
export function minimumTierFor(level: MemberLevel | null, rules: TierRules): AdvisorTier {
  return level === null ? 'standard' : rules[level];
}

export function tierFits(advisorTier: AdvisorTier, level: MemberLevel | null, rules: TierRules): boolean {
  return tierRank(advisorTier) >= tierRank(minimumTierFor(level, rules));
}
