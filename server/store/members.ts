// Members with their phones and current owner: create, read, search, list, update.
import type { Knex } from 'knex';
import {
  LANGUAGES,
  MEMBER_LEVELS,
  type Advisor,
  type Language,
  type Member,
  type MemberLevel,
  type OwnershipRecord,
} from '../domain/model.js';
import { normalizePhone } from '../domain/phone.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { ADVISOR_COLUMNS, toAdvisor, type AdvisorRow } from './advisors.js';
import { applyMemberFilter, type MemberFilter } from './member-filters.js';
import { moveOwnership } from './ownership.js';

export type { MemberFilter } from './member-filters.js';
import { isPostgres } from './database.js';
import { countOf, iso, isoInput, isUniqueViolation, likeFragment, num, numOrNull, pageOf, parseJson, type Clock, type Page, type PageResult, transact } from './sql.js';

export interface PhoneEntry {
  phone: string;
  label: string;
}

export interface MemberDetail extends Member {
  phoneEntries: PhoneEntry[];
  owner: Advisor | null;
  ownership: OwnershipRecord | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewMember {
  memberNo: string;
  name: string;
  level: MemberLevel;
  phones: Array<string | PhoneEntry>;
  ownerId?: number | null;
  timeZone?: string;
  language?: Language;
  joinedAt?: string;
  lastPurchaseAt?: string | null;
  purchaseCount?: number;
  totalSpend?: number;
  notes?: string;
  servicePlan?: string;
  tags?: string[];
}

export type MemberPatch = Partial<
  Pick<NewMember, 'name' | 'level' | 'timeZone' | 'language' | 'lastPurchaseAt' | 'purchaseCount' | 'totalSpend' | 'notes' | 'servicePlan' | 'tags'>
>;

export interface MemberRow {
  id: number;
  member_no: string;
  name: string;
  level: string;
  time_zone: string;
  language: string;
  joined_at: string;
  last_purchase_at: string | null;
  purchase_count: number;
  total_spend: number | string;
  notes: string;
  service_plan: string;
  tags: string;
  created_at: string;
  updated_at: string;
  owner_id: number | null;
}

export const MEMBER_COLUMNS = [
  'm.id',
  'm.member_no',
  'm.name',
  'm.level',
  'm.time_zone',
  'm.language',
  'm.joined_at',
  'm.last_purchase_at',
  'm.purchase_count',
  'm.total_spend',
  'm.notes',
  'm.service_plan',
  'm.tags',
  'm.created_at',
  'm.updated_at',
  'o.advisor_id as owner_id',
];

export function toMember(row: MemberRow, phones: string[]): Member {
  return {
    id: num(row.id),
    memberNo: row.member_no,
    name: row.name,
    level: row.level as MemberLevel,
    timeZone: row.time_zone,
    language: row.language as Language,
    joinedAt: row.joined_at,
    lastPurchaseAt: row.last_purchase_at,
    purchaseCount: num(row.purchase_count),
    totalSpend: num(row.total_spend),
    notes: row.notes,
    servicePlan: row.service_plan,
    tags: parseJson<string[]>(row.tags, []),
    phones,
    ownerId: numOrNull(row.owner_id),
  };
}

export class MemberStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock; defaultCountry: string },
  ) {}

  /** Normalises to E.164 digits with the configured default country, or throws ValidationError. */
  normalize(phone: string): string {
    const result = normalizePhone(phone, { defaultCountry: this.options.defaultCountry });
    if (!result.ok) throw new ValidationError(`Phone "${phone}" is not usable: ${result.reason}.`);
    return result.phone;
  }

  private baseQuery(db: Knex | Knex.Transaction = this.db): Knex.QueryBuilder {
    return db('members as m')
      .leftJoin('member_ownership as o', function () {
        this.on('o.member_id', '=', 'm.id').andOnNull('o.until');
      })
      .select(MEMBER_COLUMNS);
  }

  async create(input: NewMember, changedBy: number | null = null): Promise<MemberDetail> {
    const memberNo = input.memberNo?.trim() ?? '';
    if (!/^[A-Za-z0-9-]{1,32}$/.test(memberNo)) throw new ValidationError('Member number must be 1-32 letters, digits or dashes.');
    if (!input.name?.trim()) throw new ValidationError('A member needs a name.');
    checkPatch(input);
    const entries = this.phoneEntries(input.phones ?? []);
    const now = iso(this.options.clock());
    const id = await transact(this.db, async (trx) => {
      let inserted: { id: number } | undefined;
      try {
        [inserted] = (await trx('members')
          .insert({
            member_no: memberNo,
            name: input.name.trim(),
            level: input.level,
            time_zone: input.timeZone ?? 'Asia/Shanghai',
            language: input.language ?? 'zh',
            joined_at: input.joinedAt ? isoInput(input.joinedAt, 'joinedAt') : now,
            last_purchase_at: input.lastPurchaseAt ? isoInput(input.lastPurchaseAt, 'lastPurchaseAt') : null,
            purchase_count: input.purchaseCount ?? 0,
            total_spend: input.totalSpend ?? 0,
            notes: input.notes ?? '',
            service_plan: input.servicePlan ?? '',
            tags: JSON.stringify(input.tags ?? []),
            created_at: now,
            updated_at: now,
          })
          .returning('id')) as Array<{ id: number }>;
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`Member number ${memberNo} is already taken.`);
        throw err;
      }
      const memberId = num(inserted!.id);
      await this.insertPhones(trx, memberId, entries);
      if (input.ownerId !== undefined && input.ownerId !== null) {
        await moveOwnership(trx, { memberId, advisorId: input.ownerId, reason: 'new-member', changedBy }, now);
      }
      return memberId;
    });
    return (await this.get(id))!;
  }

  private phoneEntries(phones: Array<string | PhoneEntry>): PhoneEntry[] {
    const entries = phones.map((p) => (typeof p === 'string' ? { phone: p, label: '' } : p));
    const normalized = entries.map((e) => ({ phone: this.normalize(e.phone), label: (e.label ?? '').slice(0, 32) }));
    if (new Set(normalized.map((e) => e.phone)).size !== normalized.length) {
      throw new ValidationError('The same phone number is listed twice.');
    }
    return normalized;
  }

  private async insertPhones(trx: Knex.Transaction, memberId: number, entries: PhoneEntry[]): Promise<void> {
    if (!entries.length) return;
    const taken = (await trx('member_phones as p')
      .join('members as m', 'm.id', 'p.member_id')
      .whereIn(
        'p.phone',
        entries.map((e) => e.phone),
      )
      .select('p.phone', 'm.member_no')) as Array<{ phone: string; member_no: string }>;
    if (taken.length) {
      throw new ConflictError(`Phone ${taken[0]!.phone} already belongs to member ${taken[0]!.member_no}.`);
    }
    try {
      await trx('member_phones').insert(entries.map((e) => ({ member_id: memberId, phone: e.phone, label: e.label })));
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('One of these phones was just given to another member.');
      throw err;
    }
  }

  async get(id: number): Promise<MemberDetail | null> {
    const row = (await this.baseQuery().where('m.id', id).first()) as MemberRow | undefined;
    return row ? this.detail(row) : null;
  }

  async require(id: number): Promise<MemberDetail> {
    const found = await this.get(id);
    if (!found) throw new NotFoundError(`Member ${id}`);
    return found;
  }

  async getByMemberNo(memberNo: string): Promise<MemberDetail | null> {
    const row = (await this.baseQuery().where('m.member_no', memberNo.trim()).first()) as MemberRow | undefined;
    return row ? this.detail(row) : null;
  }

  async getByPhone(phone: string): Promise<MemberDetail | null> {
    const result = normalizePhone(phone, { defaultCountry: this.options.defaultCountry });
    if (!result.ok) return null;
    const row = (await this.baseQuery()
      .join('member_phones as p', 'p.member_id', 'm.id')
      .where('p.phone', result.phone)
      .first()) as MemberRow | undefined;
    return row ? this.detail(row) : null;
  }

  private async detail(row: MemberRow): Promise<MemberDetail> {
    const id = num(row.id);
    const phones = (await this.db('member_phones').where({ member_id: id }).orderBy('id').select('phone', 'label')) as PhoneEntry[];
    const ownership = (await this.db('member_ownership').where({ member_id: id }).whereNull('until').first()) as
      | { advisor_id: number; since: string; reason: string; handover_note: string; changed_by: number | null }
      | undefined;
    const ownerRow = ownership
      ? ((await this.db('advisors').select(ADVISOR_COLUMNS).where({ id: ownership.advisor_id }).first()) as AdvisorRow | undefined)
      : undefined;
    return {
      ...toMember(row, phones.map((p) => p.phone)),
      phoneEntries: phones,
      owner: ownerRow ? toAdvisor(ownerRow) : null,
      ownership: ownership
        ? {
            memberId: id,
            advisorId: num(ownership.advisor_id),
            since: ownership.since,
            until: null,
            reason: ownership.reason,
            handoverNote: ownership.handover_note,
            changedBy: numOrNull(ownership.changed_by),
          }
        : null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /**
   * Finds members by member number (exact), by any phone in any format, or by a name
   * fragment; best matches first, at most `limit`.
   */
  async search(text: string, limit = 20): Promise<Member[]> {
    const query = text.trim();
    if (query === '') return [];
    const max = Math.min(Math.max(limit, 1), 100);
    const found: MemberRow[] = [];
    const byNo = (await this.baseQuery().whereIn('m.member_no', [...new Set([query, query.toUpperCase()])]).limit(1)) as MemberRow[];
    found.push(...byNo);
    const phone = normalizePhone(query, { defaultCountry: this.options.defaultCountry });
    if (phone.ok && /\d{6,}/.test(query.replace(/\D/g, ''))) {
      const byPhone = (await this.baseQuery().join('member_phones as p', 'p.member_id', 'm.id').where('p.phone', phone.phone).limit(1)) as MemberRow[];
      found.push(...byPhone);
    }
    // A name scan reads every member: only when neither number nor phone matched.
    if (found.length === 0) {
      const like = isPostgres(this.db) ? 'ilike' : 'like';
      const byName = (await this.baseQuery()
        .where((w) => {
          w.whereRaw(`m.name ${like} ? escape '\\'`, [likeFragment(query)]).orWhereRaw(`m.member_no ${like} ? escape '\\'`, [
            `${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
          ]);
        })
        .orderBy('m.member_no')
        .limit(max)) as MemberRow[];
      found.push(...byName);
    }
    const unique = [...new Map(found.map((r) => [num(r.id), r])).values()].slice(0, max);
    return this.withPhones(unique);
  }

  async list(filter: MemberFilter = {}, page?: Page): Promise<PageResult<Member>> {
    const { limit, offset } = pageOf(page);
    const query = this.baseQuery();
    applyMemberFilter(query, filter, this.db, this.options.clock());
    const total = await countOf(query);
    const rows = (await query.orderBy('m.id').limit(limit).offset(offset)) as MemberRow[];
    return { items: await this.withPhones(rows), total, limit, offset };
  }

  /** Display names of members by id (lists that show who a row is about); unknown ids are absent. */
  async namesOf(ids: readonly number[]): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = (await this.db('members').whereIn('id', unique.slice(i, i + 500)).select('id', 'name')) as Array<{ id: number; name: string }>;
      for (const r of rows) names.set(num(r.id), r.name);
    }
    return names;
  }

  private async withPhones(rows: MemberRow[]): Promise<Member[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => num(r.id));
    const phones = (await this.db('member_phones').whereIn('member_id', ids).orderBy('id').select('member_id', 'phone')) as Array<{
      member_id: number;
      phone: string;
    }>;
    const byMember = new Map<number, string[]>();
    for (const p of phones) {
      const list = byMember.get(num(p.member_id)) ?? [];
      list.push(p.phone);
      byMember.set(num(p.member_id), list);
    }
    return rows.map((r) => toMember(r, byMember.get(num(r.id)) ?? []));
  }

  async update(id: number, patch: MemberPatch): Promise<MemberDetail> {
    checkPatch(patch);
    const changes: Record<string, unknown> = { updated_at: iso(this.options.clock()) };
    if (patch.name !== undefined) {
      if (!patch.name.trim()) throw new ValidationError('A member needs a name.');
      changes.name = patch.name.trim();
    }
    if (patch.level !== undefined) changes.level = patch.level;
    if (patch.timeZone !== undefined) changes.time_zone = patch.timeZone;
    if (patch.language !== undefined) changes.language = patch.language;
    if (patch.lastPurchaseAt !== undefined) changes.last_purchase_at = patch.lastPurchaseAt === null ? null : isoInput(patch.lastPurchaseAt, 'lastPurchaseAt');
    if (patch.purchaseCount !== undefined) changes.purchase_count = patch.purchaseCount;
    if (patch.totalSpend !== undefined) changes.total_spend = patch.totalSpend;
    if (patch.notes !== undefined) changes.notes = patch.notes;
    if (patch.servicePlan !== undefined) changes.service_plan = patch.servicePlan;
    if (patch.tags !== undefined) changes.tags = JSON.stringify(patch.tags);
    const updated = await this.db('members').where({ id }).update(changes);
    if (updated === 0) throw new NotFoundError(`Member ${id}`);
    return this.require(id);
  }

  async addPhone(id: number, phone: string | PhoneEntry): Promise<MemberDetail> {
    const entries = this.phoneEntries([phone]);
    await transact(this.db, async (trx) => {
      if (!(await trx('members').where({ id }).first('id'))) throw new NotFoundError(`Member ${id}`);
      await this.insertPhones(trx, id, entries);
    });
    return this.require(id);
  }

  async removePhone(id: number, phone: string): Promise<MemberDetail> {
    const removed = await this.db('member_phones').where({ member_id: id, phone: this.normalize(phone) }).delete();
    if (removed === 0) throw new NotFoundError(`Phone ${phone} of member ${id}`);
    return this.require(id);
  }
}

function checkPatch(patch: MemberPatch): void {
  if (patch.level !== undefined && !MEMBER_LEVELS.includes(patch.level)) {
    throw new ValidationError(`Level must be one of ${MEMBER_LEVELS.join(', ')}.`);
  }
  if (patch.language !== undefined && !LANGUAGES.includes(patch.language)) {
    throw new ValidationError(`Language must be one of ${LANGUAGES.join(', ')}.`);
  }
  if (patch.timeZone !== undefined && !isTimeZone(patch.timeZone)) {
    throw new ValidationError(`Time zone "${patch.timeZone}" is not an IANA zone such as Asia/Shanghai.`);
  }
  if (patch.purchaseCount !== undefined && (!Number.isInteger(patch.purchaseCount) || patch.purchaseCount < 0)) {
    throw new ValidationError('Purchase count must be a whole number, 0 or more.');
  }
  if (patch.totalSpend !== undefined && (!Number.isFinite(patch.totalSpend) || patch.totalSpend < 0)) {
    throw new ValidationError('Total spend must be a number, 0 or more.');
  }
  if (patch.tags !== undefined && !patch.tags.every((t) => typeof t === 'string')) throw new ValidationError('Tags must be strings.');
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
