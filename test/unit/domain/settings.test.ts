import { expect } from 'chai';
import { loadConfig } from '../../../server/config/config.js';
import { domainSettingsFrom } from '../../../server/domain/settings.js';
import { DEFAULT_TIER_RULES } from '../../../server/domain/tiers.js';

describe('domain/settings: decisions take their settings from the configuration', () => {
  it('maps the documented defaults', () => {
    const s = domainSettingsFrom(loadConfig({}, '/nonexistent/.env'));
    expect(s.route).to.deep.equal({
      ringTimeoutMs: 20_000,
      ownerMaxWaitMs: 180_000,
      defaultChoice: 'wait',
      peakWaitThresholdMs: 120_000,
      affinity: true,
      tierRules: DEFAULT_TIER_RULES,
    });
    expect(s.pacing).to.deep.equal({ quietHours: { startMinute: 1260, endMinute: 540 }, weeklyCap: 3, minGapMs: 86_400_000 });
    expect(s.dispatch).to.include({ ownerWindowMs: 7_200_000, delegateWindowMs: 3_600_000 });
    expect(s.retry.retryBackoffMs).to.equal(900_000);
    expect(s.allocation).to.include({ defaultCapacity: 650, minCapacity: 500, maxCapacity: 800 });
    expect(s.advisorWait.wrapUpMs).to.equal(30_000);
  });

  it('follows the environment, e.g. affinity off for the benchmark baseline', () => {
    const s = domainSettingsFrom(loadConfig({ CTI_AFFINITY: 'off', CTI_QUIET_HOURS: '22:30-08:00' }, '/nonexistent/.env'));
    expect(s.route.affinity).to.equal(false);
    expect(s.dispatch, 'callbacks open to the pool at once').to.include({ ownerWindowMs: 0, delegateWindowMs: 0 });
    expect(s.pacing.quietHours).to.deep.equal({ startMinute: 1350, endMinute: 480 });
  });
});
