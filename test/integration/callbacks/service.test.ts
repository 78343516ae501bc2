import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { CallbackService } from '../../../server/callbacks/callback-service.js';
import type { CallbackChange } from '../../../server/callbacks/callback-changes.js';
import { loadConfig } from '../../../server/config/config.js';
import type { CallerAbandonedEvent, CallAnsweredEvent } from '../../../server/pbx/call-flow/events.js';
import { closeDatabase, openDatabase, type Db } from '../../../server/store/database.js';
import { createStore, type Store } from '../../../server/store/index.js';
import type { MemberDetail } from '../../../server/store/members.js';
import { createLogger } from '../../../server/shared/logger.js';
import { createTestDatabase, TestTime, type TestDatabase } from './harness.js';

describe('callbacks: service rules (merge, abandoned capture, member reached)', function () {
  this.timeout(20_000);
  let database: TestDatabase;
  let db: Db;
  let store: Store;
  let time: TestTime;
  let service: CallbackService;
  let member: MemberDetail;
  let changes: CallbackChange[];

  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    time = new TestTime();
    db = openDatabase(database.url);
    store = createStore(db, { clock: time.clock, defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 });
    const config = loadConfig({ CTI_ABANDON_THRESHOLD: '20s', CTI_DB_URL: database.url }, '/nonexistent/.env');
    service = new CallbackService({ store, config, logger: createLogger('silent'), now: time.now });
    changes = [];
    service.on('changed', (c) => changes.push(c));
    member = (await store.members.getByMemberNo(DEMO_FIRST_MEMBER.memberNo))!;
  });

  afterEach(async () => {
    await closeDatabase(db);
    await database.drop();
  });

  const iso = (ms: number) => new Date(ms).toISOString();

  function abandonedEvent(over: Partial<CallerAbandonedEvent> = {}): CallerAbandonedEvent {
    return {
      callId: 'node0:c1',
      node: 'node0',
      storedCallId: null,
      callerNumber: DEMO_FIRST_MEMBER.phone,
      member,
      owner: member.owner ? { advisor: member.owner, availability: 'busy', presenceText: 'on a call' } : null,
      ownership: null,
      ivr: { choice: '1', language: 'en', memberNo: null, extra: {} },
      at: iso(time.now()),
      where: 'owner-wait',
      waitedMs: 45_000,
      firstCallAt: time.now() - 45_000,
      advisorId: member.ownerId,
      ...over,
    };
  }

  const request = (over: { reason?: 'requested' | 'peak-offer'; firstCallAt?: string } = {}) =>
    service.port.request({
      memberId: member.id,
      number: DEMO_FIRST_MEMBER.phone,
      reason: over.reason ?? 'requested',
      preferredAdvisorId: member.ownerId,
      firstCallAt: over.firstCallAt ?? iso(time.now() - 30_000),
      callId: null,
      note: 'key 2 at the owner prompt',
    });
  const open = async () => (await store.callbacks.list({ memberId: member.id, state: ['pending', 'reserved', 'dialing'] })).items;

  it('a second request of the same member reuses the open callback (one callback, audited, announced)', async () => {
    const first = await request();
    const second = await request({ reason: 'peak-offer' });
    expect(second.id).to.equal(first.id);
    const [only, ...more] = await open();
    expect(more).to.deep.equal([]);
    expect(only).to.include({ reason: 'requested', preferredAdvisorId: member.ownerId, number: DEMO_FIRST_MEMBER.phone });
    expect(only!.note).to.match(/asked again \(peak-offer\)/);
    expect(changes.map((c) => c.action)).to.deep.equal(['created', 'updated']);
  });

  it('a request replaces an open abandoned callback and keeps the earlier first-call time', async () => {
    const captured = await service.captureAbandoned(abandonedEvent());
    expect(captured.kind).to.equal('created');
    if (captured.kind !== 'created') throw new Error('expected a new callback');
    const abandonedId = captured.callback.id;
    const { id } = await request();
    const [only, ...more] = await open();
    expect(more).to.deep.equal([]);
    expect(only).to.include({ id, reason: 'requested' });
    expect(only!.firstCallAt, 'the abandoned call was earlier than this one').to.equal(captured.callback.firstCallAt);
    const old = await store.callbacks.get(abandonedId);
    expect(old).to.include({ state: 'cancelled' });
    expect(old!.cancelReason).to.equal(`merged into callback ${id}: the member asked for a callback`);
  });

  it('abandoned calls: under the threshold nothing; over it one callback, however many times the member abandons', async () => {
    expect(await service.captureAbandoned(abandonedEvent({ waitedMs: 5_000 }))).to.deep.equal({ kind: 'ignored', why: 'short-wait' });
    const results = await Promise.all([abandonedEvent({ callId: 'node0:a' }), abandonedEvent({ callId: 'node0:b' }), abandonedEvent({ callId: 'node0:c' })].map((e) => service.captureAbandoned(e)));
    expect(results.map((r) => r.kind).sort()).to.deep.equal(['created', 'merged', 'merged']);
    const [only, ...more] = await open();
    expect(more).to.deep.equal([]);
    expect(only).to.include({ reason: 'abandoned', preferredAdvisorId: member.ownerId, number: DEMO_FIRST_MEMBER.phone });
    expect(only!.note.match(/abandoned at owner-wait/g)).to.have.length(3);
  });

  it('no abandoned callback for a member answered on a later call; one already waiting is closed when they get through', async () => {
    const firstCallAt = time.now() - 45_000;
    const later = await store.calls.insert({ uniqueid: 'later-1', callerNumber: DEMO_FIRST_MEMBER.phone, memberId: member.id, startedAt: iso(firstCallAt + 10_000) });
    await store.calls.update(later.id, { outcome: 'answered', answeredBy: member.ownerId, answeredAt: iso(firstCallAt + 15_000) });
    expect(await service.captureAbandoned(abandonedEvent({ firstCallAt }))).to.deep.equal({ kind: 'ignored', why: 'reached-since' });
    expect(await open()).to.deep.equal([]);

    time.advance(60_000);
    const captured = await service.captureAbandoned(abandonedEvent({ firstCallAt: time.now() - 30_000 }));
    expect(captured.kind).to.equal('created');
    const { id: requestedId } = await store.callbacks.create(
      { memberId: null, number: '13900000401', reason: 'requested', maxAttempts: 3 },
      { userId: null, label: 'test' },
    );
    const answered: CallAnsweredEvent = {
      callId: 'node0:c9',
      node: 'node0',
      storedCallId: null,
      callerNumber: DEMO_FIRST_MEMBER.phone,
      member,
      owner: null,
      ownership: null,
      ivr: { choice: null, language: null, memberNo: null, extra: {} },
      at: iso(time.now()),
      advisorId: member.ownerId!,
      agentChannelId: 'agent-1',
      reason: 'own-advisor',
      reasonText: 'Your own member',
      waitedSeconds: 3,
    };
    const closed = await service.memberReached(answered);
    expect(closed.map((c) => c.id)).to.deep.equal([captured.kind === 'created' ? captured.callback.id : -1]);
    expect(closed[0]!.cancelReason).to.match(/^member got through: call node0:c9 answered by advisor/);
    expect((await store.callbacks.get(requestedId))!.state, 'other callbacks untouched').to.equal('pending');
  });

  it('callers without a usable number are not captured', async () => {
    expect(await service.captureAbandoned(abandonedEvent({ callerNumber: 'anonymous', member: null, owner: null }))).to.deep.equal({ kind: 'ignored', why: 'no-number' });
  });
});
