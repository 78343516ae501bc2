// The persistent callback queue. Every change goes through one of the methods below,
// checks the state it expects (optimistic concurrency) and writes an audit row in the
// same transaction. `claim` hands a callback to exactly one dispatcher, on SQLite and on
// PostgreSQL with several CTI servers (FOR UPDATE SKIP LOCKED).
import type { Knex } from 'knex';
import { ladderStartFor } from '../domain/callback-ladder.js';
import { CALLBACK_REASONS, type CallbackState, type Language, type MemberLevel } from '../domain/model.js';
import { normalizePhone } from '../domain/phone.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { CALLBACK_ACTIONS, diff, listEvents, workerActor, writeAudit, type Actor, type CallbackEvent } from './callback-audit.js';
import { isPostgres } from './database.js';
import { countOf, iso, isoInput, isForeignKeyViolation, num, pageOf, type Clock, type Page, type PageResult, transact } from './sql.js';
import {
  OPEN_CALLBACK_STATES,
  TRANSITIONS,
  URGENCY,
  byUrgency,
  checkPatch,
  toCallback,
  toColumns,
  type CallbackFilter,
  type CallbackPatch,
  type CallbackRecord,
  type CallbackRow,
  type ClaimRequest,
  type DueCallback,
  type NewCallback,
  type TransitionRequest,
} from './callback-rows.js';

export { OPEN_CALLBACK_STATES };
export type {
  CallbackFilter,
  CallbackPatch,
  CallbackRecord,
  ClaimRequest,
  DueCallback,
  NewCallback,
  TransitionPatch,
  TransitionRequest,
} from './callback-rows.js';

/** `callbackHolder(c) === advisorId` (server/domain/callback-holder.ts) in SQL: assigned to them, or unassigned and preferred for them. */
function heldBy(advisorId: number): (w: Knex.QueryBuilder) => void {
  return (w) => {
    w.where('assigned_advisor_id', advisorId).orWhere((o) => o.whereNull('assigned_advisor_id').where('preferred_advisor_id', advisorId));
  };
}

export class CallbackStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock; defaultCountry: string },
  ) {}

  async create(input: NewCallback, actor: Actor): Promise<CallbackRecord> {
    if (!CALLBACK_REASONS.includes(input.reason)) throw new ValidationError(`Reason must be one of ${CALLBACK_REASONS.join(', ')}.`);
    const phone = normalizePhone(input.number ?? '', { defaultCountry: this.options.defaultCountry });
    if (!phone.ok) throw new ValidationError(`Callback number "${input.number}" is not usable: ${phone.reason}.`);
    checkPatch(input);
    const clock = this.options.clock();
    const now = iso(clock);
    const dueAt = input.dueAt ? isoInput(input.dueAt, 'dueAt') : now;
    try {
      return await transact(this.db, async (trx) => {
        const [row] = (await trx('callbacks')
          .insert({
            member_id: input.memberId,
            number: phone.phone,
            reason: input.reason,
            state: 'pending',
            preferred_advisor_id: input.preferredAdvisorId ?? null,
            assigned_advisor_id: input.assignedAdvisorId ?? null,
            priority: input.priority ?? 0,
            first_call_at: input.firstCallAt ? isoInput(input.firstCallAt, 'firstCallAt') : now,
            due_at: dueAt,
            ladder_from: iso(new Date(ladderStartFor(Date.parse(dueAt), clock.getTime()))),
            scheduled: input.scheduled ?? false,
            max_attempts: input.maxAttempts,
            call_id: input.callId ?? null,
            note: input.note ?? '',
            created_at: now,
            updated_at: now,
          })
          .returning('*')) as CallbackRow[];
        const created = toCallback(row!);
        await writeAudit(trx, actor, now, [{ callbackId: created.id, action: CALLBACK_ACTIONS.created, before: null, after: { ...created } }]);
        return created;
      });
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new ValidationError('The member, advisor or call named in this callback does not exist.');
      throw err;
    }
  }

  async get(id: number): Promise<CallbackRecord | null> {
    const row = (await this.db('callbacks').where({ id }).first()) as CallbackRow | undefined;
    return row ? toCallback(row) : null;
  }

  async require(id: number): Promise<CallbackRecord> {
    const found = await this.get(id);
    if (!found) throw new NotFoundError(`Callback ${id}`);
    return found;
  }

  async list(filter: CallbackFilter = {}, page?: Page, order: 'urgency' | 'due' | 'newest' = 'due'): Promise<PageResult<CallbackRecord>> {
    const { limit, offset } = pageOf(page);
    const query = this.db('callbacks');
    if (filter.state !== undefined) query.whereIn('state', Array.isArray(filter.state) ? filter.state : [filter.state]);
    if (filter.reason) query.where('reason', filter.reason);
    if (filter.advisorId !== undefined) {
      const advisorId = filter.advisorId;
      query.where((w) => w.where('preferred_advisor_id', advisorId).orWhere('assigned_advisor_id', advisorId));
    }
    if (filter.heldBy !== undefined) query.where(heldBy(filter.heldBy));
    if (filter.memberId !== undefined) query.where('member_id', filter.memberId);
    if (filter.number) query.where('number', filter.number);
    if (filter.createdBefore) query.where('created_at', '<', filter.createdBefore);
    if (filter.createdAfter) query.where('created_at', '>=', filter.createdAfter);
    if (filter.dueBefore) query.where('due_at', '<=', filter.dueBefore);
    const total = await countOf(query);
    const ordering =
      order === 'urgency'
        ? URGENCY
        : order === 'newest'
          ? [
              { column: 'created_at', order: 'desc' as const },
              { column: 'id', order: 'desc' as const },
            ]
          : [
              { column: 'due_at', order: 'asc' as const },
              { column: 'id', order: 'asc' as const },
            ];
    const rows = (await query.orderBy(ordering).limit(limit).offset(offset)) as CallbackRow[];
    return { items: rows.map(toCallback), total, limit, offset };
  }

  /**
   * Pending callbacks due by `dueBy` (default now), most urgent first, with what the
   * dispatcher's pure pick needs of the member: the dispatcher's snapshot.
   */
  async listDue(options: { limit?: number; dueBy?: string } = {}): Promise<DueCallback[]> {
    const rows = (await this.db('callbacks as c')
      .leftJoin('members as m', 'm.id', 'c.member_id')
      .where('c.state', 'pending')
      .where('c.due_at', '<=', options.dueBy ?? iso(this.options.clock()))
      .orderBy(URGENCY.map((o) => ({ column: `c.${o.column}`, order: o.order })))
      .limit(Math.min(Math.max(options.limit ?? 200, 1), 5000))
      .select('c.*', 'm.level as member_level', 'm.time_zone as member_time_zone', 'm.language as member_language')) as Array<
      CallbackRow & { member_level: string | null; member_time_zone: string | null; member_language: string | null }
    >;
    return rows.map((r) => ({
      callback: toCallback(r),
      memberLevel: r.member_level as MemberLevel | null,
      timeZone: r.member_time_zone,
      language: r.member_language as Language | null,
    }));
  }

  /** Callbacks still waiting or in progress for a member or number (dedupe of abandoned calls). */
  async findOpen(target: { memberId: number | null; number: string }): Promise<CallbackRecord[]> {
    const rows = (await this.db('callbacks')
      .whereIn('state', OPEN_CALLBACK_STATES)
      .where((w) => {
        if (target.memberId !== null) w.where('member_id', target.memberId);
        w.orWhere('number', target.number);
      })
      .orderBy('id')) as CallbackRow[];
    return rows.map(toCallback);
  }

  async events(id: number): Promise<CallbackEvent[]> {
    return listEvents(this.db, id);
  }

  /** Supervisor edits (assign, reschedule, prioritise) while the callback waits. */
  async update(id: number, patch: CallbackPatch, actor: Actor, expected: CallbackState[] = ['pending'], note = ''): Promise<CallbackRecord> {
    checkPatch(patch);
    return this.change(id, expected, toColumns(patch), actor, CALLBACK_ACTIONS.updated, note);
  }

  /** Moves the callback along its life cycle, only from the state(s) the caller expects. */
  async transition(id: number, request: TransitionRequest, actor: Actor): Promise<CallbackRecord> {
    const from = Array.isArray(request.from) ? request.from : [request.from];
    for (const state of from) {
      if (!TRANSITIONS[state].includes(request.to)) throw new ValidationError(`A callback cannot go from ${state} to ${request.to}.`);
    }
    checkPatch(request.patch ?? {});
    const columns: Record<string, unknown> = { state: request.to, ...toColumns(request.patch ?? {}) };
    if (request.to !== 'reserved' && request.to !== 'dialing') Object.assign(columns, { reserved_by: null, lease_until: null });
    if (request.to === 'completed' && columns.completed_at === undefined) columns.completed_at = iso(this.options.clock());
    const action = request.to === 'cancelled' ? CALLBACK_ACTIONS.cancelled : CALLBACK_ACTIONS.transition;
    return this.change(id, from, columns, actor, action, request.note ?? '', request.reservedBy);
  }

  /**
   * Counts the attempt before the member's phone rings, while this worker still holds the
   * lease: a server that dies mid-dial has already recorded the dial it made, so the
   * callback comes back with the attempt counted instead of ringing the member uncounted.
   */
  async recordAttempt(id: number, workerId: string, note: string): Promise<CallbackRecord> {
    return this.change(id, ['dialing'], { attempts: this.db.raw('attempts + 1') }, workerActor(workerId), CALLBACK_ACTIONS.attempt, note, workerId);
  }

  async cancel(id: number, reason: string, actor: Actor): Promise<CallbackRecord> {
    if (!reason?.trim()) throw new ValidationError('Say why the callback is cancelled.');
    return this.transition(id, { from: ['pending', 'reserved', 'failed'], to: 'cancelled', patch: { cancelReason: reason.trim() }, note: reason.trim() }, actor);
  }

  private async change(
    id: number,
    expected: readonly CallbackState[],
    columns: Record<string, unknown>,
    actor: Actor,
    action: (typeof CALLBACK_ACTIONS)[keyof typeof CALLBACK_ACTIONS],
    note: string,
    reservedBy?: string,
  ): Promise<CallbackRecord> {
    const now = iso(this.options.clock());
    try {
      return await transact(this.db, async (trx) => {
        const read = trx('callbacks').where({ id }).first();
        if (isPostgres(this.db)) read.forUpdate();
        const beforeRow = (await read) as CallbackRow | undefined;
        if (!beforeRow) throw new NotFoundError(`Callback ${id}`);
        const before = toCallback(beforeRow);
        if (!expected.includes(before.state)) {
          throw new ConflictError(`Callback ${id} is ${before.state} now (expected ${expected.join(' or ')}): reload and retry.`);
        }
        const update = trx('callbacks').where({ id }).whereIn('state', expected);
        if (reservedBy !== undefined) update.where('reserved_by', reservedBy);
        const [row] = (await update.update({ ...columns, updated_at: now }).returning('*')) as CallbackRow[];
        if (!row) throw new ConflictError(`Callback ${id} was taken over by another dispatcher (its lease expired).`);
        const after = toCallback(row);
        const changed = diff(before, after);
        await writeAudit(trx, actor, now, [{ callbackId: id, action, ...changed, note }]);
        return after;
      });
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new ValidationError('The advisor or call named does not exist.');
      throw err;
    }
  }

  /**
   * Reserves up to `limit` due pending callbacks for this worker, most urgent first, in one
   * statement: two dispatchers never get the same callback. On PostgreSQL the candidates are
   * locked `FOR UPDATE SKIP LOCKED` in a materialized CTE that the UPDATE joins: inside
   * `id IN (subquery)` the planner may run the subquery again, and a second run that skips
   * what the first locked leaves rows locked but not updated, invisible to the other
   * dispatchers until this transaction ends (a store test saw 199 of 200 claimed under load).
   */
  async claim(request: ClaimRequest): Promise<CallbackRecord[]> {
    if (!request.workerId) throw new ValidationError('A claim needs a worker id.');
    if (request.ids?.length === 0) return [];
    const nowDate = this.options.clock();
    const now = iso(nowDate);
    const leaseUntil = iso(new Date(nowDate.getTime() + request.leaseMs));
    return transact(this.db, async (trx) => {
      const candidates = trx('callbacks').select('id').where('state', 'pending').where('due_at', '<=', now);
      if (request.ids) candidates.whereIn('id', request.ids);
      if (request.advisorId !== undefined) candidates.where(heldBy(request.advisorId));
      candidates.orderBy(URGENCY).limit(Math.min(Math.max(request.limit ?? 1, 1), 100));
      const reserve = { state: 'reserved', reserved_by: request.workerId, lease_until: leaseUntil, updated_at: now };
      const rows = (
        isPostgres(this.db)
          ? await trx('callbacks as c')
              .withMaterialized('picked', candidates.forUpdate().skipLocked())
              .updateFrom('picked')
              .where('c.id', trx.ref('picked.id'))
              .where('c.state', 'pending')
              .update(reserve)
              .returning('c.*')
          : await trx('callbacks').where('state', 'pending').whereIn('id', candidates).update(reserve).returning('*')
      ) as CallbackRow[];
      const claimed = rows.map(toCallback).sort(byUrgency);
      await writeAudit(
        trx,
        { userId: null, label: request.workerId },
        now,
        claimed.map((c) => ({
          callbackId: c.id,
          action: CALLBACK_ACTIONS.claimed,
          before: { state: 'pending', reservedBy: null, leaseUntil: null },
          after: { state: 'reserved', reservedBy: request.workerId, leaseUntil },
        })),
      );
      return claimed;
    });
  }

  /** Extends the lease of a callback this worker holds; false when it lost it. */
  async renewLease(id: number, workerId: string, leaseMs: number): Promise<boolean> {
    const until = iso(new Date(this.options.clock().getTime() + leaseMs));
    const updated = await this.db('callbacks')
      .where({ id, reserved_by: workerId })
      .whereIn('state', ['reserved', 'dialing'])
      .update({ lease_until: until });
    return updated > 0;
  }

  /** Puts callbacks whose holder died (lease past) back in the queue; returns them. */
  async releaseExpired(): Promise<CallbackRecord[]> {
    const now = iso(this.options.clock());
    return transact(this.db, async (trx) => {
      const expired = trx('callbacks')
        .whereIn('state', ['reserved', 'dialing'])
        .where('lease_until', '<', now)
        .select('id', 'state', 'reserved_by', 'lease_until');
      if (isPostgres(this.db)) expired.forUpdate().skipLocked();
      const held = (await expired) as Array<{ id: number; state: string; reserved_by: string | null; lease_until: string }>;
      if (!held.length) return [];
      const rows = (await trx('callbacks')
        .whereIn(
          'id',
          held.map((h) => h.id),
        )
        .whereIn('state', ['reserved', 'dialing'])
        .where('lease_until', '<', now)
        .update({ state: 'pending', reserved_by: null, lease_until: null, updated_at: now })
        .returning('*')) as CallbackRow[];
      const released = rows.map(toCallback).sort((a, b) => a.id - b.id);
      const heldById = new Map(held.map((h) => [num(h.id), h]));
      await writeAudit(
        trx,
        { userId: null, label: 'system' },
        now,
        released.map((c) => {
          const h = heldById.get(c.id);
          return {
            callbackId: c.id,
            action: CALLBACK_ACTIONS.leaseExpired,
            before: { state: h?.state, reservedBy: h?.reserved_by ?? null, leaseUntil: h?.lease_until ?? null },
            after: { state: 'pending', reservedBy: null, leaseUntil: null },
          };
        }),
      );
      return released;
    });
  }

  async countByState(): Promise<Record<CallbackState, number>> {
    const rows = (await this.db('callbacks').groupBy('state').select('state').count({ n: '*' })) as Array<{ state: CallbackState; n: unknown }>;
    const counts: Record<CallbackState, number> = { pending: 0, reserved: 0, dialing: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const r of rows) counts[r.state] = num(r.n);
    return counts;
  }

  async count(filter: CallbackFilter = {}): Promise<number> {
    return (await this.list(filter, { limit: 1 })).total;
  }
}

