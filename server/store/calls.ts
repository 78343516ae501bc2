// Calls as the CTI saw them: who called, whom the routing chose and why (trail), how it ended.
import type { Knex } from 'knex';
import type { Language, RouteReason, RouteStep } from '../domain/model.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import { isPostgres } from './database.js';
import { countOf, iso, isUniqueViolation, num, numOrNull, pageOf, parseJson, type Clock, type Page, type PageResult } from './sql.js';

export const CALL_OUTCOMES = ['in-progress', 'answered', 'abandoned', 'callback-requested', 'fallback', 'failed'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export const CALL_DIRECTIONS = ['inbound', 'outbound'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

export interface CallRecord {
  id: number;
  node: string;
  uniqueid: string;
  channelId: string;
  direction: CallDirection;
  callerNumber: string;
  memberId: number | null;
  ownerId: number | null;
  answeredBy: number | null;
  reason: RouteReason | null;
  ivr: Record<string, unknown>;
  language: Language | null;
  outcome: CallOutcome;
  /** Where the caller hung up when abandoned: `ivr`, `owner-prompt`, `waiting-owner`, `ringing`, `queue`... */
  abandonedAt: string | null;
  callbackId: number | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  waitedMs: number | null;
  trail: RouteStep[];
}

export interface NewCall {
  node?: string;
  uniqueid: string;
  channelId?: string;
  direction?: CallDirection;
  callerNumber?: string;
  memberId?: number | null;
  ownerId?: number | null;
  reason?: RouteReason | null;
  ivr?: Record<string, unknown>;
  language?: Language | null;
  callbackId?: number | null;
  startedAt?: string;
  trail?: RouteStep[];
}

export type CallPatch = Partial<
  Pick<
    CallRecord,
    'memberId' | 'ownerId' | 'answeredBy' | 'reason' | 'ivr' | 'language' | 'outcome' | 'abandonedAt' | 'callbackId' | 'answeredAt' | 'endedAt' | 'waitedMs'
  >
>;

export interface CallFilter {
  from?: string;
  to?: string;
  memberId?: number;
  /** Calls answered by this advisor or whose member this advisor owned at the time. */
  advisorId?: number;
  outcome?: CallOutcome;
  reason?: RouteReason;
  direction?: CallDirection;
  callerNumber?: string;
}

interface CallRow {
  id: number;
  node: string;
  uniqueid: string;
  channel_id: string;
  direction: string;
  caller_number: string;
  member_id: number | null;
  owner_id: number | null;
  answered_by: number | null;
  reason: string | null;
  ivr: string;
  language: string | null;
  outcome: string;
  abandoned_at: string | null;
  callback_id: number | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  waited_ms: number | null;
  trail: string;
}

function toCall(row: CallRow): CallRecord {
  return {
    id: num(row.id),
    node: row.node,
    uniqueid: row.uniqueid,
    channelId: row.channel_id,
    direction: row.direction as CallDirection,
    callerNumber: row.caller_number,
    memberId: numOrNull(row.member_id),
    ownerId: numOrNull(row.owner_id),
    answeredBy: numOrNull(row.answered_by),
    reason: row.reason as RouteReason | null,
    ivr: parseJson<Record<string, unknown>>(row.ivr, {}),
    language: row.language as Language | null,
    outcome: row.outcome as CallOutcome,
    abandonedAt: row.abandoned_at,
    callbackId: numOrNull(row.callback_id),
    startedAt: row.started_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    waitedMs: numOrNull(row.waited_ms),
    trail: parseJson<RouteStep[]>(row.trail, []),
  };
}

const PATCH_COLUMNS: Record<keyof CallPatch, string> = {
  memberId: 'member_id',
  ownerId: 'owner_id',
  answeredBy: 'answered_by',
  reason: 'reason',
  ivr: 'ivr',
  language: 'language',
  outcome: 'outcome',
  abandonedAt: 'abandoned_at',
  callbackId: 'callback_id',
  answeredAt: 'answered_at',
  endedAt: 'ended_at',
  waitedMs: 'waited_ms',
};

export class CallStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock },
  ) {}

  async insert(input: NewCall): Promise<CallRecord> {
    try {
      const [row] = (await this.db('calls')
        .insert({
          node: input.node ?? '',
          uniqueid: input.uniqueid,
          channel_id: input.channelId ?? '',
          direction: input.direction ?? 'inbound',
          caller_number: input.callerNumber ?? '',
          member_id: input.memberId ?? null,
          owner_id: input.ownerId ?? null,
          reason: input.reason ?? null,
          ivr: JSON.stringify(input.ivr ?? {}),
          language: input.language ?? null,
          callback_id: input.callbackId ?? null,
          outcome: 'in-progress',
          started_at: input.startedAt ?? iso(this.options.clock()),
          trail: JSON.stringify(input.trail ?? []),
        })
        .returning('*')) as CallRow[];
      return toCall(row!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Call ${input.uniqueid} on node "${input.node ?? ''}" is already recorded.`);
      throw err;
    }
  }

  async get(id: number): Promise<CallRecord | null> {
    const row = (await this.db('calls').where({ id }).first()) as CallRow | undefined;
    return row ? toCall(row) : null;
  }

  async getByUniqueid(node: string, uniqueid: string): Promise<CallRecord | null> {
    const row = (await this.db('calls').where({ node, uniqueid }).first()) as CallRow | undefined;
    return row ? toCall(row) : null;
  }

  async update(id: number, patch: CallPatch): Promise<CallRecord> {
    const changes: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(PATCH_COLUMNS) as Array<[keyof CallPatch, string]>) {
      if (patch[key] === undefined) continue;
      changes[column] = key === 'ivr' ? JSON.stringify(patch.ivr) : patch[key];
    }
    if (Object.keys(changes).length === 0) {
      const current = await this.get(id);
      if (!current) throw new NotFoundError(`Call ${id}`);
      return current;
    }
    const [row] = (await this.db('calls').where({ id }).update(changes).returning('*')) as CallRow[];
    if (!row) throw new NotFoundError(`Call ${id}`);
    return toCall(row);
  }

  /**
   * Appends one routing step in one UPDATE, which the database serialises per row. Every
   * call writes several steps: read, lock and rewrite in a transaction held a PostgreSQL
   * connection over four round trips a step, and under load the pool's ten connections
   * went to trails while callers' lookups queued behind them.
   */
  async appendStep(id: number, step: RouteStep): Promise<RouteStep[]> {
    const appended = isPostgres(this.db)
      ? this.db.raw(`(coalesce(nullif(trail, ''), '[]')::jsonb || jsonb_build_array(?::jsonb))::text`, [JSON.stringify(step)])
      : this.db.raw(`json_insert(coalesce(nullif(trail, ''), '[]'), '$[#]', json(?))`, [JSON.stringify(step)]);
    const [row] = (await this.db('calls').where({ id }).update({ trail: appended }).returning('trail')) as Array<{ trail: string }>;
    if (!row) throw new NotFoundError(`Call ${id}`);
    return parseJson<RouteStep[]>(row.trail, []);
  }

  /** Newest first. */
  async list(filter: CallFilter = {}, page?: Page): Promise<PageResult<CallRecord>> {
    const { limit, offset } = pageOf(page);
    const query = this.db('calls');
    if (filter.from) query.where('started_at', '>=', filter.from);
    if (filter.to) query.where('started_at', '<', filter.to);
    if (filter.memberId !== undefined) query.where('member_id', filter.memberId);
    if (filter.advisorId !== undefined) {
      const advisorId = filter.advisorId;
      query.where((w) => w.where('answered_by', advisorId).orWhere('owner_id', advisorId));
    }
    if (filter.outcome) query.where('outcome', filter.outcome);
    if (filter.reason) query.where('reason', filter.reason);
    if (filter.direction) query.where('direction', filter.direction);
    if (filter.callerNumber) query.where('caller_number', filter.callerNumber);
    const total = await countOf(query);
    const rows = (await query
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit)
      .offset(offset)) as CallRow[];
    return { items: rows.map(toCall), total, limit, offset };
  }

  /**
   * Whether the member (or the number) was on an answered call since `since`: an
   * abandoned-call callback is not created when the member was reached meanwhile.
   */
  async reachedSince(target: { memberId: number | null; number: string }, since: string): Promise<boolean> {
    const row = await this.db('calls')
      .where('outcome', 'answered')
      .where('started_at', '>=', since)
      .where((w) => {
        if (target.memberId !== null) w.where('member_id', target.memberId);
        w.orWhere('caller_number', target.number);
      })
      .first('id');
    return row !== undefined;
  }
}
