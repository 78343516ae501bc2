import { expect } from 'chai';
import { ConflictError, ValidationError } from '../../../server/shared/errors.js';
import { lifecycleOf } from '../../../server/domain/lifecycle.js';
import { LIFECYCLE_STAGES } from '../../../server/domain/model.js';
import { describeEachDatabase, unique } from './support.js';
import { expectRejection, makeTeam, mobile } from './fixtures.js';

describeEachDatabase('members and caller lookup', (get) => {
  it('finds the caller by any spelling of the number, with owner and delegates in order', async () => {
    const { store } = get();
    const { alice, bob, carol } = await makeTeam(store);
    const member = await store.members.create({
      memberNo: `T${unique()}`,
      name: '陈静',
      level: 'gold',
      phones: ['+86 138 0013 8000', { phone: '010-6552 9988', label: 'home' }],
      ownerId: alice.id,
    });
    expect(member.phones).to.deep.equal(['8613800138000', '861065529988']);
    for (const spelling of ['+86 138 0013 8000', '0086 138 0013 8000', '138-0013-8000', '138 0013 8000', '8613800138000', '(010) 6552-9988']) {
      const context = await store.callers.findCallerContext(spelling);
      expect(context, spelling).to.not.equal(null);
      expect(context!.member.id).to.equal(member.id);
      expect(context!.member.phones).to.deep.equal(['8613800138000', '861065529988']);
      expect(context!.owner?.id).to.equal(alice.id);
      expect(context!.delegates.map((d) => d.id)).to.deep.equal([bob.id, carol.id]);
    }
    expect(await store.callers.findCallerContext('anonymous')).to.equal(null);
    expect(await store.callers.findCallerContext('+86 138 0000 0000')).to.equal(null);
  });

  it('skips delegates who left, and returns an unowned member with no owner', async () => {
    const { store } = get();
    const { alice, bob, carol } = await makeTeam(store);
    const owned = await store.members.create({ memberNo: `T${unique()}`, name: 'A', level: 'regular', phones: [mobile()], ownerId: alice.id });
    const unowned = await store.members.create({ memberNo: `T${unique()}`, name: 'B', level: 'regular', phones: [mobile()] });
    await store.advisors.markLeft(bob.id);
    const context = await store.callers.findCallerContextByMemberNo(owned.memberNo);
    expect(context!.delegates.map((d) => d.id)).to.deep.equal([carol.id]);
    const none = await store.callers.findCallerContext(unowned.phones[0]!);
    expect(none!.member.id).to.equal(unowned.id);
    expect(none!.owner).to.equal(null);
    expect(none!.delegates).to.deep.equal([]);
  });

  it('refuses a phone that already belongs to another member, and changes nothing', async () => {
    const { store } = get();
    const phone = mobile();
    const first = await store.members.create({ memberNo: `T${unique()}`, name: 'First', level: 'regular', phones: [phone] });
    const memberNo = `T${unique()}`;
    const attempt = store.members.create({ memberNo, name: 'Second', level: 'regular', phones: [mobile(), `+${phone}`] });
    await expectRejection(attempt, ConflictError);
    expect(await store.members.getByMemberNo(memberNo)).to.equal(null);
    expect((await store.members.getByPhone(phone))!.id).to.equal(first.id);
    await expectRejection(store.members.addPhone(first.id, 'not a phone'), ValidationError);
  });

  it('searches by member number, by phone in any format and by name fragment', async () => {
    const { store } = get();
    const n = unique();
    const phone = `86137${String(n).padStart(8, '0')}`;
    const member = await store.members.create({ memberNo: `S${n}`, name: `Searchable Zhou${n}`, level: 'vip', phones: [phone] });
    expect((await store.members.search(`s${n}`)).map((m) => m.id)).to.include(member.id);
    expect((await store.members.search(`+${phone.slice(0, 2)} ${phone.slice(2, 5)}-${phone.slice(5)}`)).map((m) => m.id)).to.deep.equal([member.id]);
    expect((await store.members.search(`zhou${n}`)).map((m) => m.id)).to.deep.equal([member.id]);
    expect(await store.members.search('%')).to.be.an('array');
  });

  it('lists with owner, level and lifecycle filters, paginated', async () => {
    const { store, time } = get();
    const { carol } = await makeTeam(store);
    const day = 86_400_000;
    const ago = (days: number) => new Date(time.now.getTime() - days * day).toISOString();
    const make = (name: string, joinedDays: number, purchaseDays: number | null, count: number) =>
      store.members.create({
        memberNo: `L${unique()}`,
        name,
        level: 'vip',
        phones: [mobile()],
        ownerId: carol.id,
        joinedAt: ago(joinedDays),
        lastPurchaseAt: purchaseDays === null ? null : ago(purchaseDays),
        purchaseCount: count,
      });
    const fresh = await make('new', 10, null, 0);
    const active = await make('active', 400, 30, 2);
    const mature = await make('mature', 800, 100, 9);
    const dormant = await make('dormant', 800, 200, 5);
    const lost = await make('lost', 900, 500, 3);
    const page = await store.members.list({ ownerId: carol.id, level: 'vip' }, { limit: 2, offset: 0 });
    expect(page.total).to.equal(5);
    expect(page.items).to.have.length(2);
    const stage = async (s: 'new' | 'active' | 'mature' | 'dormant' | 'lost') =>
      (await store.members.list({ ownerId: carol.id, stage: s })).items.map((m) => m.id);
    expect(await stage('new')).to.deep.equal([fresh.id]);
    expect(await stage('active')).to.deep.equal([active.id]);
    expect(await stage('mature')).to.deep.equal([mature.id]);
    expect(await stage('dormant')).to.deep.equal([dormant.id]);
    expect(await stage('lost')).to.deep.equal([lost.id]);
  });

  it('filters lifecycle stages and at-risk exactly as the domain computes them, at the day boundaries', async () => {
    const { store, time } = get();
    const { bob } = await makeTeam(store);
    const day = 86_400_000;
    const ago = (days: number) => new Date(time.now.getTime() - days * day).toISOString();
    const boundaries = [0.5, 45.5, 46, 89.9, 90.5, 91, 180.5, 181, 365.5, 366, 400];
    const created = [];
    for (const joined of [30, 90.5, 91, 700]) {
      for (const recency of boundaries.filter((r) => r <= joined)) {
        for (const count of [1, 2, 4]) {
          created.push(
            await store.members.create({
              memberNo: `B${unique()}`,
              name: 'Boundary',
              level: 'regular',
              phones: [],
              ownerId: bob.id,
              joinedAt: ago(joined),
              lastPurchaseAt: ago(recency),
              purchaseCount: count,
            }),
          );
        }
      }
    }
    const now = time.now.getTime();
    for (const stage of LIFECYCLE_STAGES) {
      const listed = (await store.members.list({ ownerId: bob.id, stage }, { limit: 500 })).items.map((m) => m.id).sort();
      const expected = created.filter((m) => lifecycleOf(m, now).stage === stage).map((m) => m.id).sort();
      expect(listed, stage).to.deep.equal(expected);
    }
    const atRisk = (await store.members.list({ ownerId: bob.id, atRisk: true }, { limit: 500 })).items.map((m) => m.id).sort();
    expect(atRisk).to.deep.equal(created.filter((m) => lifecycleOf(m, now).atRisk).map((m) => m.id).sort());
  });

  it('rejects bad input with a clear error', async () => {
    const { store } = get();
    await expectRejection(store.members.create({ memberNo: '', name: 'x', level: 'regular', phones: [] }), ValidationError);
    await expectRejection(
      store.members.create({ memberNo: `T${unique()}`, name: 'x', level: 'platinum' as 'vip', phones: [] }),
      ValidationError,
    );
    await expectRejection(
      store.members.create({ memberNo: `T${unique()}`, name: 'x', level: 'regular', phones: [], timeZone: 'Mars/Base' }),
      ValidationError,
    );
    await expectRejection(
      store.members.create({ memberNo: `T${unique()}`, name: 'x', level: 'regular', phones: [], joinedAt: 'yesterday' }),
      ValidationError,
    );
  });
});
