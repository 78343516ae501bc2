// Lifecycle stage from days since joining (J), days since last purchase (R) and
// purchase count (F), with the precedence of the DESIGN.md clarification:
// lost, dormant, new, mature, otherwise active. Members move both ways.
import { ValidationError } from '../shared/errors.js';
import type { LifecycleStage, Member } from './model.js';

export interface LifecycleThresholds {
  /** `new` while J <= this and F <= newMaxPurchases. */
  newMaxDays: number;
  newMaxPurchases: number;
  /** `mature` from this many purchases (when not dormant or lost). */
  matureMinPurchases: number;
  /** `dormant` when R > this. */
  dormantAfterDays: number;
  /** `lost` when R > this. */
  lostAfterDays: number;
  /** An active or mature member is at risk when R > this. */
  atRiskAfterDays: number;
}

export const DEFAULT_LIFECYCLE_THRESHOLDS: LifecycleThresholds = {
  newMaxDays: 90,
  newMaxPurchases: 1,
  matureMinPurchases: 4,
  dormantAfterDays: 180,
  lostAfterDays: 365,
  atRiskAfterDays: 45,
};

export interface Lifecycle {
  stage: LifecycleStage;
  atRisk: boolean;
  /** Whole days since joining. */
  joinedDays: number;
  /** Whole days since the last purchase, or since joining when there is none. */
  recencyDays: number;
  /** Purchase count. */
  frequency: number;
  explanation: string;
}

const DAY_MS = 86_400_000;

function parseInstant(value: string | number, field: string): number {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new ValidationError(`${field} must be a date such as 2025-01-31, got "${String(value)}".`);
  return ms;
}

/** Whole days from `from` to `now`; a date in the future counts as 0. */
const daysSince = (from: number, now: number) => Math.max(0, Math.floor((now - from) / DAY_MS));

export function lifecycleOf(
  member: Pick<Member, 'joinedAt' | 'lastPurchaseAt' | 'purchaseCount'>,
  now: number,
  thresholds: LifecycleThresholds = DEFAULT_LIFECYCLE_THRESHOLDS,
): Lifecycle {
  const joined = parseInstant(member.joinedAt, 'joinedAt');
  const lastPurchase = member.lastPurchaseAt === null ? null : parseInstant(member.lastPurchaseAt, 'lastPurchaseAt');
  if (!Number.isInteger(member.purchaseCount) || member.purchaseCount < 0) {
    throw new ValidationError(`purchaseCount must be a whole number of 0 or more, got ${member.purchaseCount}.`);
  }
  const J = daysSince(joined, now);
  const R = daysSince(lastPurchase ?? joined, now);
  const F = member.purchaseCount;
  const t = thresholds;
  let stage: LifecycleStage;
  let why: string;
  if (R > t.lostAfterDays) [stage, why] = ['lost', `R ${R} > ${t.lostAfterDays}`];
  else if (R > t.dormantAfterDays) [stage, why] = ['dormant', `R ${R} > ${t.dormantAfterDays}`];
  else if (J <= t.newMaxDays && F <= t.newMaxPurchases) [stage, why] = ['new', `J ${J} <= ${t.newMaxDays} and F ${F} <= ${t.newMaxPurchases}`];
  else if (F >= t.matureMinPurchases) [stage, why] = ['mature', `F ${F} >= ${t.matureMinPurchases} and R ${R} <= ${t.dormantAfterDays}`];
  else [stage, why] = ['active', `R ${R} <= ${t.dormantAfterDays}, F ${F}`];
  const atRisk = (stage === 'active' || stage === 'mature') && R > t.atRiskAfterDays;
  const recencyFrom = lastPurchase === null ? ' (no purchase: counted from joining)' : '';
  return {
    stage,
    atRisk,
    joinedDays: J,
    recencyDays: R,
    frequency: F,
    explanation: `${stage}${atRisk ? ', at risk' : ''}: ${why}${atRisk ? `, R ${R} > ${t.atRiskAfterDays}` : ''}${recencyFrom}`,
  };
}
