import { expect } from 'chai';
import { ConflictError, ValidationError } from '../../../server/shared/errors.js';
import { createStore } from '../../../server/store/index.js';
import { describeEachDatabase, unique } from './support.js';
import { expectRejection, makeTeam, mobile } from './fixtures.js';

describeEachDatabase('advisors and delegates', (get) => {
  it('keeps delegates in the given order and validates them', async () => {
    const { store } = get();
    const { alice, bob, carol } = await makeTeam(store);
    expect(await store.advisors.setDelegates(alice.id, [carol.id, bob.id])).to.deep.equal([carol.id, bob.id]);
    expect((await store.advisors.require(alice.id)).delegates).to.deep.equal([carol.id, bob.id]);
    await expectRejection(store.advisors.setDelegates(alice.id, [alice.id]), ValidationError);
    await expectRejection(store.advisors.setDelegates(alice.id, [bob.id, bob.id]), ValidationError);
    await expectRejection(store.advisors.setDelegates(alice.id, [bob.id, 987_654]), ValidationError);
    expect((await store.advisors.require(alice.id)).delegates, 'a refused list changes nothing').to.deep.equal([carol.id, bob.id]);
    const listed = (await store.advisors.list()).find((a) => a.id === alice.id);
    expect(listed?.delegates).to.deep.equal([carol.id, bob.id]);
  });

  it('refuses a second advisor on the same endpoint', async () => {
    const { store } = get();
    const { alice } = await makeTeam(store);
    await expectRejection(store.advisors.create({ name: 'Dup', tier: 'standard', endpoint: alice.endpoint }), ConflictError);
  });

  it('marks an advisor as left and removes them from delegate lists, keeping the others in order', async () => {
    const { store } = get();
    const { alice, bob, carol } = await makeTeam(store);
    const left = await store.advisors.markLeft(bob.id);
    expect(left.active).to.equal(false);
    expect(left.leftAt).to.be.a('string');
    expect((await store.advisors.require(alice.id)).delegates).to.deep.equal([carol.id]);
    await expectRejection(store.advisors.setDelegates(alice.id, [bob.id]), ValidationError);
  });
});

describeEachDatabase('ownership', (get) => {
  it('keeps history with exactly one current owner and the handover note', async () => {
    const { store, time, db } = get();
    const { alice, bob, carol } = await makeTeam(store);
    const member = await store.members.create({ memberNo: `O${unique()}`, name: 'M', level: 'gold', phones: [mobile()], ownerId: alice.id });
    time.advance(60_000);
    await store.ownership.reassign({ memberId: member.id, advisorId: bob.id, reason: 'member-request', handoverNote: 'Prefers evening calls' });
    time.advance(60_000);
    await store.ownership.reassign({ memberId: member.id, advisorId: carol.id, reason: 'rebalance', handoverNote: 'VIP upgrade' });
    const history = await store.ownership.history(member.id);
    expect(history.map((h) => h.advisorId)).to.deep.equal([carol.id, bob.id, alice.id]);
    expect(history.filter((h) => h.until === null)).to.have.length(1);
    expect(history[1]!.until).to.equal(history[0]!.since);
    expect((await store.ownership.current(member.id))?.handoverNote).to.equal('VIP upgrade');
    expect((await store.callers.findCallerContextByMemberId(member.id))!.ownership!.handoverNote).to.equal('VIP upgrade');
    await expectRejection(store.ownership.reassign({ memberId: member.id, advisorId: carol.id, reason: 'again' }), ConflictError);
    let refused = false;
    try {
      await db('member_ownership').insert({ member_id: member.id, advisor_id: alice.id, since: time.now.toISOString(), reason: 'bypass' });
    } catch {
      refused = true;
    }
    expect(refused, 'the database itself refuses a second current owner').to.equal(true);
  });

  it('applies a batch of moves atomically', async () => {
    const { store } = get();
    const { alice, bob } = await makeTeam(store);
    const one = await store.members.create({ memberNo: `O${unique()}`, name: 'One', level: 'regular', phones: [mobile()], ownerId: alice.id });
    const two = await store.members.create({ memberNo: `O${unique()}`, name: 'Two', level: 'regular', phones: [mobile()], ownerId: alice.id });
    await expectRejection(
      store.ownership.applyMoves([
        { memberId: one.id, advisorId: bob.id, reason: 'recall-dormant' },
        { memberId: two.id, advisorId: 999_999, reason: 'recall-dormant' },
      ]),
      ValidationError,
    );
    expect((await store.ownership.current(one.id))!.advisorId, 'first move rolled back').to.equal(alice.id);
    await store.ownership.applyMoves([
      { memberId: one.id, advisorId: bob.id, reason: 'advisor-left', handoverNote: 'n1' },
      { memberId: two.id, advisorId: null, reason: 'recall-lost' },
    ]);
    expect((await store.ownership.current(one.id))!.advisorId).to.equal(bob.id);
    expect(await store.ownership.current(two.id)).to.equal(null);
    const counts = await store.ownership.countsByAdvisor();
    expect(counts.find((c) => c.advisorId === alice.id)?.members).to.equal(0);
    expect(counts.find((c) => c.advisorId === bob.id)?.members).to.equal(1);
    expect(await store.ownership.memberIdsOf(bob.id)).to.deep.equal([one.id]);
  });

  it('leaves exactly one current owner after two concurrent reassignments', async () => {
    const { store, db, openAnother, time } = get();
    const { alice, bob, carol } = await makeTeam(store);
    const member = await store.members.create({ memberNo: `O${unique()}`, name: 'Race', level: 'regular', phones: [mobile()], ownerId: alice.id });
    const other = createStore(openAnother(), { clock: time.clock, defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 1000 });
    const results = await Promise.allSettled([
      store.ownership.reassign({ memberId: member.id, advisorId: bob.id, reason: 'r1' }),
      other.ownership.reassign({ memberId: member.id, advisorId: carol.id, reason: 'r2' }),
    ]);
    const current = (await db('member_ownership').where({ member_id: member.id }).whereNull('until')) as unknown[];
    expect(current).to.have.length(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).to.be.instanceOf(ConflictError);
    expect(results.some((r) => r.status === 'fulfilled')).to.equal(true);
  });
});
