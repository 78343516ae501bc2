// The hot path of every inbound call: caller number -> member -> current owner ->
// the owner's delegates in order. One indexed query for member + owner (+ the member's
// phones aggregated in a correlated subquery), one for the delegates when there is an owner.
// The queries are knex's on every database; on a SQLite file they run as statements
// prepared once on a read connection of their own (sqliteReader), which takes most of the
// cost off a lookup that every call makes.
import type BetterSqlite3 from 'better-sqlite3';
import type { Knex } from 'knex';
import type { Advisor, Member, OwnershipRecord } from '../domain/model.js';
import { normalizePhone } from '../domain/phone.js';
import { toAdvisor, type AdvisorRow } from './advisors.js';
import { isPostgres, sqliteReader } from './database.js';
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

/** The lookup's query shapes, each taking one value. */
type Shape = 'byPhone' | 'byMemberNo' | 'byMemberId' | 'delegatesOf';
type ShapeValue = string | number;

export class CallerLookup {
  private readonly phonesSql: string;
  private readonly shapes: Record<Shape, (value: ShapeValue) => Knex.QueryBuilder>;
  private readonly run: ShapeRunner;

  constructor(
    private readonly db: Knex,
    private readonly options: { defaultCountry: string },
  ) {
    const aggregate = isPostgres(db) ? 'string_agg' : 'group_concat';
    this.phonesSql = `(select ${aggregate}(mp.phone, ',' order by mp.id) from member_phones mp where mp.member_id = m.id) as phones`;
    this.shapes = {
      byPhone: (phone) => this.contextQuery().whereIn('m.id', this.db('member_phones').select('member_id').where('phone', phone)).first(),
      byMemberNo: (memberNo) => this.contextQuery().where('m.member_no', memberNo).first(),
      byMemberId: (memberId) => this.contextQuery().where('m.id', memberId).first(),
      delegatesOf: (ownerId) =>
        this.db('advisor_delegates as d')
          .join('advisors as a', 'a.id', 'd.delegate_id')
          .where('d.advisor_id', ownerId)
          .where('a.active', true)
          .orderBy('d.position')
          .select(ADVISOR_FIELDS.map((f) => `a.${f}`)),
    };
    const reader = sqliteReader(db);
    this.run = reader ? new PreparedShapes(reader, this.shapes) : new KnexShapes(this.shapes);
  }

  /** null when the number is unusable (anonymous, garbage) or belongs to no member. */
  async findCallerContext(phone: string): Promise<CallerContext | null> {
    const normalized = normalizePhone(phone, { defaultCountry: this.options.defaultCountry });
    if (!normalized.ok) return null;
    return this.contextOf(await this.run.first<ContextRow>('byPhone', normalized.phone));
  }

  /** For members who key their member number in the IVR. */
  async findCallerContextByMemberNo(memberNo: string): Promise<CallerContext | null> {
    return this.contextOf(await this.run.first<ContextRow>('byMemberNo', memberNo.trim()));
  }

  async findCallerContextByMemberId(memberId: number): Promise<CallerContext | null> {
    return this.contextOf(await this.run.first<ContextRow>('byMemberId', memberId));
  }

  private contextOf(row: ContextRow | undefined): Promise<CallerContext | null> | null {
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
    const delegateRows = await this.run.all<AdvisorRow>('delegatesOf', owner.id);
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

interface ShapeRunner {
  first<Row>(shape: Shape, value: ShapeValue): Promise<Row | undefined>;
  all<Row>(shape: Shape, value: ShapeValue): Promise<Row[]>;
}

class KnexShapes implements ShapeRunner {
  constructor(private readonly shapes: Record<Shape, (value: ShapeValue) => Knex.QueryBuilder>) {}

  async first<Row>(shape: Shape, value: ShapeValue): Promise<Row | undefined> {
    return (await this.shapes[shape](value)) as Row | undefined;
  }

  async all<Row>(shape: Shape, value: ShapeValue): Promise<Row[]> {
    return (await this.shapes[shape](value)) as Row[];
  }
}

/** Stands for the value while a shape is compiled, so the statement knows where it goes. */
const PLACEHOLDER = '\u0000cti-lookup-value\u0000';

interface PreparedShape {
  statement: BetterSqlite3.Statement;
  bindings: unknown[];
  valueAt: number;
}

/**
 * Each shape compiled by knex once (the same SQL as KnexShapes runs) and prepared on the
 * read connection the first time it is used: the schema may not exist yet when the store
 * is created.
 */
class PreparedShapes implements ShapeRunner {
  private readonly prepared = new Map<Shape, PreparedShape>();

  constructor(
    private readonly reader: BetterSqlite3.Database,
    private readonly shapes: Record<Shape, (value: ShapeValue) => Knex.QueryBuilder>,
  ) {}

  async first<Row>(shape: Shape, value: ShapeValue): Promise<Row | undefined> {
    const { statement, bindings } = this.bind(shape, value);
    return statement.get(...bindings) as Row | undefined;
  }

  async all<Row>(shape: Shape, value: ShapeValue): Promise<Row[]> {
    const { statement, bindings } = this.bind(shape, value);
    return statement.all(...bindings) as Row[];
  }

  private bind(shape: Shape, value: ShapeValue): { statement: BetterSqlite3.Statement; bindings: unknown[] } {
    const prepared = this.prepared.get(shape) ?? this.prepare(shape);
    const bindings = [...prepared.bindings];
    bindings[prepared.valueAt] = value;
    return { statement: prepared.statement, bindings };
  }

  private prepare(shape: Shape): PreparedShape {
    const { sql, bindings } = this.shapes[shape](PLACEHOLDER).toSQL().toNative();
    const valueAt = bindings.indexOf(PLACEHOLDER);
    if (valueAt < 0 || bindings.indexOf(PLACEHOLDER, valueAt + 1) >= 0) throw new Error(`caller lookup ${shape}: the value must appear exactly once in its query`);
    // As knex's better-sqlite3 client passes them: SQLite has no booleans.
    const fixed = bindings.map((b) => (typeof b === 'boolean' ? Number(b) : b));
    const prepared = { statement: this.reader.prepare(sql), bindings: fixed, valueAt };
    this.prepared.set(shape, prepared);
    return prepared;
  }
}
