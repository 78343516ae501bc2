// The pure half of shared presence: which groups a change touches, how a reported desktop
// is reached through the board's own transitions, and that bad messages are refused.
import { expect } from 'chai';
import type { AdvisorPresence } from '../../../server/domain/model.js';
import { changedGroups, desktopSteps, groupMessage, parsePresenceMessage } from '../../../server/scale/presence-record.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');

function presence(patch: Partial<AdvisorPresence> = {}): AdvisorPresence {
  return {
    advisorId: 7,
    desktop: 'logged-out',
    notReadyReason: null,
    markedAbsent: false,
    phone: 'idle',
    idleSince: null,
    currentCallSince: null,
    wrapUpUntil: null,
    ...patch,
  };
}

describe('scale-out: presence messages', () => {
  it('names each group a change touches, and none for idle-time bookkeeping alone', () => {
    expect(changedGroups(presence(), presence({ desktop: 'ready' }))).to.deep.equal(['desktop']);
    expect(changedGroups(presence(), presence({ markedAbsent: true, phone: 'ringing' }))).to.deep.equal(['absence', 'phone']);
    expect(changedGroups(presence({ desktop: 'not-ready', notReadyReason: 'lunch' }), presence({ desktop: 'not-ready', notReadyReason: 'training' }))).to.deep.equal(['desktop']);
    expect(changedGroups(presence(), presence({ idleSince: NOW }))).to.deep.equal([]);
  });

  it('a signed-out desktop names no home server', () => {
    const message = groupMessage('server-a', presence({ desktop: 'logged-out' }), 'desktop', 'server-a');
    expect(message).to.deep.include({ group: 'desktop', value: { desktop: 'logged-out', notReadyReason: null, wrapUpUntil: null, home: null } });
    expect(groupMessage('server-a', presence({ desktop: 'ready' }), 'desktop', 'server-a').value).to.include({ home: 'server-a' });
  });

  it('reaches a reported desktop through connect and request steps, and does nothing when already there', () => {
    const home = 'server-b';
    expect(desktopSteps(presence(), { desktop: 'ready', notReadyReason: null, wrapUpUntil: null, home }, NOW)).to.deep.equal([
      { kind: 'connect' },
      { kind: 'request', state: 'ready' },
    ]);
    expect(desktopSteps(presence({ desktop: 'ready' }), { desktop: 'ready', notReadyReason: null, wrapUpUntil: null, home }, NOW)).to.deep.equal([]);
    expect(desktopSteps(presence({ desktop: 'ready' }), { desktop: 'not-ready', notReadyReason: 'lunch', wrapUpUntil: null, home }, NOW)).to.deep.equal([
      { kind: 'request', state: 'not-ready', reason: 'lunch' },
    ]);
    expect(desktopSteps(presence({ desktop: 'not-ready', notReadyReason: 'lunch' }), { desktop: 'not-ready', notReadyReason: 'lunch', wrapUpUntil: null, home }, NOW)).to.deep.equal([]);
    expect(desktopSteps(presence({ desktop: 'ready' }), { desktop: 'logged-out', notReadyReason: null, wrapUpUntil: null, home: null }, NOW)).to.deep.equal([{ kind: 'disconnect' }]);
  });

  it('treats a reported wrap-up that has already ended as ready, a running one as wrap-up', () => {
    const ended = { desktop: 'wrap-up' as const, notReadyReason: null, wrapUpUntil: NOW - 1, home: 'b' };
    const running = { ...ended, wrapUpUntil: NOW + 10_000 };
    expect(desktopSteps(presence({ desktop: 'not-ready' }), ended, NOW)).to.deep.equal([{ kind: 'request', state: 'ready' }]);
    expect(desktopSteps(presence({ desktop: 'ready' }), running, NOW)).to.deep.equal([{ kind: 'request', state: 'wrap-up' }]);
  });

  it('refuses messages that are not JSON, name an unknown state or lack their order number', () => {
    const good = { seq: 3, origin: 'a', advisorId: 7, group: 'phone', value: { phone: 'ringing' } };
    expect(parsePresenceMessage(JSON.stringify(good))).to.deep.equal({ ok: true, message: good });
    expect(parsePresenceMessage('{nope').ok).to.equal(false);
    expect(parsePresenceMessage(JSON.stringify({ ...good, value: { phone: 'exploded' } })).ok).to.equal(false);
    expect(parsePresenceMessage(JSON.stringify({ ...good, seq: undefined })).ok).to.equal(false);
    expect(parsePresenceMessage(JSON.stringify({ ...good, advisorId: -1 })).ok).to.equal(false);
    expect(parsePresenceMessage(JSON.stringify({ ...good, group: 'desktop' })).ok).to.equal(false);
  });
});
