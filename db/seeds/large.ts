// A large data set for load tests and benchmarks: by default 1,000,000 members over
// 5,000 advisors, with 1-3 phones each and one current owner. Inserted with explicit
// ids in multi-row batches, one transaction per slice, so it takes minutes, not hours.
import type { Knex } from 'knex';
import { ADVISOR_TIERS, type AdvisorTier, type MemberLevel } from '../../server/domain/model.js';
import { hashPassword } from '../../server/shared/password.js';
import type { Logger } from '../../server/shared/logger.js';
import { isPostgres } from '../../server/store/database.js';
import { insertChunked, maxId, syncSequence } from './bulk.js';
import { DEMO_PASSWORD } from './demo-data.js';
import { isDatabaseEmpty } from './demo.js';
import { Random } from './random.js';

export interface LargeSeedOptions {
  members?: number;
  advisors?: number;
  now?: Date;
  logger?: Logger;
  /** Members per transaction. */
  sliceSize?: number;
}

export interface LargeSeedSummary {
  advisors: number;
  members: number;
  phones: number;
  ms: number;
}

const DAY_MS = 86_400_000;
const LEVEL_TIER: Record<MemberLevel, AdvisorTier> = { regular: 'standard', gold: 'senior', vip: 'vip' };

/** `L0000001`... so the large set never collides with the demo set's `M000001`. */
export function largeMemberNo(n: number): string {
  return `L${String(n).padStart(7, '0')}`;
}

/** Member n's first phone: 86139 + 8 digits. */
export function largePrimaryPhone(n: number): string {
  return `86139${String(n).padStart(8, '0')}`;
}

export async function seedLarge(db: Knex, options: LargeSeedOptions = {}): Promise<LargeSeedSummary> {
  const memberCount = options.members ?? 1_000_000;
  const advisorCount = options.advisors ?? Math.max(1, Math.round(memberCount / 200));
  if (memberCount > 99_999_999) throw new Error('The large seed makes at most 99,999,999 members.');
  if (!(await isDatabaseEmpty(db))) {
    throw new Error('The database already holds members or advisors: seed the large set into an empty database.');
  }
  const started = Date.now();
  const now = options.now ?? new Date();
  const nowIso = now.toISOString();
  const random = new Random(7);
  const log = options.logger;

  const firstAdvisor = (await maxId(db, 'advisors')) + 1;
  const advisors = Array.from({ length: advisorCount }, (_, i) => {
    const tier: AdvisorTier = i % 10 === 0 ? 'vip' : i % 10 <= 3 ? 'senior' : 'standard';
    return {
      id: firstAdvisor + i,
      name: `Advisor ${String(i + 1).padStart(5, '0')}`,
      name_zh: `顾问${String(i + 1).padStart(5, '0')}`,
      tier,
      endpoint: `PJSIP/${100_000 + i}`,
      active: true,
      capacity: Math.max(650, Math.ceil((memberCount / advisorCount) * 1.5)),
      created_at: nowIso,
      updated_at: nowIso,
    };
  });
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await db.transaction(async (trx) => {
    await insertChunked(trx, 'advisors', advisors);
    await syncSequence(trx, 'advisors');
    await insertChunked(
      trx,
      'advisor_delegates',
      advisors.map((a, i) => ({ advisor_id: a.id, delegate_id: advisors[(i + 1) % advisors.length]!.id, position: 0 })).filter((d) => d.advisor_id !== d.delegate_id),
    );
    await insertChunked(trx, 'users', [
      { username: 'supervisor', password_hash: passwordHash, role: 'supervisor', advisor_id: null, active: true, created_at: nowIso },
      { username: 'admin', password_hash: passwordHash, role: 'admin', advisor_id: null, active: true, created_at: nowIso },
    ]);
  });
  const byTier = new Map<AdvisorTier, number[]>(ADVISOR_TIERS.map((t) => [t, advisors.filter((a) => a.tier === t).map((a) => a.id)]));
  for (const tier of ADVISOR_TIERS) if (!byTier.get(tier)!.length) byTier.set(tier, advisors.map((a) => a.id));

  const firstMember = (await maxId(db, 'members')) + 1;
  // SQLite: keep the growing indexes in memory and skip fsyncs while loading (a crash
  // mid-seed leaves a database to delete anyway); settings are restored afterwards.
  if (!isPostgres(db)) await db.raw('PRAGMA cache_size = -400000').then(() => db.raw('PRAGMA synchronous = OFF'));
  const slice = options.sliceSize ?? 20_000;
  let phoneCount = 0;
  try {
    for (let from = 1; from <= memberCount; from += slice) {
      const to = Math.min(memberCount, from + slice - 1);
      const members: Array<Record<string, unknown>> = [];
      const phones: Array<Record<string, unknown>> = [];
      const ownership: Array<Record<string, unknown>> = [];
      for (let n = from; n <= to; n += 1) {
        const id = firstMember + n - 1;
        const level: MemberLevel = random.weighted({ regular: 80, gold: 16, vip: 4 });
        const joinedDays = random.int(1, 2500);
        const purchases = random.int(0, 20);
        const purchaseDays = purchases ? random.int(0, joinedDays) : null;
        const joinedAt = new Date(now.getTime() - joinedDays * DAY_MS).toISOString();
        members.push({
          id,
          member_no: largeMemberNo(n),
          name: `会员${n}`,
          level,
          time_zone: 'Asia/Shanghai',
          language: 'zh',
          joined_at: joinedAt,
          last_purchase_at: purchaseDays === null ? null : new Date(now.getTime() - purchaseDays * DAY_MS).toISOString(),
          purchase_count: purchases,
          total_spend: purchases * 300,
          notes: '',
          service_plan: '',
          tags: '[]',
          created_at: joinedAt,
          updated_at: nowIso,
        });
        phones.push({ member_id: id, phone: largePrimaryPhone(n), label: 'mobile' });
        const extra = random.int(0, 2);
        if (extra >= 1) phones.push({ member_id: id, phone: `86150${String(n).padStart(8, '0')}`, label: 'work' });
        if (extra >= 2) phones.push({ member_id: id, phone: `86186${String(n).padStart(8, '0')}`, label: 'home' });
        if (n % 50 !== 0) {
          ownership.push({ member_id: id, advisor_id: random.pick(byTier.get(LEVEL_TIER[level])!), since: joinedAt, until: null, reason: 'new-member', handover_note: '', changed_by: null });
        }
      }
      await db.transaction(async (trx) => {
        await insertChunked(trx, 'members', members);
        await insertChunked(trx, 'member_phones', phones);
        await insertChunked(trx, 'member_ownership', ownership);
      });
      phoneCount += phones.length;
      if (to % 100_000 < slice || to === memberCount) log?.info({ members: to, seconds: Math.round((Date.now() - started) / 1000) }, 'large seed progress');
    }
  } finally {
    if (!isPostgres(db)) await db.raw('PRAGMA cache_size = -2000').then(() => db.raw('PRAGMA synchronous = NORMAL'));
  }
  await syncSequence(db, 'members');
  // Fresh statistics, or the planners guess at million-row tables until autovacuum runs.
  await db.raw('ANALYZE');
  const summary = { advisors: advisorCount, members: memberCount, phones: phoneCount, ms: Date.now() - started };
  log?.info(summary, 'seeded the large data set');
  return summary;
}
