import { expect } from 'chai';
import { averageHandleMs, poolStaffing } from '../../../server/domain/pool-staffing.js';
import { DEFAULT_TIER_RULES } from '../../../server/domain/tiers.js';
import { MIN, NOW, advisor, presence } from './builders.js';

describe('domain/pool-staffing: inputs of the pool expected wait', () => {
  const team = [
    { advisor: advisor(1), presence: presence.available(1) },
    { advisor: advisor(2), presence: presence.onCall(2) },
    { advisor: advisor(3), presence: presence.loggedOut(3) },
    { advisor: advisor(4, { tier: 'senior' }), presence: presence.notReady(4) },
    { advisor: advisor(5, { active: false }), presence: presence.available(5) },
  ];
  it('counts logged-in eligible advisors and the free ones among them', () => {
    expect(poolStaffing(team, 'regular', DEFAULT_TIER_RULES, NOW)).to.deep.equal({ staffedAgents: 3, freeAgents: 1 });
    expect(poolStaffing(team, 'gold', DEFAULT_TIER_RULES, NOW)).to.deep.equal({ staffedAgents: 1, freeAgents: 0 });
    expect(poolStaffing(team, null, DEFAULT_TIER_RULES, NOW)).to.deep.equal({ staffedAgents: 3, freeAgents: 1 });
  });
  it('trims outliers from the average handle time and refuses thin data', () => {
    const durations = [1, 4, 4, 4, 4, 4, 4, 4, 4, 60].map((m) => m * MIN);
    expect(averageHandleMs(durations)).to.equal(4 * MIN);
    expect(averageHandleMs([MIN, 2 * MIN, NaN, -1])).to.equal(null);
  });
});
