import { expect } from 'chai';
import { ConflictError, NotFoundError, ValidationError } from '../../../server/shared/errors.js';
import { SYSTEM_ACTOR } from '../../../server/store/callback-audit.js';
import type { RouteStep } from '../../../server/domain/model.js';
import { describeEachDatabase, unique } from './support.js';
import { expectRejection, makeTeam, mobile } from './fixtures.js';

const SECOND = 1000;

describeEachDatabase('calls and statistics', (get) => {
  it('records a call, appends its routing trail in order and updates the outcome', async () => {
    const { store, time } = get();
    const { alice, bob } = await makeTeam(store);
    const m = await store.members.create({ memberNo: `K${unique()}`, name: 'K', level: 'gold', phones: [mobile()], ownerId: alice.id });
    const uniqueid = `1700000000.${unique()}`;
    const call = await store.calls.insert({ node: 'pbx-1', uniqueid, callerNumber: m.phones[0]!, memberId: m.id, ownerId: alice.id, ivr: { menu: '1' }, language: 'zh' });
    expect(call).to.include({ outcome: 'in-progress', memberId: m.id, ownerId: alice.id, language: 'zh' });
    await expectRejection(store.calls.insert({ node: 'pbx-1', uniqueid }), ConflictError);
    const step = (s: string, reason: RouteStep['reason'], advisorId: number | null): RouteStep => ({
      at: time.now.toISOString(),
      step: s,
      reason,
      advisorId,
      detail: '',
      outcome: null,
    });
    await store.calls.appendStep(call.id, step('ring-owner', 'own-advisor', alice.id));
    const trail = await store.calls.appendStep(call.id, step('ring-delegate', 'delegate', bob.id));
    expect(trail.map((s) => s.step)).to.deep.equal(['ring-owner', 'ring-delegate']);
    const done = await store.calls.update(call.id, { outcome: 'answered', answeredBy: bob.id, reason: 'delegate', answeredAt: time.now.toISOString(), waitedMs: 12_000 });
    expect(done).to.include({ outcome: 'answered', answeredBy: bob.id, reason: 'delegate', waitedMs: 12_000 });
    expect((await store.calls.getByUniqueid('pbx-1', uniqueid))!.trail).to.have.length(2);
    expect(await store.calls.reachedSince({ memberId: m.id, number: m.phones[0]! }, call.startedAt)).to.equal(true);
    const listed = await store.calls.list({ advisorId: bob.id });
    expect(listed.items.map((c) => c.id)).to.deep.equal([call.id]);
  });

  it('keeps every step appended at once, their text as written, and refuses a call that does not exist', async () => {
    const { store, time } = get();
    const call = await store.calls.insert({ node: 'pbx-1', uniqueid: `1700000001.${unique()}`, callerNumber: mobile() });
    const steps = Array.from({ length: 20 }, (_, i): RouteStep => ({
      at: time.now.toISOString(),
      step: `step-${i}`,
      reason: null,
      advisorId: null,
      detail: `"quoted" \\ 王丽 ${i} ✓`,
      outcome: i % 2 ? 'no-answer' : null,
    }));
    await Promise.all(steps.map((s) => store.calls.appendStep(call.id, s)));
    const trail = (await store.calls.get(call.id))!.trail;
    expect(trail.map((s) => s.step).sort()).to.deep.equal(steps.map((s) => s.step).sort());
    expect(trail.find((s) => s.step === 'step-7')).to.deep.equal(steps[7]);
    await expectRejection(store.calls.appendStep(999_999_999, steps[0]!), NotFoundError);
  });

  it('counts calls by reason, advisor and hour, service level, abandonment and callback SLA', async () => {
    const { store, time } = get();
    time.advance(86_400_000); // a window of its own, away from the other tests' calls
    const { alice, bob, carol } = await makeTeam(store);
    const m = await store.members.create({ memberNo: `K${unique()}`, name: 'K', level: 'gold', phones: [mobile()], ownerId: alice.id });
    const from = new Date(time.now.getTime() - 1000).toISOString();
    const make = async (minutesLater: number, patch: Parameters<typeof store.calls.update>[1], memberId: number | null = m.id) => {
      const startedAt = new Date(time.now.getTime() + minutesLater * 60_000).toISOString();
      const call = await store.calls.insert({ node: 'n', uniqueid: `s.${unique()}`, callerNumber: '8613900000000', memberId, startedAt });
      return store.calls.update(call.id, patch);
    };
    await make(1, { outcome: 'answered', answeredBy: alice.id, reason: 'own-advisor', waitedMs: 5 * SECOND });
    await make(2, { outcome: 'answered', answeredBy: bob.id, reason: 'delegate', waitedMs: 25 * SECOND });
    await make(70, { outcome: 'answered', answeredBy: carol.id, reason: 'pool', waitedMs: 15 * SECOND });
    await make(71, { outcome: 'abandoned', abandonedAt: 'owner-prompt', waitedMs: 40 * SECOND });
    await make(72, { outcome: 'callback-requested', reason: 'own-advisor', waitedMs: 30 * SECOND });
    await make(73, { outcome: 'answered', answeredBy: carol.id, reason: 'unknown-caller', waitedMs: 1 * SECOND }, null);

    const cbBase = { memberId: m.id, number: m.phones[0]!, reason: 'abandoned' as const, preferredAdvisorId: alice.id, maxAttempts: 3 };
    const quick = await store.callbacks.create(cbBase, SYSTEM_ACTOR);
    const slow = await store.callbacks.create(cbBase, SYSTEM_ACTOR);
    await store.callbacks.create({ ...cbBase, reason: 'requested' }, SYSTEM_ACTOR);
    const finish = async (id: number, afterMs: number, by: number) => {
      await store.callbacks.claim({ workerId: 'w', leaseMs: 60_000, ids: [id] });
      await store.callbacks.transition(id, { from: 'reserved', to: 'dialing' }, SYSTEM_ACTOR);
      const completedAt = new Date(time.now.getTime() + afterMs).toISOString();
      await store.callbacks.transition(id, { from: 'dialing', to: 'completed', patch: { completedBy: by, completedAt } }, SYSTEM_ACTOR);
    };
    await finish(quick.id, 30 * 60_000, alice.id);
    await finish(slow.id, 3 * 3_600_000, bob.id);

    const to = new Date(time.now.getTime() + 4 * 3_600_000).toISOString();
    const report = await store.stats.report({ from, to });
    expect(report.calls).to.include({ total: 6, inbound: 6, memberCalls: 5, answered: 4, answeredWithinServiceLevel: 3, abandoned: 1, abandonedAfterServiceLevel: 1, callbackRequested: 1 });
    expect(report.calls.answeredByReason).to.deep.equal({ 'own-advisor': 1, delegate: 1, pool: 1, callback: 0, 'unknown-caller': 1 });
    const carolRow = report.byAdvisor.find((a) => a.advisorId === carol.id);
    expect(carolRow).to.include({ answered: 2, pool: 1, own: 0 });
    expect(report.byHour.map((h) => h.calls)).to.deep.equal([2, 4]);
    expect(report.byHour[0]!.hour).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}$/);
    expect(report.callbacks).to.include({ created: 3, completed: 2, completedWithinSla: 1, open: 1 });
    expect(report.callbacks.byReason).to.deep.equal({ abandoned: 2, requested: 1 });
    expect(report.callbacksByOwner).to.deep.equal([{ advisorId: alice.id, created: 3, completed: 2, completedByOwner: 1, completedWithinSla: 1 }]);
    await expectRejection(store.stats.report({ from: to, to: from }), ValidationError);
    // The wallboard's headline reads the call counts alone: the same numbers as the report's.
    expect(await store.stats.callTotals({ from, to })).to.deep.equal(report.calls);
    await expectRejection(store.stats.callTotals({ from: to, to: from }), ValidationError);
  });
});

describeEachDatabase('prompts, contact log and dispositions', (get) => {
  it('picks the advisor-specific prompt first and a recording over TTS', async () => {
    const { store } = get();
    const { alice, bob } = await makeTeam(store);
    const kind = `owner-busy-${unique()}`;
    expect(await store.prompts.findBest(kind, 'zh', alice.id)).to.equal(null);
    await store.prompts.upsert({ kind, language: 'zh', advisorId: null, source: 'tts', path: 'generic-tts' });
    expect((await store.prompts.findBest(kind, 'zh', alice.id))?.path).to.equal('generic-tts');
    await store.prompts.upsert({ kind, language: 'zh', advisorId: null, source: 'recorded', path: 'generic-rec' });
    expect((await store.prompts.findBest(kind, 'zh', alice.id))?.path).to.equal('generic-rec');
    await store.prompts.upsert({ kind, language: 'zh', advisorId: alice.id, source: 'tts', path: 'alice-tts', text: '您的专属顾问王丽正在通话中' });
    expect((await store.prompts.findBest(kind, 'zh', alice.id))?.path).to.equal('alice-tts');
    await store.prompts.upsert({ kind, language: 'zh', advisorId: alice.id, source: 'recorded', path: 'alice-rec' });
    expect((await store.prompts.findBest(kind, 'zh', alice.id))?.path).to.equal('alice-rec');
    expect((await store.prompts.findBest(kind, 'zh', bob.id))?.path).to.equal('generic-rec');
    expect(await store.prompts.findBest(kind, 'en', alice.id)).to.equal(null);
    const replaced = await store.prompts.upsert({ kind, language: 'zh', advisorId: alice.id, source: 'recorded', path: 'alice-rec-v2' });
    expect(replaced.path).to.equal('alice-rec-v2');
    expect(await store.prompts.list({ kind })).to.have.length(4);
  });

  it('lists recent contacts of a member newest first, and stores dispositions', async () => {
    const { store, time } = get();
    const { alice } = await makeTeam(store);
    const m = await store.members.create({ memberNo: `P${unique()}`, name: 'P', level: 'regular', phones: [mobile()], ownerId: alice.id });
    const since = time.now.toISOString();
    await store.contacts.insert({ memberId: m.id, number: m.phones[0]!, kind: 'proactive', result: 'no-answer' });
    time.advance(3_600_000);
    await store.contacts.insert({ memberId: m.id, number: m.phones[0]!, kind: 'requested', result: 'answered' });
    const recent = await store.contacts.listRecent({ memberId: m.id }, since);
    expect(recent.map((c) => c.kind)).to.deep.equal(['requested', 'proactive']);
    await expectRejection(store.contacts.insert({ memberId: m.id, number: '1', kind: 'spam' as 'proactive' }), ValidationError);
    const call = await store.calls.insert({ uniqueid: `d.${unique()}`, memberId: m.id });
    await store.dispositions.insert({ callId: call.id, memberId: m.id, advisorId: alice.id, code: 'order-placed', note: 'Two boxes of tea' });
    expect((await store.dispositions.listForMember(m.id)).map((d) => d.code)).to.deep.equal(['order-placed']);
    await expectRejection(store.dispositions.insert({ callId: 987_654, memberId: m.id, advisorId: null, code: 'x' }), ValidationError);
  });
});
