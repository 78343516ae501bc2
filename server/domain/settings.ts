// The decisions' settings, taken from the loaded configuration in one place so the
// composition root does not assemble them field by field.
import type { Config } from '../config/config.js';
import type { AllocationSettings } from './allocation.js';
import { DEFAULT_PRIORITY_BOOST_MS } from './dispatch.js';
import type { DispatchSettings } from './dispatch.js';
import { DEFAULT_ADVISOR_WAIT_SETTINGS } from './expected-wait.js';
import type { AdvisorWaitSettings } from './expected-wait.js';
import type { PacingSettings } from './pacing.js';
import { DEFAULT_MAX_BACKOFF_MS } from './retry.js';
import type { RetrySettings } from './retry.js';
import type { RouteSettings } from './route.js';
import { DEFAULT_TIER_RULES } from './tiers.js';
import type { TierRules } from './tiers.js';

export interface DomainSettings {
  route: RouteSettings;
  advisorWait: AdvisorWaitSettings;
  pacing: PacingSettings;
  dispatch: DispatchSettings;
  retry: RetrySettings;
  allocation: AllocationSettings;
}

export function domainSettingsFrom(config: Config, tierRules: TierRules = DEFAULT_TIER_RULES): DomainSettings {
  const { routing, callbacks, allocation } = config;
  return {
    route: {
      ringTimeoutMs: routing.ringTimeoutMs,
      ownerMaxWaitMs: routing.ownerMaxWaitMs,
      defaultChoice: routing.defaultChoice,
      peakWaitThresholdMs: routing.peakWaitThresholdMs,
      affinity: routing.affinity,
      tierRules,
    },
    advisorWait: { ...DEFAULT_ADVISOR_WAIT_SETTINGS, wrapUpMs: routing.wrapUpMs },
    pacing: { quietHours: callbacks.quietHours, weeklyCap: callbacks.weeklyCap, minGapMs: callbacks.minGapMs },
    // Affinity off is the pure tier + longest-idle baseline for callbacks too: no owner or
    // delegate window, every callback open to the pool at once (a supervisor's assignment still holds).
    dispatch: {
      ownerWindowMs: routing.affinity ? callbacks.ownerWindowMs : 0,
      delegateWindowMs: routing.affinity ? callbacks.delegateWindowMs : 0,
      tierRules,
      priorityBoostMs: DEFAULT_PRIORITY_BOOST_MS,
    },
    retry: { retryBackoffMs: callbacks.retryBackoffMs, maxBackoffMs: Math.max(DEFAULT_MAX_BACKOFF_MS, callbacks.retryBackoffMs) },
    allocation: { ...allocation, tierRules, preferLowestFittingTier: true },
  };
}
