import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { callbackServiceFor } from '../../../server/callbacks/index.js';
import type { CallbackChange } from '../../../server/callbacks/index.js';
import { startTestServer, type TestServer } from '../../support/server-harness.js';

describe('callbacks: supervisor REST API (filter, reassign, reschedule, prioritise, override, cancel; agents own only)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let supervisor: string;
  let alice: string;
  let aliceId: number;
  let bobId: number;
  let memberId: number;
  const changes: CallbackChange[] = [];

  before(async () => {
    server = await startTestServer();
    supervisor = await server.login('supervisor');
    alice = await server.login('alice');
    aliceId = (await server.store.advisors.findByEndpoint(DEMO_FIRST_MEMBER.ownerEndpoint))!.id;
    bobId = (await server.store.advisors.findByEndpoint(DEMO_FIRST_MEMBER.delegateEndpoints[0]))!.id;
    memberId = (await server.store.members.getByMemberNo(DEMO_FIRST_MEMBER.memberNo))!.id;
    // The same service instance the routes use announces every change.
    callbackServiceFor({ store: server.store, config: server.config, logger: server.logger, now: Date.now }).on('changed', (c) => changes.push(c));
  });

  after(async () => {
    await server?.stop();
  });

  const create = async (token: string, body: Record<string, unknown>) => server.request('POST', '/api/callbacks', { token, body });

  it('a supervisor plans manual callbacks; the owner is the member\u2019s advisor; bad input changes nothing', async () => {
    const res = await create(supervisor, { memberId, note: 'follow up on the order' });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ reason: 'manual', state: 'pending', preferredAdvisorId: aliceId, number: DEMO_FIRST_MEMBER.phone });
    // A call the member asked for on the phone is theirs, not proactive: pacing's weekly cap and gap do not hold it back.
    const asked = await create(supervisor, { memberId, reason: 'requested', dueAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(asked.status).to.equal(201);
    expect(asked.body).to.include({ reason: 'requested', preferredAdvisorId: aliceId });
    const before = (await server.request('GET', '/api/callbacks', { token: supervisor })).body.total;
    for (const body of [
      { memberId: 999_999 },
      { memberId: null },
      { memberId, dueAt: 'tomorrow' },
      { memberId, priority: 1.5 },
      { memberId, reason: 'abandoned' },
      { memberId, reason: 'peak-offer' },
    ]) {
      const bad = await create(supervisor, body);
      expect(bad.status, JSON.stringify(body)).to.equal(400);
      expect(bad.body.error.code).to.equal('invalid_request');
    }
    expect((await server.request('GET', '/api/callbacks', { token: supervisor })).body.total).to.equal(before);
    expect(changes.some((c) => c.action === 'created' && c.callbacks[0]!.id === res.body.id)).to.equal(true);
    // Lists and the detail name the member, so a console shows who to call without a lookup per row.
    const memberName = (await server.store.members.get(memberId))!.name;
    const listed = (await server.request('GET', `/api/callbacks?memberId=${memberId}`, { token: supervisor })).body.items as Array<{ id: number; memberName: string | null }>;
    expect(listed.find((c) => c.id === res.body.id)?.memberName).to.equal(memberName);
    expect((await server.request('GET', `/api/callbacks/${res.body.id}`, { token: supervisor })).body.memberName).to.equal(memberName);
    const stranger = await create(supervisor, { memberId: null, number: '13900000399' });
    expect((await server.request('GET', `/api/callbacks/${stranger.body.id}`, { token: supervisor })).body.memberName).to.equal(null);
  });

  it('filters by state, reason, advisor, age and due time, with pagination', async () => {
    const later = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const scheduled = (await create(supervisor, { memberId: null, number: '13900000301', preferredAdvisorId: bobId, dueAt: later })).body;
    await create(supervisor, { memberId: null, number: '13900000302', preferredAdvisorId: bobId });
    const bobs = await server.request('GET', `/api/callbacks?advisorId=${bobId}&reason=manual&state=pending`, { token: supervisor });
    expect(bobs.status).to.equal(200);
    expect(bobs.body.total).to.equal(2);
    expect(bobs.body.items.every((c: { preferredAdvisorId: number }) => c.preferredAdvisorId === bobId)).to.equal(true);
    const dueSoon = await server.request('GET', `/api/callbacks?advisorId=${bobId}&dueBefore=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, { token: supervisor });
    expect(dueSoon.body.items.map((c: { id: number }) => c.id)).to.not.include(scheduled.id);
    expect(dueSoon.body.total).to.equal(1);
    const old = await server.request('GET', '/api/callbacks?olderThan=1h', { token: supervisor });
    expect(old.body.total).to.equal(0);
    // Age: a second later the scheduled one is older than a second, and still not than an hour.
    await new Promise((r) => setTimeout(r, 1_100));
    const aged = await server.request('GET', `/api/callbacks?olderThan=1s&advisorId=${bobId}`, { token: supervisor });
    expect(aged.body.items.map((c: { id: number }) => c.id)).to.include(scheduled.id);
    const page = await server.request('GET', '/api/callbacks?limit=1&offset=1&order=newest', { token: supervisor });
    expect(page.body).to.include({ limit: 1, offset: 1 });
    expect(page.body.items).to.have.length(1);
    expect((await server.request('GET', '/api/callbacks?state=lost', { token: supervisor })).status).to.equal(400);
    expect((await server.request('GET', '/api/callbacks?olderThan=soon', { token: supervisor })).status).to.equal(400);
  });

  it('reassign, reschedule, prioritise and override pacing: each audited with who, when, before and after', async () => {
    const cb = (await create(supervisor, { memberId })).body;
    const assigned = await server.request('PATCH', `/api/callbacks/${cb.id}`, { token: supervisor, body: { assignedAdvisorId: bobId } });
    expect(assigned.status).to.equal(200);
    expect(assigned.body.assignedAdvisorId).to.equal(bobId);
    const dueAt = new Date(Date.now() + 6 * 3_600_000).toISOString();
    const moved = await server.request('PATCH', `/api/callbacks/${cb.id}`, { token: supervisor, body: { dueAt, priority: 5 } });
    expect(moved.body).to.include({ priority: 5, scheduled: true });
    expect(Date.parse(moved.body.dueAt)).to.equal(Date.parse(dueAt));
    const lifted = await server.request('PATCH', `/api/callbacks/${cb.id}`, { token: supervisor, body: { override: { reason: 'member asked us to call tonight' } } });
    expect(lifted.body.pacingOverrideReason).to.equal('member asked us to call tonight');
    expect((await server.request('PATCH', `/api/callbacks/${cb.id}`, { token: supervisor, body: { assignedAdvisorId: 424242 } })).status).to.equal(400);

    const detail = await server.request('GET', `/api/callbacks/${cb.id}`, { token: supervisor });
    const supervisorId = (await server.store.users.getByUsername('supervisor'))!.id;
    const updates = detail.body.events.filter((e: { action: string }) => e.action === 'updated');
    expect(updates).to.have.length(3);
    expect(updates[0]).to.deep.include({ actorUserId: supervisorId, before: { assignedAdvisorId: null }, after: { assignedAdvisorId: bobId } });
    expect(updates[1].after).to.include({ priority: 5, scheduled: true });
    expect(updates[2].after).to.include({ pacingOverrideReason: 'member asked us to call tonight' });
    expect(updates[2].note).to.match(/pacing override/);
    expect(changes.filter((c) => c.callbacks[0]!.id === cb.id).map((c) => c.action)).to.deep.equal(['created', 'assigned', 'rescheduled', 'updated']);
  });

  it('the owner\u2019s window starts when the callback is workable as asked: at its due time, moved by a reschedule, never reopened by call-now', async () => {
    const started = Date.now();
    const in3h = new Date(started + 3 * 3_600_000).toISOString();
    const planned = (await create(supervisor, { memberId, dueAt: in3h })).body;
    expect(Date.parse(planned.ladderFrom)).to.equal(Date.parse(in3h));
    const in6h = new Date(started + 6 * 3_600_000).toISOString();
    const moved = (await server.request('PATCH', `/api/callbacks/${planned.id}`, { token: supervisor, body: { dueAt: in6h } })).body;
    expect(Date.parse(moved.ladderFrom)).to.equal(Date.parse(in6h));
    const backdated = (await server.request('PATCH', `/api/callbacks/${planned.id}`, { token: supervisor, body: { dueAt: new Date(started - 3_600_000).toISOString() } })).body;
    expect(Date.parse(backdated.ladderFrom)).to.be.within(started, Date.now());

    // Planned for later, then called now: its ladder starts now.
    const early = (await create(supervisor, { memberId, dueAt: in3h })).body;
    const calledEarly = (await server.request('POST', `/api/callbacks/${early.id}/call-now`, { token: supervisor, body: {} })).body;
    expect(Date.parse(calledEarly.ladderFrom)).to.be.within(started, Date.now());
    // Already workable: calling it now keeps its ladder where it was.
    const asap = (await create(supervisor, { memberId })).body;
    expect(asap.ladderFrom).to.equal(asap.createdAt);
    const calledAsap = (await server.request('POST', `/api/callbacks/${asap.id}/call-now`, { token: supervisor, body: {} })).body;
    expect(calledAsap.ladderFrom).to.equal(asap.createdAt);
  });

  it('cancel needs a reason, which stays in the audit trail; a cancelled callback cannot be changed', async () => {
    const cb = (await create(supervisor, { memberId })).body;
    expect((await server.request('DELETE', `/api/callbacks/${cb.id}`, { token: supervisor, body: {} })).status).to.equal(400);
    expect((await server.store.callbacks.get(cb.id))!.state).to.equal('pending');
    const cancelled = await server.request('DELETE', `/api/callbacks/${cb.id}`, { token: supervisor, body: { reason: 'member bought in the shop' } });
    expect(cancelled.status).to.equal(200);
    expect(cancelled.body).to.include({ state: 'cancelled', cancelReason: 'member bought in the shop' });
    const events = (await server.request('GET', `/api/callbacks/${cb.id}`, { token: supervisor })).body.events;
    expect(events.at(-1)).to.include({ action: 'cancelled', note: 'member bought in the shop' });
    expect((await server.request('PATCH', `/api/callbacks/${cb.id}`, { token: supervisor, body: { priority: 1 } })).status).to.equal(409);
  });

  it('agents see and act on their own callbacks only: 403 for others\u2019, no assigning away, no pacing override', async () => {
    const own = (await create(supervisor, { memberId })).body;
    const bobs = (await create(supervisor, { memberId: null, number: '13900000303', preferredAdvisorId: bobId })).body;
    const list = await server.request('GET', '/api/callbacks', { token: alice });
    expect(list.status).to.equal(200);
    expect(list.body.items.length).to.be.greaterThan(0);
    // Held by Alice: assigned to her, or unassigned and hers (a callback of her member assigned to Bob is not).
    expect(list.body.items.every((c: { preferredAdvisorId: number; assignedAdvisorId: number | null }) => (c.assignedAdvisorId ?? c.preferredAdvisorId) === aliceId)).to.equal(true);
    expect((await server.request('GET', `/api/callbacks?advisorId=${bobId}`, { token: alice })).status).to.equal(403);
    expect((await server.request('GET', `/api/callbacks/${bobs.id}`, { token: alice })).status).to.equal(403);
    expect((await server.request('PATCH', `/api/callbacks/${bobs.id}`, { token: alice, body: { dueAt: new Date().toISOString() } })).status).to.equal(403);
    expect((await server.request('DELETE', `/api/callbacks/${bobs.id}`, { token: alice, body: { reason: 'not mine anyway' } })).status).to.equal(403);
    expect((await server.request('POST', `/api/callbacks/${bobs.id}/call-now`, { token: alice, body: {} })).status).to.equal(403);
    expect((await server.request('PATCH', `/api/callbacks/${own.id}`, { token: alice, body: { assignedAdvisorId: bobId } })).status).to.equal(403);
    expect((await server.request('PATCH', `/api/callbacks/${own.id}`, { token: alice, body: { override: { reason: 'because' } } })).status).to.equal(403);
    expect((await create(alice, { memberId: null, number: '13900000304', preferredAdvisorId: bobId })).status).to.equal(403);
    const untouched = await server.store.callbacks.get(bobs.id);
    expect(untouched).to.include({ state: 'pending', assignedAdvisorId: null });

    const now = await server.request('POST', `/api/callbacks/${own.id}/call-now`, { token: alice, body: {} });
    expect(now.status).to.equal(200);
    expect(now.body.assignedAdvisorId).to.equal(aliceId);
    expect(Date.parse(now.body.dueAt)).to.be.at.most(Date.now());
    const mine = await create(alice, { memberId: null, number: '13900000305' });
    expect(mine.status).to.equal(201);
    expect(mine.body.preferredAdvisorId).to.equal(aliceId);
  });

  it('a supervisor\u2019s reassignment holds: the owner can no longer list, read, change, cancel or call it; the new holder can', async () => {
    const bob = await server.login('bob');
    const cb = (await create(supervisor, { memberId, note: 'call about the order' })).body;
    expect(cb.preferredAdvisorId).to.equal(aliceId);
    const listedFor = async (token: string, query = '') =>
      ((await server.request('GET', `/api/callbacks?memberId=${memberId}&limit=500${query}`, { token })).body.items as Array<{ id: number }>).map((c) => c.id);
    expect(await listedFor(alice)).to.include(cb.id);
    expect(await listedFor(bob)).to.not.include(cb.id);

    expect((await server.request('PATCH', `/api/callbacks/${cb.id}`, { token: supervisor, body: { assignedAdvisorId: bobId } })).status).to.equal(200);
    const trail = await server.store.callbacks.events(cb.id);
    const assigned = await server.store.callbacks.get(cb.id);
    expect(await listedFor(alice)).to.not.include(cb.id);
    expect(await listedFor(alice, `&advisorId=${aliceId}`)).to.not.include(cb.id);
    const attempts = [
      server.request('GET', `/api/callbacks/${cb.id}`, { token: alice }),
      server.request('PATCH', `/api/callbacks/${cb.id}`, { token: alice, body: { assignedAdvisorId: aliceId } }),
      server.request('PATCH', `/api/callbacks/${cb.id}`, { token: alice, body: { dueAt: new Date(Date.now() + 3_600_000).toISOString() } }),
      server.request('PATCH', `/api/callbacks/${cb.id}`, { token: alice, body: { note: 'mine really' } }),
      server.request('DELETE', `/api/callbacks/${cb.id}`, { token: alice, body: { reason: 'I will call her myself' } }),
      server.request('POST', `/api/callbacks/${cb.id}/call-now`, { token: alice, body: {} }),
    ];
    expect((await Promise.all(attempts)).map((r) => r.status)).to.deep.equal([403, 403, 403, 403, 403, 403]);
    expect(await server.store.callbacks.get(cb.id)).to.deep.equal(assigned);
    expect(await server.store.callbacks.events(cb.id)).to.deep.equal(trail);
    // A supervisor still finds it under either advisor involved.
    expect(await listedFor(supervisor, `&advisorId=${aliceId}`)).to.include(cb.id);
    expect(await listedFor(supervisor, `&advisorId=${bobId}`)).to.include(cb.id);

    expect(await listedFor(bob)).to.include(cb.id);
    expect((await server.request('GET', `/api/callbacks/${cb.id}`, { token: bob })).status).to.equal(200);
    expect((await server.request('PATCH', `/api/callbacks/${cb.id}`, { token: bob, body: { note: 'member prefers mornings' } })).body.note).to.equal('member prefers mornings');
    const now = await server.request('POST', `/api/callbacks/${cb.id}/call-now`, { token: bob, body: {} });
    expect(now.status).to.equal(200);
    expect(now.body.assignedAdvisorId).to.equal(bobId);
    const cancelled = await server.request('DELETE', `/api/callbacks/${cb.id}`, { token: bob, body: { reason: 'member reached in the shop' } });
    expect(cancelled.body).to.include({ state: 'cancelled', cancelReason: 'member reached in the shop' });
  });
});
