// The demo data set: 12 advisors over three tiers with delegates, about 2,000 members
// with Chinese mobile numbers across every lifecycle stage, and demo users. Deterministic
// for a given `now` (dates are relative to it so every stage keeps occurring).
import type { Knex } from 'knex';
import type { MemberLevel } from '../../server/domain/model.js';
import { hashPassword } from '../../server/shared/password.js';
import type { Logger } from '../../server/shared/logger.js';
import { transact } from '../../server/store/sql.js';
import { insertChunked, maxId, syncSequence } from './bulk.js';
import {
  DEMO_ADVISORS,
  DEMO_MEMBER_COUNT,
  DEMO_PASSWORD,
  DEMO_SEED,
  ENGLISH_FIRST,
  ENGLISH_LAST,
  EXTRA_PREFIXES,
  GIVEN_NAMES,
  NOTES,
  OTHER_ZONES,
  SERVICE_PLANS,
  SURNAMES,
  TAGS,
  demoMemberNo,
  demoPrimaryPhone,
  demoUsername,
} from './demo-data.js';
import { Random } from './random.js';

export * from './demo-data.js';

export interface SeedOptions {
  now?: Date;
  logger?: Logger;
  /** Members each demo advisor may own (config.allocation.defaultCapacity). */
  capacity?: number;
}

export interface DemoSeedSummary {
  advisors: number;
  members: number;
  phones: number;
  ownedMembers: number;
  users: number;
  ms: number;
}

const DAY_MS = 86_400_000;
const STAGE_WEIGHTS = { new: 15, active: 35, mature: 20, dormant: 15, lost: 15 } as const;
type Stage = keyof typeof STAGE_WEIGHTS;

/** True when the database holds no members and no advisors (never seed over real data). */
export async function isDatabaseEmpty(db: Knex | Knex.Transaction): Promise<boolean> {
  const members = await db('members').first('id');
  const advisors = await db('advisors').first('id');
  return members === undefined && advisors === undefined;
}

/** Seeds the demo set when the database is empty; null when it already holds data. */
export async function seedDemoIfEmpty(db: Knex, options: SeedOptions = {}): Promise<DemoSeedSummary | null> {
  if (!(await isDatabaseEmpty(db))) return null;
  return seedDemo(db, options);
}

export async function seedDemo(db: Knex, options: SeedOptions = {}): Promise<DemoSeedSummary> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const nowIso = now.toISOString();
  const random = new Random(DEMO_SEED);
  const capacity = options.capacity ?? 650;
  // Hash outside the transaction: scrypt is deliberately slow.
  const usernames = ['supervisor', 'admin', ...DEMO_ADVISORS.map(demoUsername)];
  const hashes = await Promise.all(usernames.map(() => hashPassword(DEMO_PASSWORD)));

  const summary = await transact(db, async (trx) => {
    if (!(await isDatabaseEmpty(trx))) {
      throw new Error('The database already holds members or advisors: the demo data set is seeded only into an empty database.');
    }
    const advisorIds: number[] = [];
    for (const advisor of DEMO_ADVISORS) {
      const [row] = (await trx('advisors')
        .insert({
          name: advisor.name,
          name_zh: advisor.nameZh,
          tier: advisor.tier,
          endpoint: advisor.endpoint,
          active: true,
          capacity,
          created_at: nowIso,
          updated_at: nowIso,
        })
        .returning('id')) as Array<{ id: number }>;
      advisorIds.push(Number(row!.id));
    }
    const idAt = (position: number) => advisorIds[position - 1]!;
    await insertChunked(
      trx,
      'advisor_delegates',
      DEMO_ADVISORS.flatMap((advisor, i) =>
        advisor.delegates.map((position, order) => ({ advisor_id: advisorIds[i]!, delegate_id: idAt(position), position: order })),
      ),
    );
    await insertChunked(
      trx,
      'users',
      usernames.map((username, i) => ({
        username,
        password_hash: hashes[i]!,
        role: i === 0 ? 'supervisor' : i === 1 ? 'admin' : 'agent',
        advisor_id: i < 2 ? null : advisorIds[i - 2]!,
        active: true,
        created_at: nowIso,
      })),
    );

    const byTier = (tier: string) => advisorIds.filter((_, i) => DEMO_ADVISORS[i]!.tier === tier);
    const ownersFor: Record<MemberLevel, number[]> = {
      regular: [...byTier('standard'), ...byTier('standard'), ...byTier('standard'), ...byTier('senior')],
      gold: [...byTier('senior'), ...byTier('senior'), ...byTier('vip')],
      vip: byTier('vip'),
    };
    const firstId = (await maxId(trx, 'members')) + 1;
    const members: Array<Record<string, unknown>> = [];
    const phones: Array<Record<string, unknown>> = [];
    const ownership: Array<Record<string, unknown>> = [];
    const usedPhones = new Set<string>();
    const ago = (days: number) => new Date(now.getTime() - days * DAY_MS - random.int(0, DAY_MS - 1)).toISOString();

    for (let n = 1; n <= DEMO_MEMBER_COUNT; n += 1) {
      const id = firstId + n - 1;
      const first = n === 1;
      const level: MemberLevel = first ? 'gold' : random.weighted({ regular: 80, gold: 16, vip: 4 });
      const stage: Stage = first ? 'active' : random.weighted(STAGE_WEIGHTS);
      const history = lifecycleDates(random, stage);
      const abroad = !first && random.chance(0.08) ? random.pick(OTHER_ZONES) : null;
      const language = abroad?.language ?? (random.chance(0.02) ? 'en' : 'zh');
      const name = first ? '陈静' : language === 'en' ? `${random.pick(ENGLISH_FIRST)} ${random.pick(ENGLISH_LAST)}` : random.pick(SURNAMES) + random.pick(GIVEN_NAMES);
      const joinedAt = ago(history.joinedDays);
      const averageOrder = level === 'vip' ? random.int(2000, 8000) : level === 'gold' ? random.int(600, 2500) : random.int(150, 900);
      members.push({
        id,
        member_no: demoMemberNo(n),
        name,
        level,
        time_zone: abroad?.zone ?? 'Asia/Shanghai',
        language,
        joined_at: joinedAt,
        last_purchase_at: history.purchaseDays === null ? null : ago(history.purchaseDays),
        purchase_count: history.purchases,
        total_spend: history.purchases * averageOrder,
        notes: first ? '喜欢上午十点以后接电话，偏好乌龙茶。' : random.pick(NOTES),
        service_plan: random.pick(SERVICE_PLANS[level]),
        tags: JSON.stringify(first ? ['loyal', 'tea'] : random.sample(TAGS, random.int(0, 3)).sort()),
        created_at: joinedAt,
        updated_at: nowIso,
      });
      const phoneCount = first ? 2 : random.weighted({ 1: 60, 2: 30, 3: 10 });
      const own = [demoPrimaryPhone(n)];
      while (own.length < Number(phoneCount)) {
        const candidate = `86${random.pick(EXTRA_PREFIXES)}${String(random.int(0, 99_999_999)).padStart(8, '0')}`;
        if (!usedPhones.has(candidate)) own.push(candidate);
        usedPhones.add(candidate);
      }
      own.forEach((phone, i) => phones.push({ member_id: id, phone, label: i === 0 ? 'mobile' : random.pick(['mobile', 'work', 'home']) }));

      if (!first && random.chance(0.03)) continue; // a few members wait for allocation
      const owner = first ? idAt(1) : random.pick(ownersFor[level]);
      if (!first && random.chance(0.04) && history.joinedDays > 60) {
        const previous = random.pick(advisorIds.filter((a) => a !== owner));
        const movedAt = ago(random.int(1, Math.min(history.joinedDays - 1, 300)));
        ownership.push({ member_id: id, advisor_id: previous, since: joinedAt, until: movedAt, reason: 'new-member', handover_note: '', changed_by: null });
        ownership.push({
          member_id: id,
          advisor_id: owner,
          since: movedAt,
          until: null,
          reason: random.pick(['member-request', 'rebalance', 'recall-dormant']),
          handover_note: random.pick(['会员希望由更有经验的顾问跟进。', '原顾问调岗，已电话告知会员。', '会员久未购买，新顾问请先做关怀回访。']),
          changed_by: null,
        });
      } else {
        ownership.push({ member_id: id, advisor_id: owner, since: joinedAt, until: null, reason: 'new-member', handover_note: '', changed_by: null });
      }
    }
    await insertChunked(trx, 'members', members);
    await insertChunked(trx, 'member_phones', phones);
    await insertChunked(trx, 'member_ownership', ownership);
    await syncSequence(trx, 'members');
    return {
      advisors: advisorIds.length,
      members: members.length,
      phones: phones.length,
      ownedMembers: ownership.filter((o) => o.until === null).length,
      users: usernames.length,
    };
  });
  const result = { ...summary, ms: Date.now() - started };
  options.logger?.info(result, 'seeded the demo data set');
  return result;
}

/** Days since joining and since last purchase, and purchase count, that land in `stage`. */
function lifecycleDates(random: Random, stage: Stage): { joinedDays: number; purchaseDays: number | null; purchases: number } {
  switch (stage) {
    case 'new': {
      const joinedDays = random.int(1, 88);
      const purchases = random.int(0, 1);
      return { joinedDays, purchaseDays: purchases ? random.int(0, joinedDays) : null, purchases };
    }
    case 'active': {
      // Some past 45 days without a purchase: the at-risk window practitioners act on.
      const purchaseDays = random.chance(0.25) ? random.int(46, 85) : random.int(0, 44);
      return { joinedDays: random.int(Math.max(purchaseDays, 95), 1500), purchaseDays, purchases: random.int(2, 3) };
    }
    case 'mature': {
      const purchaseDays = random.int(0, 170);
      return { joinedDays: random.int(Math.max(purchaseDays, 200), 2500), purchaseDays, purchases: random.int(4, 40) };
    }
    case 'dormant': {
      const purchaseDays = random.int(185, 360);
      return { joinedDays: random.int(purchaseDays, 2500), purchaseDays, purchases: random.int(1, 12) };
    }
    case 'lost': {
      const purchaseDays = random.int(370, 1100);
      return { joinedDays: random.int(purchaseDays, 2800), purchaseDays, purchases: random.int(1, 8) };
    }
  }
}
