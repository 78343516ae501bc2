import { expect } from 'chai';
import type { Advisor, AdvisorPresence, Callback } from '../../../server/domain/model.js';
import { buildWallboard, type WallboardInput } from '../../../server/desktop/wallboard.js';

const NOW = Date.parse('2026-11-23T10:00:00.000Z');

function anAdvisor(id: number, overrides: Partial<Advisor> = {}): Advisor {
  return { id, name: `A${id}`, nameZh: `顾问${id}`, tier: 'standard', endpoint: `PJSIP/10${id}`, active: true, capacity: 650, createdAt: '2026-01-01T00:00:00.000Z', ...overrides };
}

function presence(advisorId: number, overrides: Partial<AdvisorPresence> = {}): AdvisorPresence {
  return { advisorId, desktop: 'ready', notReadyReason: null, markedAbsent: false, phone: 'idle', idleSince: null, currentCallSince: null, wrapUpUntil: null, ...overrides };
}

function aCallback(id: number, state: Callback['state'], dueAt: string): Callback {
  return {
    id, memberId: 1, number: '+8613800000001', reason: 'abandoned', state, preferredAdvisorId: 1, assignedAdvisorId: null, priority: 0,
    firstCallAt: '2026-11-23T09:00:00.000Z', dueAt, ladderFrom: '2026-11-23T09:00:00.000Z', attempts: 0, maxAttempts: 3, lastResult: null, reservedBy: null, leaseUntil: null,
    callId: null, createdAt: '2026-11-23T09:00:00.000Z', updatedAt: '2026-11-23T09:00:00.000Z',
  };
}

function input(overrides: Partial<WallboardInput> = {}): WallboardInput {
  return {
    now: NOW,
    advisors: [],
    presenceOf: () => undefined,
    waiting: [],
    callbacks: [],
    today: { own: 0, delegate: 0, pool: 0, offered: 0, answered: 0, answeredInTarget: 0, abandoned: 0 },
    ...overrides,
  };
}

describe('buildWallboard', () => {
  it('shows each active advisor with desktop and phone state, and how long they have been on the call or idle', () => {
    const presences = new Map([
      [1, presence(1, { phone: 'in-use', currentCallSince: NOW - 90_000 })],
      [2, presence(2, { idleSince: NOW - 30_000 })],
      [3, presence(3, { desktop: 'not-ready', notReadyReason: 'lunch' })],
    ]);
    const board = buildWallboard(
      input({ advisors: [anAdvisor(1), anAdvisor(2), anAdvisor(3), anAdvisor(4), anAdvisor(5, { active: false })], presenceOf: (id) => presences.get(id) }),
    );
    expect(board.advisors.map((a) => [a.advisorId, a.state, a.phone, a.reason, a.since])).to.deep.equal([
      [1, 'ready', 'in-use', null, '2026-11-23T09:58:30.000Z'],
      [2, 'ready', 'idle', null, '2026-11-23T09:59:30.000Z'],
      [3, 'not-ready', 'idle', 'lunch', null],
      [4, 'logged-out', 'unavailable', null, null],
    ]);
  });

  it('keeps open callbacks only, earliest due first', () => {
    const board = buildWallboard(
      input({
        callbacks: [
          aCallback(1, 'pending', '2026-11-23T10:30:00.000Z'),
          aCallback(2, 'completed', '2026-11-23T08:00:00.000Z'),
          aCallback(3, 'reserved', '2026-11-23T09:30:00.000Z'),
          aCallback(4, 'cancelled', '2026-11-23T09:00:00.000Z'),
        ],
      }),
    );
    expect(board.callbacks.map((c) => c.id)).to.deep.equal([3, 1]);
  });

  it('computes affinity with its parts, service level and abandonment', () => {
    const board = buildWallboard(input({ today: { own: 70, delegate: 10, pool: 20, offered: 110, answered: 100, answeredInTarget: 90, abandoned: 10 } }));
    expect(board.today.affinity).to.deep.equal({ own: 70, delegate: 10, pool: 20, rate: 0.8 });
    expect(board.today.serviceLevel).to.equal(90 / 110);
    expect(board.today.abandonment).to.equal(10 / 110);
  });

  it('reads a quiet day as full service, no abandonment, no affinity yet', () => {
    const board = buildWallboard(input());
    expect(board.today).to.include({ serviceLevel: 1, abandonment: 0 });
    expect(board.today.affinity.rate).to.equal(0);
  });
});
