import { expect } from 'chai';
import { availabilityOf, describePresence, foldPresence } from '../../../server/domain/presence.js';
import type { AdvisorPresence } from '../../../server/domain/model.js';
import { NOW, presence } from './builders.js';

describe('domain/presence: folding desktop and phone state for routing', () => {
  const cases: { name: string; p: AdvisorPresence | null; availability: string; text: string }[] = [
    { name: 'no presence known', p: null, availability: 'absent', text: 'not logged in' },
    { name: 'logged out', p: presence.loggedOut(1), availability: 'absent', text: 'not logged in' },
    { name: 'marked absent even if ready', p: presence.markedAbsent(1), availability: 'absent', text: 'marked absent' },
    { name: 'phone unavailable', p: presence.phoneUnavailable(1), availability: 'absent', text: 'phone unavailable' },
    { name: 'ready and idle', p: presence.available(1), availability: 'available', text: 'available' },
    { name: 'on a call', p: presence.onCall(1), availability: 'busy', text: 'on a call' },
    { name: 'ringing', p: presence.ringing(1), availability: 'busy', text: 'ringing' },
    { name: 'in wrap-up', p: presence.wrapUp(1), availability: 'busy', text: 'in wrap-up' },
    { name: 'open-ended wrap-up', p: presence.wrapUp(1, null), availability: 'busy', text: 'in wrap-up' },
    { name: 'not ready with a reason', p: presence.notReady(1, 'lunch'), availability: 'busy', text: 'not ready (lunch)' },
    { name: 'not ready without a reason', p: presence.notReady(1, null), availability: 'busy', text: 'not ready' },
    { name: 'logged out while the phone rings', p: { ...presence.ringing(1), desktop: 'logged-out' }, availability: 'absent', text: 'not logged in' },
    { name: 'not ready while on a call says on a call', p: { ...presence.notReady(1), phone: 'in-use' }, availability: 'busy', text: 'on a call' },
    { name: 'wrap-up whose end has passed', p: presence.wrapUp(1, NOW - 1), availability: 'available', text: 'available' },
    { name: 'ready desktop before wrap-up ends', p: { ...presence.available(1), wrapUpUntil: NOW + 5_000 }, availability: 'busy', text: 'in wrap-up' },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.availability} (${c.text})`, () => {
      expect(availabilityOf(c.p, NOW)).to.equal(c.availability);
      expect(describePresence(foldPresence(c.p, NOW))).to.equal(c.text);
    });
  }
});
