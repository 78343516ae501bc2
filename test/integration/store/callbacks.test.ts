import { expect } from 'chai';
import { ConflictError, NotFoundError, ValidationError } from '../../../server/shared/errors.js';
import { SYSTEM_ACTOR, userActor, workerActor } from '../../../server/store/callback-audit.js';
import { createStore, type Store } from '../../../server/store/index.js';
import type { CallbackRecord } from '../../../server/store/callbacks.js';
import { describeEachDatabase, unique } from './support.js';
import { expectRejection, makeTeam, mobile } from './fixtures.js';

const MINUTE = 60_000;

describeEachDatabase('callbacks', (get) => {
  async function member(store: Store, ownerId: number) {
    return store.members.create({ memberNo: `C${unique()}`, name: 'Caller', level: 'gold', phones: [mobile()], ownerId });
  }

  it('creates a pending callback with a normalised number and an audit row', async () => {
    const { store } = get();
    const { alice } = await makeTeam(store);
    const m = await member(store, alice.id);
    const cb = await store.callbacks.create(
      { memberId: m.id, number: '+86 139-0000-1111', reason: 'requested', preferredAdvisorId: alice.id, maxAttempts: 3 },
      SYSTEM_ACTOR,
    );
    expect(cb).to.include({ state: 'pending', number: '8613900001111', attempts: 0, reason: 'requested', preferredAdvisorId: alice.id });
    const events = await store.callbacks.events(cb.id);
    expect(events.map((e) => e.action)).to.deep.equal(['created']);
    expect(events[0]!.actor).to.equal('system');
    await expectRejection(store.callbacks.create({ memberId: m.id, number: 'call me', reason: 'requested', maxAttempts: 3 }, SYSTEM_ACTOR), ValidationError);
    await expectRejection(
      store.callbacks.create({ memberId: m.id, number: m.phones[0]!, reason: 'requested', maxAttempts: 3, dueAt: 'soon' }, SYSTEM_ACTOR),
      ValidationError,
    );
    await expectRejection(
      store.callbacks.create({ memberId: 987_654, number: '13900001111', reason: 'requested', maxAttempts: 3 }, SYSTEM_ACTOR),
      ValidationError,
    );
  });

  it('moves through its life cycle only from the expected state, auditing every change', async () => {
    const { store, time } = get();
    const { alice } = await makeTeam(store);
    const m = await member(store, alice.id);
    const cb = await store.callbacks.create({ memberId: m.id, number: m.phones[0]!, reason: 'abandoned', preferredAdvisorId: alice.id, maxAttempts: 3 }, SYSTEM_ACTOR);
    const [claimed] = await store.callbacks.claim({ workerId: 'cti-a', leaseMs: MINUTE, ids: [cb.id] });
    expect(claimed).to.include({ id: cb.id, state: 'reserved', reservedBy: 'cti-a' });
    const dialing = await store.callbacks.transition(
      cb.id,
      { from: 'reserved', to: 'dialing', reservedBy: 'cti-a', patch: { attempts: 1 } },
      workerActor('cti-a'),
    );
    expect(dialing).to.include({ state: 'dialing', attempts: 1 });
    await expectRejection(store.callbacks.transition(cb.id, { from: 'reserved', to: 'dialing' }, SYSTEM_ACTOR), ConflictError);
    await expectRejection(store.callbacks.transition(cb.id, { from: 'dialing', to: 'reserved' }, SYSTEM_ACTOR), ValidationError);
    await expectRejection(
      store.callbacks.transition(cb.id, { from: 'dialing', to: 'completed', reservedBy: 'cti-b' }, workerActor('cti-b')),
      ConflictError,
    );
    time.advance(MINUTE / 2);
    const done = await store.callbacks.transition(
      cb.id,
      { from: 'dialing', to: 'completed', reservedBy: 'cti-a', patch: { lastResult: 'answered', completedBy: alice.id } },
      workerActor('cti-a'),
    );
    expect(done).to.include({ state: 'completed', lastResult: 'answered', completedBy: alice.id, reservedBy: null, leaseUntil: null });
    expect(done.completedAt).to.equal(time.now.toISOString());
    const events = await store.callbacks.events(cb.id);
    expect(events.map((e) => e.action)).to.deep.equal(['created', 'claimed', 'transition', 'transition']);
    expect(events[2]!.before).to.include({ state: 'reserved', attempts: 0 });
    expect(events[2]!.after).to.include({ state: 'dialing', attempts: 1 });
    expect(events[3]!.actor).to.equal('cti-a');
  });

  it('lets a supervisor reschedule, assign and cancel a waiting callback, with the user in the audit', async () => {
    const { store, time } = get();
    const { alice, bob } = await makeTeam(store);
    const sup = await store.users.create({ username: `sup${unique()}`, password: 'demo1234', role: 'supervisor' });
    const m = await member(store, alice.id);
    const cb = await store.callbacks.create({ memberId: m.id, number: m.phones[0]!, reason: 'peak-offer', preferredAdvisorId: alice.id, maxAttempts: 3 }, SYSTEM_ACTOR);
    const due = new Date(time.now.getTime() + 30 * MINUTE).toISOString();
    const updated = await store.callbacks.update(cb.id, { assignedAdvisorId: bob.id, priority: 5, dueAt: due, scheduled: true }, userActor(sup.id));
    expect(updated).to.include({ assignedAdvisorId: bob.id, priority: 5, dueAt: due, scheduled: true });
    await expectRejection(store.callbacks.cancel(cb.id, '', userActor(sup.id)), ValidationError);
    const cancelled = await store.callbacks.cancel(cb.id, 'member bought in store', userActor(sup.id));
    expect(cancelled).to.include({ state: 'cancelled', cancelReason: 'member bought in store' });
    await expectRejection(store.callbacks.update(cb.id, { priority: 1 }, userActor(sup.id)), ConflictError);
    const events = await store.callbacks.events(cb.id);
    expect(events.map((e) => [e.action, e.actorUserId])).to.deep.equal([
      ['created', null],
      ['updated', sup.id],
      ['cancelled', sup.id],
    ]);
    expect(events[1]!.after).to.deep.equal({ assignedAdvisorId: bob.id, priority: 5, dueAt: due, scheduled: true });
  });

  it('claims due callbacks most urgent first and skips those not yet due or meant for another advisor', async () => {
    const { store, time } = get();
    const { alice, bob } = await makeTeam(store);
    const m = await member(store, alice.id);
    const base = { memberId: m.id, number: m.phones[0]!, reason: 'requested' as const, maxAttempts: 3 };
    const at = (minutes: number) => new Date(time.now.getTime() + minutes * MINUTE).toISOString();
    const older = await store.callbacks.create({ ...base, preferredAdvisorId: alice.id, firstCallAt: at(-30), dueAt: at(-1) }, SYSTEM_ACTOR);
    const urgent = await store.callbacks.create({ ...base, preferredAdvisorId: alice.id, priority: 9, firstCallAt: at(-5), dueAt: at(-1) }, SYSTEM_ACTOR);
    const later = await store.callbacks.create({ ...base, preferredAdvisorId: alice.id, dueAt: at(60) }, SYSTEM_ACTOR);
    const bobs = await store.callbacks.create({ ...base, preferredAdvisorId: alice.id, assignedAdvisorId: bob.id, dueAt: at(-1) }, SYSTEM_ACTOR);
    const forAlice = await store.callbacks.claim({ workerId: 'w1', leaseMs: MINUTE, limit: 10, advisorId: alice.id });
    expect(forAlice.map((c) => c.id)).to.deep.equal([urgent.id, older.id]);
    const forBob = await store.callbacks.claim({ workerId: 'w1', leaseMs: MINUTE, limit: 10, advisorId: bob.id });
    expect(forBob.map((c) => c.id)).to.deep.equal([bobs.id]);
    expect(await store.callbacks.claim({ workerId: 'w1', leaseMs: MINUTE, ids: [later.id] })).to.deep.equal([]);
    const listed = await store.callbacks.list({ advisorId: alice.id, state: 'pending' });
    expect(listed.items.map((c) => c.id)).to.include(later.id);
  });

  it('starts the ladder when the callback is workable: at creation, or at the time asked for; a retry keeps it, an explicit change moves it', async () => {
    const { store, time } = get();
    const { alice } = await makeTeam(store);
    const m = await member(store, alice.id);
    const base = { memberId: m.id, number: m.phones[0]!, reason: 'requested' as const, preferredAdvisorId: alice.id, maxAttempts: 3 };
    const at = (minutes: number) => new Date(time.now.getTime() + minutes * MINUTE).toISOString();
    const now = at(0);
    expect(await store.callbacks.create(base, SYSTEM_ACTOR)).to.include({ ladderFrom: now, createdAt: now });
    expect(await store.callbacks.create({ ...base, dueAt: at(-30) }, SYSTEM_ACTOR)).to.include({ ladderFrom: now });
    const after3pm = await store.callbacks.create({ ...base, dueAt: at(6 * 60), scheduled: true }, SYSTEM_ACTOR);
    expect(after3pm).to.include({ ladderFrom: at(6 * 60), dueAt: at(6 * 60) });

    time.advance(6 * 60 * MINUTE);
    await store.callbacks.claim({ workerId: 'w1', leaseMs: MINUTE, ids: [after3pm.id] });
    await store.callbacks.transition(after3pm.id, { from: 'reserved', to: 'dialing', reservedBy: 'w1' }, workerActor('w1'));
    const retry = await store.callbacks.transition(
      after3pm.id,
      { from: 'dialing', to: 'pending', reservedBy: 'w1', patch: { attempts: 1, lastResult: 'no-answer', dueAt: at(15) } },
      workerActor('w1'),
    );
    expect(retry).to.include({ dueAt: at(15), ladderFrom: at(0) });
    expect(await store.callbacks.get(after3pm.id)).to.include({ ladderFrom: at(0) });

    const sup = await store.users.create({ username: `lf${unique()}`, password: 'demo1234', role: 'supervisor' });
    const moved = await store.callbacks.update(after3pm.id, { dueAt: at(24 * 60), ladderFrom: at(24 * 60), scheduled: true }, userActor(sup.id));
    expect(moved).to.include({ dueAt: at(24 * 60), ladderFrom: at(24 * 60) });
    expect((await store.callbacks.events(after3pm.id)).at(-1)!.after).to.include({ ladderFrom: at(24 * 60) });
    await expectRejection(store.callbacks.update(after3pm.id, { ladderFrom: 'later' }, userActor(sup.id)), ValidationError);
    expect((await store.callbacks.listDue({ dueBy: at(24 * 60) })).find((d) => d.callback.id === after3pm.id)?.callback.ladderFrom).to.equal(at(24 * 60));
  });

  it('lists the callbacks an advisor holds (assigned to them, or unassigned and theirs) apart from those involving them', async () => {
    const { store } = get();
    const { alice, bob } = await makeTeam(store);
    const m = await member(store, alice.id);
    const base = { memberId: m.id, number: m.phones[0]!, reason: 'requested' as const, maxAttempts: 3 };
    const alices = await store.callbacks.create({ ...base, preferredAdvisorId: alice.id }, SYSTEM_ACTOR);
    const givenToBob = await store.callbacks.create({ ...base, preferredAdvisorId: alice.id, assignedAdvisorId: bob.id }, SYSTEM_ACTOR);
    const takenByAlice = await store.callbacks.create({ ...base, preferredAdvisorId: bob.id, assignedAdvisorId: alice.id }, SYSTEM_ACTOR);
    const ids = async (filter: Parameters<typeof store.callbacks.list>[0]) => (await store.callbacks.list({ ...filter, memberId: m.id })).items.map((c) => c.id);
    expect(await ids({ heldBy: alice.id })).to.deep.equal([alices.id, takenByAlice.id]);
    expect(await ids({ heldBy: bob.id })).to.deep.equal([givenToBob.id]);
    expect(await ids({ advisorId: alice.id })).to.deep.equal([alices.id, givenToBob.id, takenByAlice.id]);
  });

  it('gives the dispatcher due callbacks with the member level and zone, and contacts with callback reasons', async () => {
    const { store, time } = get();
    const { alice } = await makeTeam(store);
    const m = await store.members.create({ memberNo: `C${unique()}`, name: 'Abroad', level: 'vip', phones: [mobile()], ownerId: alice.id, timeZone: 'Europe/London', language: 'en' });
    const sup = await store.users.create({ username: `ov${unique()}`, password: 'demo1234', role: 'supervisor' });
    const cb = await store.callbacks.create({ memberId: m.id, number: m.phones[0]!, reason: 'peak-offer', maxAttempts: 3, priority: 50 }, SYSTEM_ACTOR);
    await store.callbacks.update(cb.id, { pacingOverrideReason: 'member asked for a late call', pacingOverrideBy: sup.id }, userActor(sup.id));
    const due = (await store.callbacks.listDue()).find((d) => d.callback.id === cb.id);
    expect(due).to.deep.include({ memberLevel: 'vip', timeZone: 'Europe/London', language: 'en' });
    expect(due!.callback).to.include({ pacingOverrideBy: sup.id, pacingOverrideReason: 'member asked for a late call' });
    const since = time.now.toISOString();
    await store.contacts.insert({ memberId: m.id, number: m.phones[0]!, kind: 'requested', callbackId: cb.id, result: 'no-answer' });
    await store.contacts.insert({ memberId: m.id, number: m.phones[0]!, kind: 'proactive', result: 'answered' });
    const contacts = await store.contacts.listRecentForMembers([m.id, 987_654], since);
    expect(contacts.get(m.id)!.map((c) => c.callbackReason)).to.deep.equal(['peak-offer', null]);
    expect(contacts.has(987_654)).to.equal(false);
  });

  it('releases callbacks whose lease expired, and the holder can no longer act on them', async () => {
    const { store, time } = get();
    const { alice } = await makeTeam(store);
    const m = await member(store, alice.id);
    const cb = await store.callbacks.create({ memberId: m.id, number: m.phones[0]!, reason: 'requested', maxAttempts: 3 }, SYSTEM_ACTOR);
    await store.callbacks.claim({ workerId: 'dead-server', leaseMs: MINUTE, ids: [cb.id] });
    time.advance(MINUTE / 2);
    expect((await store.callbacks.releaseExpired()).map((c) => c.id)).to.not.include(cb.id);
    expect(await store.callbacks.renewLease(cb.id, 'dead-server', MINUTE)).to.equal(true);
    time.advance(MINUTE + 1);
    const released = await store.callbacks.releaseExpired();
    expect(released.map((c) => c.id)).to.include(cb.id);
    expect(await store.callbacks.get(cb.id)).to.include({ state: 'pending', reservedBy: null, leaseUntil: null });
    expect(await store.callbacks.renewLease(cb.id, 'dead-server', MINUTE)).to.equal(false);
    const events = await store.callbacks.events(cb.id);
    expect(events.at(-1)).to.include({ action: 'lease-expired', actor: 'system' });
    expect(events.at(-1)!.before).to.include({ state: 'reserved', reservedBy: 'dead-server' });
    const [again] = await store.callbacks.claim({ workerId: 'alive', leaseMs: MINUTE, ids: [cb.id] });
    expect(again?.reservedBy).to.equal('alive');
  });

  it('counts an attempt before the member is dialed, only for the worker holding the lease, and keeps it if that worker dies', async () => {
    const { store, time } = get();
    const { alice } = await makeTeam(store);
    const m = await member(store, alice.id);
    const cb = await store.callbacks.create({ memberId: m.id, number: m.phones[0]!, reason: 'requested', maxAttempts: 3 }, SYSTEM_ACTOR);
    await store.callbacks.claim({ workerId: 'worker-a', leaseMs: MINUTE, ids: [cb.id] });
    expect((await expectRejection(store.callbacks.recordAttempt(cb.id, 'worker-a', 'member dialed'), ConflictError)).message).to.match(/reserved now \(expected dialing\)/);
    await store.callbacks.transition(cb.id, { from: 'reserved', to: 'dialing', reservedBy: 'worker-a' }, SYSTEM_ACTOR);
    expect((await expectRejection(store.callbacks.recordAttempt(cb.id, 'worker-b', 'member dialed'), ConflictError)).message).to.match(/taken over/);
    expect((await store.callbacks.get(cb.id))!.attempts).to.equal(0);
    const counted = await store.callbacks.recordAttempt(cb.id, 'worker-a', 'member dialed');
    expect(counted).to.include({ attempts: 1, state: 'dialing', reservedBy: 'worker-a' });
    const contact = await store.contacts.insert({ memberId: m.id, number: m.phones[0]!, kind: 'requested', callbackId: cb.id, result: 'interrupted' });
    // worker-a dies mid-dial: the released callback keeps the attempt and the contact stays on record.
    time.advance(MINUTE + 1);
    await store.callbacks.releaseExpired();
    expect(await store.callbacks.get(cb.id)).to.include({ state: 'pending', attempts: 1 });
    expect((await store.callbacks.events(cb.id)).map((e) => e.action)).to.deep.equal(['created', 'claimed', 'transition', 'attempt', 'lease-expired']);
    const recent = await store.contacts.listRecent({ memberId: m.id }, new Date(0).toISOString());
    expect(recent.find((c) => c.id === contact.id)?.result).to.equal('interrupted');
    await store.contacts.setResult(contact.id, 'answered');
    expect((await store.contacts.listRecent({ memberId: m.id }, new Date(0).toISOString())).find((c) => c.id === contact.id)?.result).to.equal('answered');
    await expectRejection(store.contacts.setResult(999_999_999, 'answered'), NotFoundError);
    await expectRejection(store.contacts.setResult(contact.id, ' '), ValidationError);
  });

  it('never gives the same callback to two dispatchers claiming at the same time', async function () {
    const { store, openAnother, time } = get();
    const { alice } = await makeTeam(store);
    const m = await member(store, alice.id);
    const total = 200;
    const created: number[] = [];
    for (let i = 0; i < total; i += 1) {
      const cb = await store.callbacks.create({ memberId: m.id, number: m.phones[0]!, reason: 'abandoned', maxAttempts: 3 }, SYSTEM_ACTOR);
      created.push(cb.id);
    }
    const options = { clock: time.clock, defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 1000 };
    const workers = [createStore(openAnother(), options), createStore(openAnother(), options), store];
    const drain = async (s: Store, workerId: string, limit: number): Promise<CallbackRecord[]> => {
      const got: CallbackRecord[] = [];
      for (;;) {
        const batch = await s.callbacks.claim({ workerId, leaseMs: MINUTE, limit, ids: created });
        if (batch.length === 0) return got;
        got.push(...batch);
      }
    };
    const results = await Promise.all(workers.map((w, i) => drain(w, `w${i}`, 1 + i * 2)));
    const ids = results.flat().map((c) => c.id);
    expect(new Set(ids).size, 'no callback claimed twice').to.equal(ids.length);
    expect(ids.length, 'every callback claimed once').to.equal(total);
    for (const [i, batch] of results.entries()) for (const c of batch) expect(c.reservedBy).to.equal(`w${i}`);
    const audits = (await get().db('callback_events').whereIn('callback_id', created).where('action', 'claimed').count({ n: '*' })) as Array<{ n: unknown }>;
    expect(Number(audits[0]!.n)).to.equal(total);
  });
});
