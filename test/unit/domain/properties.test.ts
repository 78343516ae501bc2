// Invariants over generated inputs: the rules that must hold whatever the snapshot.
import { expect } from 'chai';
import fc from 'fast-check';
import { isQuietAt, nextAllowedInstant } from '../../../server/domain/local-time.js';
import { foldPresence } from '../../../server/domain/presence.js';
import { route } from '../../../server/domain/route.js';
import { tierFits } from '../../../server/domain/tiers.js';
import { ADVISOR_TIERS, DESKTOP_STATES, MEMBER_LEVELS, PHONE_STATES } from '../../../server/domain/model.js';
import type { AdvisorPresence } from '../../../server/domain/model.js';
import { MIN, NOW, advisor, member, routeSettings, snapshot } from './builders.js';

const ZONES = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham'];

const presenceArb = (advisorId: number): fc.Arbitrary<AdvisorPresence> =>
  fc.record({
    advisorId: fc.constant(advisorId),
    desktop: fc.constantFrom(...DESKTOP_STATES),
    notReadyReason: fc.constant(null),
    markedAbsent: fc.boolean(),
    phone: fc.constantFrom(...PHONE_STATES),
    idleSince: fc.option(fc.integer({ min: NOW - 60 * MIN, max: NOW })),
    currentCallSince: fc.option(fc.integer({ min: NOW - 60 * MIN, max: NOW })),
    wrapUpUntil: fc.option(fc.integer({ min: NOW - MIN, max: NOW + MIN })),
  });

describe('domain properties', () => {
  it('the next allowed instant is never earlier than asked and never inside quiet hours', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 1439 }),
        (instant, zone, startMinute, endMinute) => {
          const quiet = { startMinute, endMinute };
          const next = nextAllowedInstant(instant, zone, quiet);
          expect(next).to.be.at.least(instant);
          expect(isQuietAt(next, zone, quiet)).to.equal(false);
          expect(next - instant).to.be.below(26 * 60 * MIN);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('route only rings an available, untried advisor, and in the pool only one whose tier fits', () => {
    fc.assert(
      fc.property(
        fc.tuple(presenceArb(1), presenceArb(2), presenceArb(3), presenceArb(4)),
        fc.tuple(fc.constantFrom(...ADVISOR_TIERS), fc.constantFrom(...ADVISOR_TIERS), fc.constantFrom(...ADVISOR_TIERS), fc.constantFrom(...ADVISOR_TIERS)),
        fc.option(fc.constantFrom(...MEMBER_LEVELS)),
        fc.subarray([1, 2, 3, 4]),
        fc.option(fc.constantFrom('wait', 'callback', 'next') as fc.Arbitrary<'wait' | 'callback' | 'next'>),
        fc.boolean(),
        fc.boolean(),
        (presences, tiers, level, tried, ownerChoice, ownerWaitTimedOut, affinity) => {
          const advisors = tiers.map((tier, i) => advisor(i + 1, { tier }));
          const s = snapshot({
            member: level === null ? null : member({ level }),
            owner: level === null ? null : advisors[0]!,
            delegates: level === null ? [] : [advisors[1]!, advisors[2]!],
            advisors: advisors.map((a, i) => ({ advisor: a, presence: presences[i]! })),
            tried: tried.map((advisorId) => ({ advisorId, outcome: 'no-answer' as const })),
            ownerChoice,
            ownerWaitTimedOut,
            settings: { ...routeSettings, affinity },
          });
          const d = route(s);
          expect(d.explanation).to.be.a('string').and.not.equal('');
          if (d.kind !== 'ring-advisor') return;
          expect(tried).not.to.include(d.advisorId);
          expect(foldPresence(presences[d.advisorId - 1], NOW).availability).to.equal('available');
          if (d.reason === 'pool' || d.reason === 'unknown-caller') {
            expect(tierFits(tiers[d.advisorId - 1]!, level, routeSettings.tierRules)).to.equal(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
