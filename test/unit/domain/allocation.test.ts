import { expect } from 'chai';
import { capacityOf, planAllocation, planRecall } from '../../../server/domain/allocation.js';
import type { AdvisorLoad, AllocationSettings } from '../../../server/domain/allocation.js';
import { DEFAULT_TIER_RULES } from '../../../server/domain/tiers.js';
import type { Advisor, Member } from '../../../server/domain/model.js';
import { DAY, NOW, advisor, member } from './builders.js';

const settings: AllocationSettings = { tierRules: DEFAULT_TIER_RULES, defaultCapacity: 650, minCapacity: 500, maxCapacity: 800, preferLowestFittingTier: true };
const load = (a: Advisor, ownedCount: number): AdvisorLoad => ({ advisor: a, ownedCount });
const unowned = (id: number, level: Member['level']) => ({ id, memberNo: `M${id}`, level, ownerId: null });
const std1 = advisor(1, { name: 'S1' });
const std2 = advisor(2, { name: 'S2' });
const senior = advisor(3, { name: 'Sen', tier: 'senior' });
const vip = advisor(4, { name: 'V', tier: 'vip' });

describe('domain/allocation: assigning new members', () => {
  it('gives each member a fitting advisor, least loaded first', () => {
    const plan = planAllocation([unowned(10, 'regular'), unowned(11, 'regular'), unowned(12, 'regular')], [load(std1, 600), load(std2, 599)], settings);
    expect(plan.assignments.map((a) => [a.memberId, a.advisorId])).to.deep.equal([[10, 2], [11, 1], [12, 2]]);
    expect(plan.loads).to.deep.include({ advisorId: 2, before: 599, after: 601, capacity: 650 });
  });

  it('places VIP members first and keeps higher tiers for members only they may serve', () => {
    const plan = planAllocation([unowned(10, 'regular'), unowned(11, 'vip'), unowned(12, 'gold')], [load(std1, 100), load(senior, 0), load(vip, 0)], settings);
    expect(plan.assignments.map((a) => [a.memberId, a.advisorId])).to.deep.equal([[11, 4], [12, 3], [10, 1]]);
  });

  it('spills a regular member to a higher tier only when the fitting tier is full', () => {
    const plan = planAllocation([unowned(10, 'regular')], [load(advisor(1, { capacity: 500 }), 500), load(senior, 600)], settings);
    expect(plan.assignments[0]).to.include({ advisorId: 3, reason: 'tier-fit-least-loaded' });
  });

  it('never fills above capacity and says who could not be placed and why', () => {
    const plan = planAllocation([unowned(10, 'regular'), unowned(11, 'regular'), unowned(12, 'vip')], [load(advisor(1, { capacity: 500 }), 499), load(senior, 0)], {
      ...settings,
      preferLowestFittingTier: false,
    });
    expect(plan.assignments).to.have.length(2);
    expect(plan.unplaced).to.deep.equal([
      { memberId: 12, reason: 'no-fitting-advisor', explanation: 'no active advisor of vip tier or above for a vip member' },
    ]);
    const full = planAllocation([unowned(10, 'regular')], [load(advisor(1, { capacity: 500 }), 500)], settings);
    expect(full.unplaced[0]).to.include({ reason: 'all-full' });
  });

  it('skips members who already have an advisor and inactive advisors', () => {
    const plan = planAllocation([{ ...unowned(10, 'regular'), ownerId: 1 }, unowned(11, 'regular')], [load(advisor(1, { active: false }), 0), load(std2, 10)], settings);
    expect(plan.unplaced[0]).to.include({ memberId: 10, reason: 'already-owned' });
    expect(plan.assignments[0]).to.include({ memberId: 11, advisorId: 2 });
  });

  it('clamps an advisor capacity into the configured range', () => {
    expect(capacityOf(advisor(1, { capacity: 2000 }), settings)).to.equal(800);
    expect(capacityOf(advisor(1, { capacity: 100 }), settings)).to.equal(500);
    expect(capacityOf(advisor(1, { capacity: 0 }), settings)).to.equal(650);
  });
});

describe('domain/allocation: recall planning', () => {
  const ago = (days: number) => new Date(NOW - days * DAY).toISOString();
  const healthy = member({ id: 1, memberNo: 'M1', ownerId: 1, lastPurchaseAt: ago(10) });
  const dormant = member({ id: 2, memberNo: 'M2', ownerId: 1, lastPurchaseAt: ago(200), servicePlan: 'Monthly tea tasting' });
  const lost = member({ id: 3, memberNo: 'M3', ownerId: 1, lastPurchaseAt: ago(400) });
  const orphan = member({ id: 4, memberNo: 'M4', ownerId: 9, lastPurchaseAt: ago(10) });
  const unhappy = member({ id: 5, memberNo: 'M5', ownerId: 1, lastPurchaseAt: ago(10) });
  const advisors = [load(advisor(1, { name: 'Alice' }), 600), load(advisor(2, { name: 'Bob' }), 100), load(advisor(9, { name: 'Gone', active: false }), 1)];

  it('moves dormant, lost, requested and orphaned members to another fitting advisor, with a handover note', () => {
    const plan = planRecall({ members: [healthy, dormant, lost, orphan, unhappy], advisors, requestedChange: new Set([5]), receiverIds: null, now: NOW }, settings);
    expect(plan.moves.map((m) => [m.memberId, m.fromAdvisorId, m.toAdvisorId, m.cause])).to.deep.equal([
      [2, 1, 2, 'dormant'],
      [3, 1, 2, 'lost'],
      [4, 9, 2, 'advisor-left'],
      [5, 1, 2, 'member-request'],
    ]);
    const note = plan.moves[0]!.handoverNote;
    expect(note).to.contain('Handover from Alice to Bob: dormant member');
    expect(note).to.contain('(200 days ago)');
    expect(note).to.contain('Monthly tea tasting');
    expect(note).not.to.contain('8613800138000');
    expect(plan.loads).to.deep.include({ advisorId: 1, before: 600, after: 597, capacity: 650 });
  });

  it('never hands a member back to the same advisor, and reports who could not be moved', () => {
    const plan = planRecall({ members: [dormant], advisors: [load(advisor(1), 0)], requestedChange: new Set(), receiverIds: null, now: NOW }, settings);
    expect(plan.moves).to.have.length(0);
    expect(plan.unplaced[0]).to.include({ memberId: 2, reason: 'no-fitting-advisor', cause: 'dormant' });
  });

  it('restricts receivers to a reactivation team when given', () => {
    const team = [...advisors, load(advisor(7, { name: 'Reactivate' }), 500)];
    const plan = planRecall({ members: [dormant], advisors: team, requestedChange: new Set(), receiverIds: [7], now: NOW }, settings);
    expect(plan.moves[0]).to.include({ toAdvisorId: 7 });
  });

  it('reports a member with an unreadable record instead of failing the whole plan', () => {
    const broken = member({ id: 6, ownerId: 1, joinedAt: 'not a date' });
    const plan = planRecall({ members: [broken, dormant], advisors, requestedChange: new Set(), receiverIds: null, now: NOW }, settings);
    expect(plan.unplaced[0]).to.include({ memberId: 6, reason: 'invalid-record' });
    expect(plan.moves).to.have.length(1);
  });
});
