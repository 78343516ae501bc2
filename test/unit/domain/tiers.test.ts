import { expect } from 'chai';
import { DEFAULT_TIER_RULES, minimumTierFor, tierFits } from '../../../server/domain/tiers.js';
import type { AdvisorTier, MemberLevel } from '../../../server/domain/model.js';

describe('domain/tiers: which advisor tier may serve which member level', () => {
  const table: [AdvisorTier, MemberLevel | null, boolean][] = [
    ['standard', 'regular', true],
    ['standard', 'gold', false],
    ['standard', 'vip', false],
    ['senior', 'gold', true],
    ['senior', 'vip', false],
    ['vip', 'vip', true],
    ['vip', 'regular', true],
    ['standard', null, true],
  ];
  for (const [tier, level, fits] of table) {
    it(`${tier} advisor ${fits ? 'may' : 'may not'} serve a ${level ?? 'unknown'} caller`, () => {
      expect(tierFits(tier, level, DEFAULT_TIER_RULES)).to.equal(fits);
    });
  }
  it('follows configured rules: gold may go to standard when the center says so', () => {
    const rules = { ...DEFAULT_TIER_RULES, gold: 'standard' as const };
    expect(tierFits('standard', 'gold', rules)).to.equal(true);
    expect(minimumTierFor('vip', rules)).to.equal('vip');
  });
});
