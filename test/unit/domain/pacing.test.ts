import { expect } from 'chai';
import { inQuietHours, isValidTimeZone, nextAllowedInstant } from '../../../server/domain/local-time.js';
import { pacingDecision, WEEK_MS } from '../../../server/domain/pacing.js';
import type { ContactRecord, PacingDecision, PacingRequest, PacingSettings } from '../../../server/domain/pacing.js';
import { DAY, HOUR, MIN, NOW } from './builders.js';

const quiet = { startMinute: 21 * 60, endMinute: 9 * 60 };
const settings: PacingSettings = { quietHours: quiet, weeklyCap: 3, minGapMs: 24 * HOUR };
const at = (iso: string) => Date.parse(iso);

function request(over: Partial<PacingRequest> = {}, cb: Partial<PacingRequest['callback']> = {}): PacingRequest {
  return {
    callback: { id: 7, reason: 'manual', attempts: 0, maxAttempts: 3, ...cb },
    timeZone: 'Asia/Shanghai',
    contacts: [],
    override: null,
    now: NOW,
    ...over,
  };
}
const proactive = (ago: number, id: number | null = null, reason: ContactRecord['callbackReason'] = 'manual'): ContactRecord => ({
  at: NOW - ago,
  callbackId: id,
  callbackReason: reason,
});
function blocked(d: PacingDecision) {
  if (d.allowed) throw new Error(`expected a block, got: ${d.explanation}`);
  return d;
}

describe('domain/local-time: quiet hours in the member zone', () => {
  const table: [string, number, boolean][] = [
    ['20:59 before quiet', 20 * 60 + 59, false],
    ['21:00 starts quiet', 21 * 60, true],
    ['00:30 past midnight', 30, true],
    ['08:59 still quiet', 8 * 60 + 59, true],
    ['09:00 allowed again', 9 * 60, false],
  ];
  for (const [name, minute, isQuiet] of table) {
    it(`21:00-09:00: ${name} -> ${isQuiet ? 'quiet' : 'allowed'}`, () => expect(inQuietHours(minute, quiet)).to.equal(isQuiet));
  }
  it('handles a same-day window and an empty one', () => {
    expect(inQuietHours(13 * 60, { startMinute: 12 * 60, endMinute: 14 * 60 })).to.equal(true);
    expect(inQuietHours(14 * 60, { startMinute: 12 * 60, endMinute: 14 * 60 })).to.equal(false);
    expect(inQuietHours(3 * 60, { startMinute: 0, endMinute: 0 })).to.equal(false);
  });
  it('finds the next 09:00 in Shanghai', () => {
    // 23:10 Shanghai = 15:10Z -> 09:00 Shanghai = 01:00Z next day.
    expect(nextAllowedInstant(at('2026-03-02T15:10:30Z'), 'Asia/Shanghai', quiet)).to.equal(at('2026-03-03T01:00:00Z'));
    expect(nextAllowedInstant(at('2026-03-02T03:00:00Z'), 'Asia/Shanghai', quiet)).to.equal(at('2026-03-02T03:00:00Z'));
  });
  it('crosses a daylight-saving change in New York to local 09:00', () => {
    // 22:00 EST Sat 7 March 2026; clocks spring forward that night; 09:00 EDT = 13:00Z.
    expect(nextAllowedInstant(at('2026-03-08T03:00:00Z'), 'America/New_York', quiet)).to.equal(at('2026-03-08T13:00:00Z'));
  });
  it('recognises IANA zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).to.equal(true);
    expect(isValidTimeZone('Mars/Olympus')).to.equal(false);
    expect(isValidTimeZone('')).to.equal(false);
  });
});

describe('domain/pacing: may we call this member now', () => {
  it('allows a first proactive contact in the daytime', () => {
    expect(pacingDecision(request(), settings)).to.include({ allowed: true });
  });

  it('blocks during quiet hours until local 09:00, even for a member-requested callback', () => {
    const now = at('2026-03-02T14:00:00Z'); // 22:00 Shanghai
    const d = blocked(pacingDecision(request({ now }, { reason: 'requested' }), settings));
    expect(d).to.include({ reason: 'quiet-hours', notBefore: at('2026-03-03T01:00:00Z') });
  });

  it('caps proactive contacts at N per rolling 7 days, free again when the oldest leaves the window', () => {
    const contacts = [proactive(6 * DAY, 1), proactive(4 * DAY, 2), proactive(2 * DAY, 3)];
    const d = blocked(pacingDecision(request({ contacts }), settings));
    expect(d.reason).to.equal('weekly-cap');
    expect(d.notBefore).to.equal(NOW - 6 * DAY + WEEK_MS);
  });

  it('ignores contacts older than the week and contacts the member asked for', () => {
    const contacts = [proactive(8 * DAY, 1), proactive(4 * DAY, 2, 'requested'), proactive(3 * DAY, 3, 'peak-offer'), proactive(2 * DAY, 4)];
    expect(pacingDecision(request({ contacts }), settings).allowed).to.equal(true);
  });

  it('lets a member-requested callback ignore the weekly cap and the gap', () => {
    const contacts = [proactive(6 * DAY, 1), proactive(4 * DAY, 2), proactive(1 * HOUR, 3)];
    expect(pacingDecision(request({ contacts }, { reason: 'requested' }), settings).allowed).to.equal(true);
  });

  it('keeps the minimum gap between proactive attempts', () => {
    // Last contact 14 h ago: the gap ends at 20:00 Shanghai, before quiet hours.
    const d = blocked(pacingDecision(request({ contacts: [proactive(14 * HOUR, 1)] }), settings));
    expect(d).to.include({ reason: 'min-gap', notBefore: NOW + 10 * HOUR });
    expect(d.blockedBy).to.deep.equal(['min-gap']);
  });

  it('moves a gap that ends in quiet hours to the next local morning', () => {
    // Last contact 21:30 local yesterday: the gap ends 21:30 today, in quiet hours -> 09:00 tomorrow.
    const last = at('2026-03-01T13:30:00Z'); // 21:30 Shanghai on 1 March
    const d = blocked(pacingDecision(request({ contacts: [{ at: last, callbackId: 1, callbackReason: 'manual' }] }), settings));
    expect(d.notBefore).to.equal(at('2026-03-03T01:00:00Z'));
    expect(d.blockedBy).to.deep.equal(['min-gap', 'quiet-hours']);
  });

  it('counts all attempts of one abandoned-call callback once, and does not space it from itself', () => {
    const contacts = [proactive(5 * DAY, 1), proactive(3 * DAY, 2), proactive(2 * HOUR, 7, 'abandoned'), proactive(1 * HOUR, 7, 'abandoned')];
    expect(pacingDecision(request({ contacts }, { id: 7, reason: 'abandoned', attempts: 2 }), settings).allowed).to.equal(true);
    // A different abandoned callback is a new contact: the cap and the gap apply.
    const other = blocked(pacingDecision(request({ contacts }, { id: 8, reason: 'abandoned' }), settings));
    expect(other.blockedBy).to.deep.equal(['weekly-cap', 'min-gap']);
  });

  it('stops at max attempts with no next time: a person decides', () => {
    const d = blocked(pacingDecision(request({}, { attempts: 3, maxAttempts: 3 }), settings));
    expect(d).to.include({ reason: 'max-attempts', notBefore: null });
  });

  it('lets a supervisor override lift cap and gap, reporting it, but never quiet hours', () => {
    const contacts = [proactive(6 * DAY, 1), proactive(4 * DAY, 2), proactive(1 * HOUR, 3)];
    const override = { by: 42, reason: 'member complaint follow-up' };
    const d = pacingDecision(request({ contacts, override }), settings);
    expect(d.allowed).to.equal(true);
    if (!d.allowed) return;
    expect(d.overridden).to.deep.equal(['weekly-cap', 'min-gap']);
    expect(d.override).to.deep.equal(override);
    expect(d.explanation).to.contain('member complaint follow-up');
    const night = blocked(pacingDecision(request({ contacts, override, now: at('2026-03-02T14:00:00Z') }), settings));
    expect(night.reason).to.equal('quiet-hours');
  });

  it('refuses with a clear reason when the member time zone is not valid', () => {
    const d = blocked(pacingDecision(request({ timeZone: 'Shanghai' }), settings));
    expect(d).to.include({ reason: 'invalid-time-zone', notBefore: null });
    expect(d.explanation).to.contain('Asia/Shanghai');
  });

  it('ignores contacts logged in the future (clock skew) and counts other contacts as proactive', () => {
    const contacts: ContactRecord[] = [{ at: NOW + MIN, callbackId: null, callbackReason: null }];
    expect(pacingDecision(request({ contacts }), settings).allowed).to.equal(true);
    const d = blocked(pacingDecision(request({ contacts: [{ at: NOW - HOUR, callbackId: null, callbackReason: null }] }), settings));
    expect(d.reason).to.equal('min-gap');
  });
});
