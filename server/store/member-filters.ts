// Member list filters, including lifecycle stage translated into date cutoffs so the
// database does the filtering (recall lists over a million members stay indexed).
import type { Knex } from 'knex';
import { DEFAULT_LIFECYCLE_THRESHOLDS, type LifecycleThresholds } from '../domain/lifecycle.js';
import type { LifecycleStage, MemberLevel } from '../domain/model.js';
import { isPostgres } from './database.js';
import { likeFragment } from './sql.js';

const DAY_MS = 86_400_000;

export interface MemberFilter {
  /** An advisor id, or null for members nobody owns. */
  ownerId?: number | null;
  level?: MemberLevel;
  /** Lifecycle stage as of the store's clock, with DESIGN.md's boundaries and precedence. */
  stage?: LifecycleStage;
  /** Active or mature members whose last purchase is past the at-risk window (45 days). */
  atRisk?: boolean;
  lastPurchaseBefore?: string;
  lastPurchaseAfter?: string;
  joinedBefore?: string;
  joinedAfter?: string;
  minPurchases?: number;
  maxPurchases?: number;
  /** Name fragment or member number prefix. */
  text?: string;
}

export function applyMemberFilter(
  query: Knex.QueryBuilder,
  filter: MemberFilter,
  db: Knex,
  now: Date,
  thresholds: LifecycleThresholds = DEFAULT_LIFECYCLE_THRESHOLDS,
): void {
  if (filter.ownerId === null) query.whereNull('o.advisor_id');
  else if (filter.ownerId !== undefined) query.where('o.advisor_id', filter.ownerId);
  if (filter.level) query.where('m.level', filter.level);
  if (filter.lastPurchaseBefore) query.where('m.last_purchase_at', '<', filter.lastPurchaseBefore);
  if (filter.lastPurchaseAfter) query.where('m.last_purchase_at', '>=', filter.lastPurchaseAfter);
  if (filter.joinedBefore) query.where('m.joined_at', '<', filter.joinedBefore);
  if (filter.joinedAfter) query.where('m.joined_at', '>=', filter.joinedAfter);
  if (filter.minPurchases !== undefined) query.where('m.purchase_count', '>=', filter.minPurchases);
  if (filter.maxPurchases !== undefined) query.where('m.purchase_count', '<=', filter.maxPurchases);
  if (filter.text?.trim()) {
    const like = isPostgres(db) ? 'ilike' : 'like';
    query.where((w) => {
      w.whereRaw(`m.name ${like} ? escape '\\'`, [likeFragment(filter.text!.trim())]).orWhereRaw(`m.member_no ${like} ? escape '\\'`, [
        likeFragment(filter.text!.trim()),
      ]);
    });
  }
  if (filter.stage) applyStage(query, filter.stage, db, now, thresholds);
  if (filter.atRisk) applyAtRisk(query, db, now, thresholds);
}

// The domain's lifecycleOf in SQL: whole days, R > N <=> at least N + 1 days ago.
// Precedence: lost, dormant, new, mature, otherwise active; R counts from joining
// without purchases.
function applyStage(query: Knex.QueryBuilder, stage: LifecycleStage, db: Knex, now: Date, t: LifecycleThresholds): void {
  const over = (days: number) => new Date(now.getTime() - (days + 1) * DAY_MS).toISOString();
  const recency = db.raw('coalesce(m.last_purchase_at, m.joined_at)');
  const notNew = (w: Knex.QueryBuilder) => w.where('m.joined_at', '<=', over(t.newMaxDays)).orWhere('m.purchase_count', '>', t.newMaxPurchases);
  switch (stage) {
    case 'lost':
      query.where(recency, '<=', over(t.lostAfterDays));
      break;
    case 'dormant':
      query.where(recency, '<=', over(t.dormantAfterDays)).andWhere(recency, '>', over(t.lostAfterDays));
      break;
    case 'new':
      query
        .where(recency, '>', over(t.dormantAfterDays))
        .andWhere('m.joined_at', '>', over(t.newMaxDays))
        .andWhere('m.purchase_count', '<=', t.newMaxPurchases);
      break;
    case 'mature':
      query.where(recency, '>', over(t.dormantAfterDays)).andWhere(notNew).andWhere('m.purchase_count', '>=', t.matureMinPurchases);
      break;
    case 'active':
      query.where(recency, '>', over(t.dormantAfterDays)).andWhere(notNew).andWhere('m.purchase_count', '<', t.matureMinPurchases);
      break;
  }
}

/** Active or mature members past the at-risk recency (pre-churn window). */
function applyAtRisk(query: Knex.QueryBuilder, db: Knex, now: Date, t: LifecycleThresholds): void {
  const over = (days: number) => new Date(now.getTime() - (days + 1) * DAY_MS).toISOString();
  const recency = db.raw('coalesce(m.last_purchase_at, m.joined_at)');
  query
    .where(recency, '<=', over(t.atRiskAfterDays))
    .andWhere(recency, '>', over(t.dormantAfterDays))
    .andWhere((w) => w.where('m.joined_at', '<=', over(t.newMaxDays)).orWhere('m.purchase_count', '>', t.newMaxPurchases));
}
