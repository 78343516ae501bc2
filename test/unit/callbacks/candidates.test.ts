import { expect } from 'chai';
import { CandidateLoader, contactKindOf } from '../../../server/callbacks/candidates.js';
import type { DueCallback } from '../../../server/store/callbacks.js';
import type { ContactEntry, ContactWithReason } from '../../../server/store/contact-log.js';
import { HOUR, NOW, callbackRecord } from './builders.js';

const PACING = { quietHours: { startMinute: 21 * 60, endMinute: 9 * 60 }, weeklyCap: 3, minGapMs: 24 * HOUR };

function loader(due: DueCallback[], contacts: ContactWithReason[] = [], byNumber: ContactEntry[] = []) {
  return new CandidateLoader({
    store: {
      callbacks: { listDue: () => Promise.resolve(due) },
      contacts: {
        listRecentForNumbers: (numbers) => Promise.resolve(new Map(numbers.map((n) => [n, byNumber.filter((c) => c.number === n)]))),
        listRecentForMembers: (ids) => Promise.resolve(new Map(ids.map((id) => [id, contacts.filter((c) => c.memberId === id)]))),
      },
    },
    pacing: PACING,
    defaultTimeZone: 'Asia/Shanghai',
  });
}

function contact(at: number, over: Partial<ContactWithReason> = {}): ContactWithReason {
  return { id: 1, memberId: 5, number: '8613900000001', at: new Date(at).toISOString(), kind: 'proactive', callbackId: 99, callId: null, result: 'busy', callbackReason: 'manual', ...over };
}

describe('callbacks: queue snapshot with pacing (member zone, contact log, override)', () => {
  it('quiet hours in the member\u2019s zone hold a callback until morning there; another zone may call now', async () => {
    const shanghai = callbackRecord(1, { memberId: 5, reason: 'manual' });
    const la = callbackRecord(2, { memberId: 6, reason: 'manual' });
    // 22:00 in Shanghai, 06:00 in Los Angeles: quiet in both; eight hours later (02:00 in Shanghai, 10:00 in Los Angeles) only Los Angeles may be called.
    const late = NOW + 12 * HOUR;
    const { candidates } = await loader([
      { callback: shanghai, memberLevel: 'regular', timeZone: 'Asia/Shanghai', language: 'zh' },
      { callback: la, memberLevel: 'regular', timeZone: 'America/Los_Angeles', language: 'en' },
    ]).load(late);
    const [sh, us] = candidates;
    expect(sh!.pacing).to.include({ allowed: false, reason: 'quiet-hours' });
    expect(sh!.pacing.allowed === false && sh!.pacing.notBefore).to.equal(Date.parse('2026-03-03T01:00:00Z'));
    expect(us!.pacing).to.include({ allowed: false, reason: 'quiet-hours' });
    const { candidates: later } = await loader([
      { callback: shanghai, memberLevel: 'regular', timeZone: 'Asia/Shanghai', language: 'zh' },
      { callback: la, memberLevel: 'regular', timeZone: 'America/Los_Angeles', language: 'en' },
    ]).load(NOW + 16 * HOUR);
    expect(later.map((c) => c.pacing.allowed), '02:00 in Shanghai, 10:00 in Los Angeles').to.deep.equal([false, true]);
  });

  it('the contact log paces proactive callbacks (gap, weekly cap); a supervisor override lifts them and is named', async () => {
    const abandoned = callbackRecord(3, { memberId: 5, reason: 'abandoned' });
    const contacts = [contact(NOW - 3 * HOUR)];
    const [held] = (await loader([{ callback: abandoned, memberLevel: 'regular', timeZone: 'Asia/Shanghai', language: 'zh' }], contacts).load(NOW)).candidates;
    expect(held!.pacing).to.include({ allowed: false, reason: 'min-gap' });

    const lifted = { ...abandoned, pacingOverrideReason: 'member asked on WeChat', pacingOverrideBy: 42 };
    const [ok] = (await loader([{ callback: lifted, memberLevel: 'regular', timeZone: 'Asia/Shanghai', language: 'zh' }], contacts).load(NOW)).candidates;
    expect(ok!.pacing).to.deep.include({ allowed: true, overridden: ['min-gap'], override: { by: 42, reason: 'member asked on WeChat' } });

    const capped = [1, 2, 3].map((d) => contact(NOW - d * 30 * HOUR, { id: d, callbackId: 100 + d }));
    const [full] = (await loader([{ callback: abandoned, memberLevel: 'regular', timeZone: 'Asia/Shanghai', language: 'zh' }], capped).load(NOW)).candidates;
    expect(full!.pacing).to.include({ allowed: false, reason: 'weekly-cap' });
  });

  it('a callback the member asked for ignores the contact log (quiet hours still apply)', async () => {
    const asked = callbackRecord(4, { memberId: 5, reason: 'peak-offer' });
    const busyWeek = [1, 2, 3, 4].map((d) => contact(NOW - d * HOUR, { id: d, callbackId: 100 + d }));
    const [c] = (await loader([{ callback: asked, memberLevel: 'regular', timeZone: 'Asia/Shanghai', language: 'zh' }], busyWeek).load(NOW)).candidates;
    expect(c!.pacing.allowed).to.equal(true);
  });

  it('callers who are not members are paced by their number in the default zone', async () => {
    const unknown = callbackRecord(5, { memberId: null, reason: 'abandoned' });
    const another = callbackRecord(6, { memberId: null, reason: 'abandoned' });
    const due = [unknown, another].map((callback) => ({ callback, memberLevel: null, timeZone: null, language: null }));
    const [c, other] = (await loader(due, [], [{ ...contact(NOW - HOUR), memberId: null, number: unknown.number }]).load(NOW)).candidates;
    expect(c!.pacing).to.include({ allowed: false, reason: 'min-gap' });
    expect(other!.pacing.allowed, 'another number, never called').to.equal(true);
  });

  it('dial attempts are logged with the kind pacing counts them as', () => {
    expect(contactKindOf('abandoned')).to.equal('abandoned');
    expect(contactKindOf('requested')).to.equal('requested');
    expect(contactKindOf('peak-offer')).to.equal('requested');
    expect(contactKindOf('manual')).to.equal('proactive');
  });
});
