import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { closeDatabase, migrateLatest, openDatabase } from '../../../server/store/database.js';
import { DEMO_FIRST_MEMBER, DEMO_MEMBER_COUNT, DEMO_PASSWORD, seedDemo, seedDemoIfEmpty } from '../../../db/seeds/demo.js';
import { seedLarge } from '../../../db/seeds/large.js';
import { LIFECYCLE_STAGES } from '../../../server/domain/model.js';
import { tierFits, DEFAULT_TIER_RULES } from '../../../server/domain/tiers.js';
import type { Knex } from 'knex';
import { describeEachDatabase } from './support.js';

const NOW = new Date('2026-03-10T04:00:00.000Z');

async function digest(db: Knex): Promise<string> {
  const members = await db('members').orderBy('id').select('member_no', 'name', 'level', 'joined_at', 'last_purchase_at', 'tags');
  const phones = await db('member_phones').orderBy('phone').select('phone');
  return createHash('sha256').update(JSON.stringify([members, phones])).digest('hex');
}

describeEachDatabase('demo seed', (get) => {
  before(async function () {
    this.timeout(60_000);
    const summary = await seedDemoIfEmpty(get().db, { now: NOW });
    expect(summary).to.include({ advisors: 12, members: DEMO_MEMBER_COUNT, users: 14 });
  });

  it('seeds only into an empty database', async () => {
    expect(await seedDemoIfEmpty(get().db, { now: NOW })).to.equal(null);
    let refused = false;
    try {
      await seedDemo(get().db, { now: NOW });
    } catch {
      refused = true;
    }
    expect(refused).to.equal(true);
    expect(Number(((await get().db('members').count({ n: '*' })) as Array<{ n: unknown }>)[0]!.n)).to.equal(DEMO_MEMBER_COUNT);
  });

  it('makes M000001 a gold member of Alice Wang (PJSIP/1001) reachable at 8613800000001, with Bob then Kelly standing in', async () => {
    const context = await get().store.callers.findCallerContext('+86 138 0000 0001');
    expect(context!.member).to.include({ memberNo: DEMO_FIRST_MEMBER.memberNo, level: 'gold' });
    expect(context!.owner).to.include({ id: 1, name: 'Alice Wang', nameZh: '王丽', endpoint: 'PJSIP/1001' });
    expect(context!.delegates.map((d) => d.endpoint)).to.deep.equal([...DEMO_FIRST_MEMBER.delegateEndpoints]);
  });

  it('creates users who sign in with the documented password, agents linked to their advisor', async () => {
    const { store } = get();
    const alice = await store.users.verifyCredentials('alice', DEMO_PASSWORD);
    expect(alice).to.include({ role: 'agent', advisorId: 1 });
    expect(await store.users.verifyCredentials('supervisor', DEMO_PASSWORD)).to.include({ role: 'supervisor' });
    expect(await store.users.verifyCredentials('admin', DEMO_PASSWORD)).to.include({ role: 'admin' });
    expect((await store.users.list()).map((u) => u.username)).to.include.members(['bob', 'kelly', 'leo']);
  });

  it('covers every lifecycle stage and level, with owners whose tier fits and a few unowned members', async () => {
    const { store } = get();
    for (const stage of LIFECYCLE_STAGES) {
      expect((await store.members.list({ stage }, { limit: 1 })).total, stage).to.be.greaterThan(20);
    }
    for (const level of ['regular', 'gold', 'vip'] as const) {
      expect((await store.members.list({ level }, { limit: 1 })).total, level).to.be.greaterThan(10);
    }
    const unowned = (await store.members.list({ ownerId: null }, { limit: 1 })).total;
    expect(unowned).to.be.within(10, 200);
    const pairs = (await get()
      .db('member_ownership as o')
      .join('members as m', 'm.id', 'o.member_id')
      .join('advisors as a', 'a.id', 'o.advisor_id')
      .whereNull('o.until')
      .select('m.level', 'a.tier')) as Array<{ level: 'regular' | 'gold' | 'vip'; tier: 'standard' | 'senior' | 'vip' }>;
    expect(pairs.every((p) => tierFits(p.tier, p.level, DEFAULT_TIER_RULES))).to.equal(true);
    const phones = (await get().db('member_phones').where('phone', 'like', '86%').count({ n: '*' })) as Array<{ n: unknown }>;
    expect(Number(phones[0]!.n)).to.be.greaterThan(DEMO_MEMBER_COUNT);
  });

  it('is deterministic for a given clock', async () => {
    const other = openDatabase('sqlite::memory:');
    try {
      await migrateLatest(other);
      await seedDemo(other, { now: NOW });
      expect(await digest(other)).to.equal(await digest(get().db));
    } finally {
      await closeDatabase(other);
    }
  });
});

describeEachDatabase('large seed', (get) => {
  it('loads members with phones and owners in batches, and the store keeps working after it', async function () {
    this.timeout(60_000);
    const { db, store } = get();
    const summary = await seedLarge(db, { members: 3000, advisors: 20, sliceSize: 1000, now: NOW });
    expect(summary).to.include({ members: 3000, advisors: 20 });
    const context = await store.callers.findCallerContext('139 0000 2999');
    expect(context!.member.memberNo).to.equal('L0002999');
    expect(context!.owner).to.not.equal(null);
    const created = await store.members.create({ memberNo: 'NEW1', name: 'After seed', level: 'regular', phones: ['13700000001'] });
    expect(created.id).to.be.greaterThan(3000);
    const loads = await store.ownership.countsByAdvisor();
    expect(loads.reduce((sum, l) => sum + l.members, 0)).to.equal(3000 - 60);
  });
});
