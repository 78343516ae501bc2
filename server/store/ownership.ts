// Who owns which member, with full history. Exactly one current row (until IS NULL)
// per member or none: the partial unique index member_ownership_one_current enforces
// it even when two supervisors move the same member at the same time.
import type { Knex } from 'knex';
import type { OwnershipRecord } from '../domain/model.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { bool, iso, isUniqueViolation, num, numOrNull, type Clock, transact } from './sql.js';

export interface OwnershipMove {
  memberId: number;
  /** The new owner, or null to leave the member unowned (recalled to the pool). */
  advisorId: number | null;
  /** Why: `new-member`, `recall-dormant`, `member-request`, `advisor-left`, `rebalance`... */
  reason: string;
  handoverNote?: string;
  /** User id of the supervisor who decided, null for the system. */
  changedBy?: number | null;
}

export interface AdvisorLoad {
  advisorId: number;
  members: number;
}

interface OwnershipRow {
  member_id: number;
  advisor_id: number;
  since: string;
  until: string | null;
  reason: string;
  handover_note: string;
  changed_by: number | null;
}

export function toOwnership(row: OwnershipRow): OwnershipRecord {
  return {
    memberId: num(row.member_id),
    advisorId: num(row.advisor_id),
    since: row.since,
    until: row.until,
    reason: row.reason,
    handoverNote: row.handover_note,
    changedBy: numOrNull(row.changed_by),
  };
}

const COLUMNS = ['member_id', 'advisor_id', 'since', 'until', 'reason', 'handover_note', 'changed_by'];

/**
 * Closes the member's current ownership and opens the new one, inside `trx`.
 * Exported for MemberStore.create (initial owner) and the batch below.
 */
export async function moveOwnership(trx: Knex.Transaction, move: OwnershipMove, at: string): Promise<OwnershipRecord | null> {
  const member = await trx('members').where({ id: move.memberId }).first('id');
  if (!member) throw new NotFoundError(`Member ${move.memberId}`);
  if (move.advisorId !== null) {
    const advisor = (await trx('advisors').where({ id: move.advisorId }).first('id', 'active')) as
      | { id: number; active: unknown }
      | undefined;
    if (!advisor) throw new ValidationError(`Advisor ${move.advisorId} does not exist.`);
    if (!bool(advisor.active)) throw new ValidationError(`Advisor ${move.advisorId} has left and cannot take members.`);
  }
  const current = (await trx('member_ownership').where({ member_id: move.memberId }).whereNull('until').first('id', 'advisor_id')) as
    | { id: number; advisor_id: number }
    | undefined;
  if (current && num(current.advisor_id) === move.advisorId) {
    throw new ConflictError(`Member ${move.memberId} is already owned by advisor ${move.advisorId}.`);
  }
  if (!current && move.advisorId === null) throw new ConflictError(`Member ${move.memberId} has no owner to recall.`);
  try {
    if (current) {
      const closed = await trx('member_ownership').where({ id: current.id }).whereNull('until').update({ until: at });
      if (closed === 0) throw new ConflictError(`Member ${move.memberId} was just moved by someone else: reload and retry.`);
    }
    if (move.advisorId === null) return null;
    const row: OwnershipRow = {
      member_id: move.memberId,
      advisor_id: move.advisorId,
      since: at,
      until: null,
      reason: move.reason,
      handover_note: move.handoverNote ?? '',
      changed_by: move.changedBy ?? null,
    };
    await trx('member_ownership').insert(row);
    return toOwnership(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`Member ${move.memberId} was just moved by someone else: reload and retry.`);
    throw err;
  }
}

export class OwnershipStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock },
  ) {}

  async current(memberId: number): Promise<OwnershipRecord | null> {
    const row = (await this.db('member_ownership').select(COLUMNS).where({ member_id: memberId }).whereNull('until').first()) as
      | OwnershipRow
      | undefined;
    return row ? toOwnership(row) : null;
  }

  /** Newest first; the current row (if any) comes first. */
  async history(memberId: number): Promise<OwnershipRecord[]> {
    const rows = (await this.db('member_ownership')
      .select(COLUMNS)
      .where({ member_id: memberId })
      .orderBy([
        { column: 'since', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])) as OwnershipRow[];
    return rows.map(toOwnership);
  }

  async reassign(move: OwnershipMove): Promise<OwnershipRecord | null> {
    const at = iso(this.options.clock());
    return transact(this.db, (trx) => moveOwnership(trx, move, at));
  }

  /** All moves or none: one failing move (unknown member, left advisor, race) rolls back the batch. */
  async applyMoves(moves: OwnershipMove[]): Promise<Array<OwnershipRecord | null>> {
    const memberIds = moves.map((m) => m.memberId);
    if (new Set(memberIds).size !== memberIds.length) throw new ValidationError('A batch may move each member only once.');
    const at = iso(this.options.clock());
    return transact(this.db, async (trx) => {
      const results: Array<OwnershipRecord | null> = [];
      for (const move of moves) results.push(await moveOwnership(trx, move, at));
      return results;
    });
  }

  /** Current member count of every advisor (active or not), zero included; ordered by advisor id. */
  async countsByAdvisor(): Promise<AdvisorLoad[]> {
    // Grouping the current rows alone lets both databases count from the partial index
    // member_ownership_current_by_advisor; advisors without members are filled in after.
    const counted = (await this.db('member_ownership')
      .whereNull('until')
      .groupBy('advisor_id')
      .select('advisor_id')
      .count({ members: '*' })) as Array<{ advisor_id: number; members: unknown }>;
    const byAdvisor = new Map(counted.map((r) => [num(r.advisor_id), num(r.members)]));
    const advisors = (await this.db('advisors').orderBy('id').select('id')) as Array<{ id: number }>;
    return advisors.map((a) => ({ advisorId: num(a.id), members: byAdvisor.get(num(a.id)) ?? 0 }));
  }

  /** Member ids currently owned by an advisor (recall when an advisor leaves). */
  async memberIdsOf(advisorId: number): Promise<number[]> {
    const rows = (await this.db('member_ownership').where({ advisor_id: advisorId }).whereNull('until').orderBy('member_id').select('member_id')) as Array<{
      member_id: number;
    }>;
    return rows.map((r) => num(r.member_id));
  }
}
