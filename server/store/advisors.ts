// Advisors and their ordered delegate lists.
import type { Knex } from 'knex';
import { ADVISOR_TIERS, type Advisor, type AdvisorTier } from '../domain/model.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { bool, iso, isUniqueViolation, num, type Clock, transact } from './sql.js';

export interface AdvisorRecord extends Advisor {
  leftAt: string | null;
  updatedAt: string;
  /** Delegate advisor ids in order of preference. */
  delegates: number[];
}

export interface NewAdvisor {
  name: string;
  nameZh?: string;
  tier: AdvisorTier;
  endpoint: string;
  capacity?: number;
  delegates?: number[];
}

export type AdvisorPatch = Partial<Pick<NewAdvisor, 'name' | 'nameZh' | 'tier' | 'endpoint' | 'capacity'>>;

export interface AdvisorFilter {
  active?: boolean;
  tier?: AdvisorTier;
}

export interface AdvisorRow {
  id: number;
  name: string;
  name_zh: string;
  tier: string;
  endpoint: string;
  active: unknown;
  left_at: string | null;
  capacity: number;
  created_at: string;
  updated_at: string;
}

export const ADVISOR_COLUMNS = ['id', 'name', 'name_zh', 'tier', 'endpoint', 'active', 'left_at', 'capacity', 'created_at', 'updated_at'];

export function toAdvisor(row: AdvisorRow): Advisor {
  return {
    id: num(row.id),
    name: row.name,
    nameZh: row.name_zh,
    tier: row.tier as AdvisorTier,
    endpoint: row.endpoint,
    active: bool(row.active),
    capacity: num(row.capacity),
    createdAt: row.created_at,
  };
}

function toRecord(row: AdvisorRow, delegates: number[]): AdvisorRecord {
  return { ...toAdvisor(row), leftAt: row.left_at, updatedAt: row.updated_at, delegates };
}

function checkFields(patch: AdvisorPatch): void {
  if (patch.name !== undefined && patch.name.trim() === '') throw new ValidationError('An advisor needs a name.');
  if (patch.tier !== undefined && !ADVISOR_TIERS.includes(patch.tier)) {
    throw new ValidationError(`Tier must be one of ${ADVISOR_TIERS.join(', ')}.`);
  }
  if (patch.endpoint !== undefined && !/^\S+\/\S+$/.test(patch.endpoint.trim())) {
    throw new ValidationError('Endpoint must be an Asterisk dial string such as PJSIP/1001 or Local/1001@agents.');
  }
  if (patch.capacity !== undefined && (!Number.isInteger(patch.capacity) || patch.capacity < 1)) {
    throw new ValidationError('Capacity must be a whole number of members, at least 1.');
  }
}

export class AdvisorStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock; defaultCapacity: number },
  ) {}

  async create(input: NewAdvisor): Promise<AdvisorRecord> {
    checkFields(input);
    const now = iso(this.options.clock());
    return transact(this.db, async (trx) => {
      let row: AdvisorRow | undefined;
      try {
        [row] = (await trx('advisors')
          .insert({
            name: input.name.trim(),
            name_zh: (input.nameZh ?? '').trim(),
            tier: input.tier,
            endpoint: input.endpoint.trim(),
            active: true,
            capacity: input.capacity ?? this.options.defaultCapacity,
            created_at: now,
            updated_at: now,
          })
          .returning(ADVISOR_COLUMNS)) as AdvisorRow[];
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`Endpoint ${input.endpoint} is already used by another advisor.`);
        throw err;
      }
      const created = row!;
      const delegates = input.delegates?.length ? await writeDelegates(trx, created.id, input.delegates) : [];
      return toRecord(created, delegates);
    });
  }

  async get(id: number): Promise<AdvisorRecord | null> {
    const row = (await this.db('advisors').select(ADVISOR_COLUMNS).where({ id }).first()) as AdvisorRow | undefined;
    if (!row) return null;
    return toRecord(row, await delegateIds(this.db, id));
  }

  async require(id: number): Promise<AdvisorRecord> {
    const found = await this.get(id);
    if (!found) throw new NotFoundError(`Advisor ${id}`);
    return found;
  }

  async findByEndpoint(endpoint: string): Promise<Advisor | null> {
    const row = (await this.db('advisors').select(ADVISOR_COLUMNS).where({ endpoint }).first()) as AdvisorRow | undefined;
    return row ? toAdvisor(row) : null;
  }

  /** All advisors (ordered by id) with their delegates, in two queries. */
  async list(filter: AdvisorFilter = {}): Promise<AdvisorRecord[]> {
    const query = this.db('advisors').select(ADVISOR_COLUMNS).orderBy('id');
    if (filter.active !== undefined) query.where('active', filter.active);
    if (filter.tier !== undefined) query.where('tier', filter.tier);
    const rows = (await query) as AdvisorRow[];
    const links = (await this.db('advisor_delegates')
      .select('advisor_id', 'delegate_id')
      .orderBy(['advisor_id', 'position'])) as Array<{ advisor_id: number; delegate_id: number }>;
    const byAdvisor = new Map<number, number[]>();
    for (const link of links) {
      const list = byAdvisor.get(num(link.advisor_id)) ?? [];
      list.push(num(link.delegate_id));
      byAdvisor.set(num(link.advisor_id), list);
    }
    return rows.map((row) => toRecord(row, byAdvisor.get(num(row.id)) ?? []));
  }

  async update(id: number, patch: AdvisorPatch): Promise<AdvisorRecord> {
    checkFields(patch);
    const changes: Record<string, unknown> = { updated_at: iso(this.options.clock()) };
    if (patch.name !== undefined) changes.name = patch.name.trim();
    if (patch.nameZh !== undefined) changes.name_zh = patch.nameZh.trim();
    if (patch.tier !== undefined) changes.tier = patch.tier;
    if (patch.endpoint !== undefined) changes.endpoint = patch.endpoint.trim();
    if (patch.capacity !== undefined) changes.capacity = patch.capacity;
    try {
      const updated = await this.db('advisors').where({ id }).update(changes);
      if (updated === 0) throw new NotFoundError(`Advisor ${id}`);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Endpoint ${patch.endpoint} is already used by another advisor.`);
      throw err;
    }
    return this.require(id);
  }

  /** Replaces the delegate list, in the given order of preference. */
  async setDelegates(id: number, delegates: number[]): Promise<number[]> {
    return transact(this.db, async (trx) => {
      const exists = await trx('advisors').where({ id }).first('id');
      if (!exists) throw new NotFoundError(`Advisor ${id}`);
      return writeDelegates(trx, id, delegates);
    });
  }

  /**
   * The advisor leaves: inactive from now on, removed from others' delegate lists.
   * Their members keep them as owner until recalled (see OwnershipStore.applyMoves).
   */
  async markLeft(id: number): Promise<AdvisorRecord> {
    const now = iso(this.options.clock());
    await transact(this.db, async (trx) => {
      const updated = await trx('advisors').where({ id }).update({ active: false, left_at: now, updated_at: now });
      if (updated === 0) throw new NotFoundError(`Advisor ${id}`);
      const standingInFor = (await trx('advisor_delegates').where({ delegate_id: id }).select('advisor_id')) as Array<{
        advisor_id: number;
      }>;
      await trx('advisor_delegates').where({ delegate_id: id }).delete();
      for (const { advisor_id } of standingInFor) {
        const remaining = await delegateIds(trx, num(advisor_id));
        await trx('advisor_delegates').where({ advisor_id }).delete();
        if (remaining.length) await insertDelegateRows(trx, num(advisor_id), remaining);
      }
    });
    return this.require(id);
  }

  async reactivate(id: number): Promise<AdvisorRecord> {
    const now = iso(this.options.clock());
    const updated = await this.db('advisors').where({ id }).update({ active: true, left_at: null, updated_at: now });
    if (updated === 0) throw new NotFoundError(`Advisor ${id}`);
    return this.require(id);
  }
}

async function delegateIds(db: Knex | Knex.Transaction, advisorId: number): Promise<number[]> {
  const rows = (await db('advisor_delegates')
    .where({ advisor_id: advisorId })
    .orderBy('position')
    .select('delegate_id')) as Array<{ delegate_id: number }>;
  return rows.map((r) => num(r.delegate_id));
}

async function insertDelegateRows(trx: Knex.Transaction, advisorId: number, delegates: number[]): Promise<void> {
  await trx('advisor_delegates').insert(
    delegates.map((delegateId, position) => ({ advisor_id: advisorId, delegate_id: delegateId, position })),
  );
}

async function writeDelegates(trx: Knex.Transaction, advisorId: number, delegates: number[]): Promise<number[]> {
  if (!delegates.every((d) => Number.isInteger(d) && d > 0)) throw new ValidationError('Delegates must be advisor ids.');
  if (delegates.includes(advisorId)) throw new ValidationError('An advisor cannot be their own delegate.');
  if (new Set(delegates).size !== delegates.length) throw new ValidationError('A delegate may appear only once in the list.');
  if (delegates.length) {
    const found = (await trx('advisors').whereIn('id', delegates).select('id', 'active')) as Array<{ id: number; active: unknown }>;
    const known = new Map(found.map((r) => [num(r.id), bool(r.active)]));
    const unknown = delegates.filter((d) => !known.has(d));
    if (unknown.length) throw new ValidationError(`Unknown delegate advisor(s): ${unknown.join(', ')}.`);
    const left = delegates.filter((d) => known.get(d) === false);
    if (left.length) throw new ValidationError(`Advisor(s) ${left.join(', ')} have left and cannot stand in.`);
  }
  await trx('advisor_delegates').where({ advisor_id: advisorId }).delete();
  if (delegates.length) await insertDelegateRows(trx, advisorId, delegates);
  return [...delegates];
}
