// The hot path of every inbound call: caller number -> member -> current owner ->
// the owner's delegates in order. One indexed query for member + owner (+ the member's
// phones aggregated in a correlated subquery), one for the delegates when there is an owner.
import type { Knex } from 'knex';
import type { Advisor, Member, OwnershipRecord } from '../domain/model.js';
import { normalizePhone } from '../domain/phone.js';
import { toAdvisor, type AdvisorRow } from './advisors.js';
import { isPostgres } from './database.js';
import { MEMBER_COLUMNS, toMember, type MemberRow } from './members.js';
import { num, numOrNull } from './sql.js';

export interface CallerContext {
  member: Member;
  /** The current owner, even if they have left (the router then treats them as absent). */
  owner: Advisor | null;
  ownership: OwnershipRecord | null;
  /** The owner's active delegates in order of preference; advisors who left are skipped. */
  delegates: Advisor[];
}

type ContextRow = MemberRow & {
  phones: string | null;
  own_since: string | null;
  own_reason: string | null;
  own_note: string | null;
  own_changed_by: number | null;
  adv_id: number | null;
  adv_name: string;
  adv_name_zh: string;
  adv_tier: string;
  adv_endpoint: string;
  adv_active: unknown;
  adv_left_at: string | null;
  adv_capacity: number;
  adv_created_at: string;
  adv_updated_at: string;
};

const ADVISOR_FIELDS = ['id', 'name', 'name_zh', 'tier', 'endpoint', 'active', 'left_at', 'capacity', 'created_at', 'updated_at'] as const;

export class CallerLookup {
  private readonly phonesSql: string;

  constructor(
    private readonly db: Knex,
    private readonly options: { defaultCountry: string },
  ) {
    const aggregate = isPostgres(db) ? 'string_agg' : 'group_concat';
    this.phonesSql = `(select ${aggregate}(mp.phone, ',' order by mp.id) from member_phones mp where mp.member_id = m.id) as phones`;
  }

  /** null when the number is unusable (anonymous, garbage) or belongs to no member. */
  async findCallerContext(phone: string): Promise<CallerContext | null> {
    const normalized = normalizePhone(phone, { defaultCountry: this.options.defaultCountry });
    if (!normalized.ok) return null;
    const row = (await this.contextQuery()
      .whereIn('m.id', this.db('member_phones').select('member_id').where('phone', normalized.phone))
      .first()) as ContextRow | undefined;
    return row ? this.assemble(row) : null;
  }

  /** For members who key their member number in the IVR. */
  async findCallerContextByMemberNo(memberNo: string): Promise<CallerContext | null> {
    const row = (await this.contextQuery().where('m.member_no', memberNo.trim()).first()) as ContextRow | undefined;
    return row ? this.assemble(row) : null;
  }

  async findCallerContextByMemberId(memberId: number): Promise<CallerContext | null> {
    const row = (await this.contextQuery().where('m.id', memberId).first()) as ContextRow | undefined;
    return row ? this.assemble(row) : null;
  }

  private contextQuery(): Knex.QueryBuilder {
    return this.db('members as m')
      .leftJoin('member_ownership as o', function () {
        this.on('o.member_id', '=', 'm.id').andOnNull('o.until');
      })
      .leftJoin('advisors as a', 'a.id', 'o.advisor_id')
      .select(
        ...MEMBER_COLUMNS,
        'o.since as own_since',
        'o.reason as own_reason',
        'o.handover_note as own_note',
        'o.changed_by as own_changed_by',
        ...ADVISOR_FIELDS.map((f) => `a.${f} as adv_${f}`),
        this.db.raw(this.phonesSql),
      );
  }

  private async assemble(row: ContextRow): Promise<CallerContext> {
    const member = toMember(row, row.phones ? row.phones.split(',') : []);
    if (row.adv_id === null || row.owner_id === null) return { member, owner: null, ownership: null, delegates: [] };
    const owner = toAdvisor({
      id: row.adv_id,
      name: row.adv_name,
      name_zh: row.adv_name_zh,
      tier: row.adv_tier,
      endpoint: row.adv_endpoint,
      active: row.adv_active,
      left_at: row.adv_left_at,
      capacity: row.adv_capacity,
      created_at: row.adv_created_at,
      updated_at: row.adv_updated_at,
    });
    const delegateRows = (await this.db('advisor_delegates as d')
      .join('advisors as a', 'a.id', 'd.delegate_id')
      .where('d.advisor_id', owner.id)
      .where('a.active', true)
      .orderBy('d.position')
      .select(ADVISOR_FIELDS.map((f) => `a.${f}`))) as AdvisorRow[];
    return {
      member,
      owner,
      ownership: {
        memberId: member.id,
        advisorId: owner.id,
        since: row.own_since ?? '',
        until: null,
        reason: row.own_reason ?? '',
        handoverNote: row.own_note ?? '',
        changedBy: numOrNull(row.own_changed_by),
      },
      delegates: delegateRows.map((r) => toAdvisor({ ...r, id: num(r.id) })),
    };
  }
}
