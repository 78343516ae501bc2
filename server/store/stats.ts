// Counts over calls and callbacks for a time range, as plain numbers: the API turns them
// into rates (affinity, service level, abandonment, callback SLA). Hours are UTC.
import type { Knex } from 'knex';
import { ROUTE_REASONS, type RouteReason } from '../domain/model.js';
import { ValidationError } from '../shared/errors.js';
import { isPostgres } from './database.js';
import { num } from './sql.js';

export interface StatsRange {
  from: string;
  to: string;
  /** Answered within this wait counts toward the service level (default 20 s). */
  serviceLevelMs?: number;
  /** Callbacks completed within this time of the first call meet the SLA (default 2 h). */
  callbackSlaMs?: number;
}

export interface CallCounts {
  total: number;
  inbound: number;
  outbound: number;
  /** Inbound calls from a known member. */
  memberCalls: number;
  answered: number;
  answeredWithinServiceLevel: number;
  abandoned: number;
  /** Abandoned after waiting longer than the service level (short abandons are often misdials). */
  abandonedAfterServiceLevel: number;
  callbackRequested: number;
  fallback: number;
  /** Answered inbound calls by the routing reason that reached the agent. */
  answeredByReason: Record<RouteReason, number>;
}

export interface AdvisorCallCounts {
  advisorId: number;
  answered: number;
  own: number;
  delegate: number;
  pool: number;
  callback: number;
  totalWaitMs: number;
}

export interface HourCounts {
  /** `YYYY-MM-DDTHH` in UTC. */
  hour: string;
  calls: number;
  answered: number;
  answeredWithinServiceLevel: number;
  abandoned: number;
}

export interface CallbackCounts {
  created: number;
  completed: number;
  completedWithinSla: number;
  failed: number;
  cancelled: number;
  open: number;
  byReason: Record<string, number>;
}

export interface OwnerCallbackCounts {
  /** The preferred advisor (owner) of the callbacks. */
  advisorId: number;
  created: number;
  completed: number;
  completedByOwner: number;
  completedWithinSla: number;
}

export interface StatsReport {
  range: { from: string; to: string; serviceLevelMs: number; callbackSlaMs: number };
  calls: CallCounts;
  byAdvisor: AdvisorCallCounts[];
  byHour: HourCounts[];
  callbacks: CallbackCounts;
  callbacksByOwner: OwnerCallbackCounts[];
}

const DEFAULT_SERVICE_LEVEL_MS = 20_000;
const DEFAULT_CALLBACK_SLA_MS = 2 * 3_600_000;

export class StatsStore {
  constructor(private readonly db: Knex) {}

  private msBetween(start: string, end: string): string {
    return isPostgres(this.db)
      ? `(extract(epoch from (${end}::timestamptz - ${start}::timestamptz)) * 1000)`
      : `((julianday(${end}) - julianday(${start})) * 86400000.0)`;
  }

  async report(range: StatsRange): Promise<StatsReport> {
    const { from, to } = checkedRange(range);
    const sl = range.serviceLevelMs ?? DEFAULT_SERVICE_LEVEL_MS;
    const sla = range.callbackSlaMs ?? DEFAULT_CALLBACK_SLA_MS;
    const [calls, byAdvisor, byHour, callbacks, callbacksByOwner] = await Promise.all([
      this.callCounts(from, to, sl),
      this.advisorCounts(from, to),
      this.hourCounts(from, to, sl),
      this.callbackCounts(from, to, sla),
      this.ownerCallbackCounts(from, to, sla),
    ]);
    return { range: { from, to, serviceLevelMs: sl, callbackSlaMs: sla }, calls, byAdvisor, byHour, callbacks, callbacksByOwner };
  }

  /**
   * The call counts alone (the wallboard's headline figures): one of the report's five
   * aggregates, each a pass over the range's calls, which by the end of a busy day is
   * hundreds of thousands of rows.
   */
  async callTotals(range: StatsRange): Promise<CallCounts> {
    const { from, to } = checkedRange(range);
    return this.callCounts(from, to, range.serviceLevelMs ?? DEFAULT_SERVICE_LEVEL_MS);
  }

  private calls(from: string, to: string): Knex.QueryBuilder {
    return this.db('calls').where('started_at', '>=', from).where('started_at', '<', to);
  }

  private async callCounts(from: string, to: string, sl: number): Promise<CallCounts> {
    const answered = "outcome = 'answered'";
    const row = (await this.calls(from, to)
      .select(
        this.db.raw('count(*) as total'),
        this.db.raw("sum(case when direction = 'inbound' then 1 else 0 end) as inbound"),
        this.db.raw("sum(case when direction = 'outbound' then 1 else 0 end) as outbound"),
        this.db.raw("sum(case when direction = 'inbound' and member_id is not null then 1 else 0 end) as member_calls"),
        this.db.raw(`sum(case when ${answered} then 1 else 0 end) as answered`),
        this.db.raw(`sum(case when ${answered} and coalesce(waited_ms, 0) <= ? then 1 else 0 end) as answered_sl`, [sl]),
        this.db.raw("sum(case when outcome = 'abandoned' then 1 else 0 end) as abandoned"),
        this.db.raw("sum(case when outcome = 'abandoned' and coalesce(waited_ms, 0) > ? then 1 else 0 end) as abandoned_late", [sl]),
        this.db.raw("sum(case when outcome = 'callback-requested' then 1 else 0 end) as callback_requested"),
        this.db.raw("sum(case when outcome = 'fallback' then 1 else 0 end) as fallback"),
      )
      .first()) as Record<string, unknown>;
    const reasons = (await this.calls(from, to)
      .where({ outcome: 'answered', direction: 'inbound' })
      .whereNotNull('reason')
      .groupBy('reason')
      .select('reason')
      .count({ n: '*' })) as Array<{ reason: string; n: unknown }>;
    const answeredByReason = Object.fromEntries(ROUTE_REASONS.map((r) => [r, 0])) as Record<RouteReason, number>;
    for (const r of reasons) if (r.reason in answeredByReason) answeredByReason[r.reason as RouteReason] = num(r.n);
    return {
      total: num(row.total),
      inbound: num(row.inbound),
      outbound: num(row.outbound),
      memberCalls: num(row.member_calls),
      answered: num(row.answered),
      answeredWithinServiceLevel: num(row.answered_sl),
      abandoned: num(row.abandoned),
      abandonedAfterServiceLevel: num(row.abandoned_late),
      callbackRequested: num(row.callback_requested),
      fallback: num(row.fallback),
      answeredByReason,
    };
  }

  private async advisorCounts(from: string, to: string): Promise<AdvisorCallCounts[]> {
    const count = (reason: RouteReason) => this.db.raw(`sum(case when reason = '${reason}' then 1 else 0 end) as "${reason}"`);
    const rows = (await this.calls(from, to)
      .where('outcome', 'answered')
      .whereNotNull('answered_by')
      .groupBy('answered_by')
      .orderBy('answered_by')
      .select(
        'answered_by',
        this.db.raw('count(*) as answered'),
        count('own-advisor'),
        count('delegate'),
        count('pool'),
        count('callback'),
        this.db.raw('sum(coalesce(waited_ms, 0)) as total_wait'),
      )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      advisorId: num(r.answered_by),
      answered: num(r.answered),
      own: num(r['own-advisor']),
      delegate: num(r.delegate),
      pool: num(r.pool),
      callback: num(r.callback),
      totalWaitMs: num(r.total_wait),
    }));
  }

  private async hourCounts(from: string, to: string, sl: number): Promise<HourCounts[]> {
    const rows = (await this.calls(from, to)
      .where('direction', 'inbound')
      .select(
        this.db.raw('substr(started_at, 1, 13) as hour'),
        this.db.raw('count(*) as calls'),
        this.db.raw("sum(case when outcome = 'answered' then 1 else 0 end) as answered"),
        this.db.raw("sum(case when outcome = 'answered' and coalesce(waited_ms, 0) <= ? then 1 else 0 end) as answered_sl", [sl]),
        this.db.raw("sum(case when outcome = 'abandoned' then 1 else 0 end) as abandoned"),
      )
      .groupByRaw('substr(started_at, 1, 13)')
      .orderByRaw('substr(started_at, 1, 13)')) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      hour: String(r.hour),
      calls: num(r.calls),
      answered: num(r.answered),
      answeredWithinServiceLevel: num(r.answered_sl),
      abandoned: num(r.abandoned),
    }));
  }

  private callbacks(from: string, to: string): Knex.QueryBuilder {
    return this.db('callbacks').where('created_at', '>=', from).where('created_at', '<', to);
  }

  private withinSla(sla: number): string {
    return `state = 'completed' and ${this.msBetween('first_call_at', 'completed_at')} <= ${Math.trunc(sla)}`;
  }

  private async callbackCounts(from: string, to: string, sla: number): Promise<CallbackCounts> {
    const row = (await this.callbacks(from, to)
      .select(
        this.db.raw('count(*) as created'),
        this.db.raw("sum(case when state = 'completed' then 1 else 0 end) as completed"),
        this.db.raw(`sum(case when ${this.withinSla(sla)} then 1 else 0 end) as within_sla`),
        this.db.raw("sum(case when state = 'failed' then 1 else 0 end) as failed"),
        this.db.raw("sum(case when state = 'cancelled' then 1 else 0 end) as cancelled"),
        this.db.raw("sum(case when state in ('pending', 'reserved', 'dialing') then 1 else 0 end) as open"),
      )
      .first()) as Record<string, unknown>;
    const reasons = (await this.callbacks(from, to).groupBy('reason').select('reason').count({ n: '*' })) as Array<{ reason: string; n: unknown }>;
    return {
      created: num(row.created),
      completed: num(row.completed),
      completedWithinSla: num(row.within_sla),
      failed: num(row.failed),
      cancelled: num(row.cancelled),
      open: num(row.open),
      byReason: Object.fromEntries(reasons.map((r) => [r.reason, num(r.n)])),
    };
  }

  private async ownerCallbackCounts(from: string, to: string, sla: number): Promise<OwnerCallbackCounts[]> {
    const rows = (await this.callbacks(from, to)
      .whereNotNull('preferred_advisor_id')
      .groupBy('preferred_advisor_id')
      .orderBy('preferred_advisor_id')
      .select(
        'preferred_advisor_id',
        this.db.raw('count(*) as created'),
        this.db.raw("sum(case when state = 'completed' then 1 else 0 end) as completed"),
        this.db.raw("sum(case when state = 'completed' and completed_by = preferred_advisor_id then 1 else 0 end) as by_owner"),
        this.db.raw(`sum(case when ${this.withinSla(sla)} then 1 else 0 end) as within_sla`),
      )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      advisorId: num(r.preferred_advisor_id),
      created: num(r.created),
      completed: num(r.completed),
      completedByOwner: num(r.by_owner),
      completedWithinSla: num(r.within_sla),
    }));
  }
}

function checkedRange(range: StatsRange): { from: string; to: string } {
  if (Number.isNaN(Date.parse(range.from)) || Number.isNaN(Date.parse(range.to)) || range.from >= range.to) {
    throw new ValidationError('Statistics need a range with from before to, as ISO date-times.');
  }
  return { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
}
