import { expect } from 'chai';
import { DEFAULT_ADVISOR_WAIT_SETTINGS, poolExpectedWait, type WaitEstimate } from '../../../server/domain/expected-wait.js';
import type { Advisor } from '../../../server/domain/model.js';
import { averageHandleMs, poolStaffing } from '../../../server/domain/pool-staffing.js';
import { floorForRoute } from '../../../server/domain/route.js';
import type { RouteDecision } from '../../../server/domain/route.js';
import { minimumTierFor, tierFits } from '../../../server/domain/tiers.js';
import { PresenceBoard } from '../../../server/presence/presence-board.js';
import { AdvisorDirectory } from '../../../server/routing/advisor-directory.js';
import { Router, type CallProgress, type RoutingContext } from '../../../server/routing/router.js';
import { createLogger } from '../../../server/shared/logger.js';
import { Random } from '../../../db/seeds/random.js';
import { MIN, NOW, advisor, member, routeSettings } from '../domain/builders.js';

const WRAP_UP_MS = 30_000;

interface Floor {
  advisors: Advisor[];
  directory: AdvisorDirectory;
  board: PresenceBoard;
  router: Router;
  reserved: number[];
  clock: { now: number };
}

/** A floor whose wrap-up timers never fire: the clock alone ends a wrap-up, as when a timer runs late. */
async function floor(advisors: Advisor[]): Promise<Floor> {
  const clock = { now: NOW };
  const list = { advisors };
  const directory = new AdvisorDirectory({ list: async () => list.advisors.map((a) => ({ ...a })) }, createLogger('silent'));
  await directory.start(0);
  const board = new PresenceBoard({ now: () => clock.now, wrapUpMs: WRAP_UP_MS, setTimer: () => ({}), clearTimer: () => {} });
  const reserved: number[] = [];
  const router = new Router({
    callers: { findCallerContext: async () => null, findCallerContextByMemberNo: async () => null },
    directory,
    presence: board,
    waiting: () => [],
    settings: routeSettings,
    advisorWait: DEFAULT_ADVISOR_WAIT_SETTINGS,
    reserved: () => reserved,
    now: () => clock.now,
  });
  return { advisors, directory, board, router, reserved, clock };
}

function ready(board: PresenceBoard, id: number): void {
  board.track(id, 'idle');
  board.desktopConnected(id);
  board.requestState(id, 'ready');
}

const progress = (over: Partial<CallProgress> = {}): CallProgress => ({
  tried: [],
  ownerWaitTimedOut: false,
  ownerChoice: null,
  peakChoice: null,
  firstCallAt: NOW,
  callId: 'call-1',
  ...over,
});

const poolCaller: RoutingContext = { member: null, owner: null, delegates: [] };

function poolWaitOf(d: RouteDecision): WaitEstimate | null {
  return d.kind === 'wait-in-pool' || d.kind === 'offer-peak-callback' ? d.poolExpectedWait : null;
}

function rung(d: RouteDecision): number | null {
  return d.kind === 'ring-advisor' ? d.advisorId : null;
}

describe('Router', () => {
  it('rings an advisor as soon as they come free, and not before', async () => {
    const f = await floor([advisor(1), advisor(2)]);
    for (const id of [1, 2]) {
      ready(f.board, id);
      f.board.phoneState(id, 'in-use');
    }
    expect(f.router.decide(poolCaller, progress()).kind).to.equal('wait-in-pool');

    f.clock.now += MIN;
    f.board.phoneState(2, 'idle');
    // The call ended: wrap-up first.
    expect(rung(f.router.decide(poolCaller, progress()))).to.equal(null);
    // Wrap-up runs out on the clock even though no event said so.
    f.clock.now += WRAP_UP_MS;
    expect(rung(f.router.decide(poolCaller, progress()))).to.equal(2);

    f.board.requestState(1, 'ready');
    f.board.phoneState(1, 'idle');
    f.clock.now += MIN;
    // Both free after a wrap-up that ran out on the clock, so neither has an idle time: lower id first.
    expect(rung(f.router.decide(poolCaller, progress()))).to.equal(1);
    expect(rung(f.router.decide(poolCaller, progress({ tried: [{ advisorId: 1, outcome: 'no-answer' }] })))).to.equal(2);
  });

  it('does not ring an advisor this server is already ringing, and does again once released', async () => {
    const f = await floor([advisor(1)]);
    ready(f.board, 1);
    f.reserved.push(1);
    expect(rung(f.router.decide(poolCaller, progress()))).to.equal(null);
    f.reserved.length = 0;
    expect(rung(f.router.decide(poolCaller, progress()))).to.equal(1);
  });

  it('moves the pool expected wait when a new handle time is recorded', async () => {
    const f = await floor([advisor(1), advisor(2)]);
    for (const id of [1, 2]) {
      ready(f.board, id);
      f.board.phoneState(id, 'in-use');
      for (let i = 0; i < 5; i += 1) f.board.recordHandleTime(id, 4 * MIN);
    }
    // AHT 4 min + 30 s wrap-up, two advisors, first in line: 2.25 min.
    expect(poolWaitOf(f.router.decide(poolCaller, progress()))).to.include({ known: true, ms: 135_000 });

    for (let i = 0; i < 20; i += 1) f.board.recordHandleTime(1, 10 * MIN);
    // 20 calls of 10 min and 5 of 4 min, trimmed mean 9.14 min + 30 s wrap-up, over two advisors.
    expect(poolWaitOf(f.router.decide(poolCaller, progress()))).to.include({ known: true, ms: 289_286 });
  });

  it('follows the directory: a deactivated advisor leaves the pool on reload', async () => {
    const f = await floor([advisor(1), advisor(2)]);
    ready(f.board, 1);
    ready(f.board, 2);
    f.clock.now += MIN;
    f.board.phoneState(2, 'in-use');
    expect(rung(f.router.decide(poolCaller, progress()))).to.equal(1);
    f.advisors[0] = advisor(1, { active: false });
    await f.directory.reload();
    const d = f.router.decide(poolCaller, progress());
    expect(d.kind).to.equal('wait-in-pool');
    expect(d.kind === 'wait-in-pool' && d.eligibleAdvisorIds).to.deep.equal([2]);
  });

  it('forgets an advisor the board forgets', async () => {
    const f = await floor([advisor(1)]);
    ready(f.board, 1);
    expect(rung(f.router.decide(poolCaller, progress()))).to.equal(1);
    f.board.forget(1);
    expect(f.router.decide(poolCaller, progress()).kind).to.equal('offer-peak-callback');
  });

  it('sees the same pool, staffing and handle time as a recount of the whole floor, through any sequence of changes', async () => {
    const tiers = ['standard', 'senior', 'vip'] as const;
    const f = await floor(Array.from({ length: 40 }, (_, i) => advisor(i + 1, { tier: tiers[i % 3], active: i % 7 !== 0 })));
    const random = new Random(7);
    for (const a of f.advisors) f.board.track(a.id, 'idle');
    for (let step = 0; step < 600; step += 1) {
      f.clock.now += random.int(0, 20_000);
      const id = random.int(1, 40);
      const p = f.board.get(id);
      const roll = random.next();
      if (!p) f.board.track(id, 'idle');
      else if (p.desktop === 'logged-out') f.board.desktopConnected(id);
      else if (roll < 0.05) f.board.forget(id);
      else if (roll < 0.1) f.board.markAbsent(id, !p.markedAbsent);
      else if (roll < 0.2) f.board.requestState(id, 'not-ready', 'lunch');
      else if (roll < 0.4) f.board.requestState(id, 'ready');
      else if (roll < 0.6) f.board.phoneState(id, p.phone === 'in-use' ? 'idle' : 'in-use');
      else if (roll < 0.65) f.board.phoneState(id, 'unavailable');
      else f.board.recordHandleTime(id, random.int(30_000, 900_000));
      f.reserved.splice(0, f.reserved.length, ...(random.chance(0.5) ? [random.int(1, 40)] : []));

      const level = ([null, 'regular', 'gold', 'vip'] as const)[random.int(0, 3)]!;
      const context: RoutingContext = level === null ? poolCaller : { member: member({ level }), owner: f.advisors[0]!, delegates: [f.advisors[1]!] };
      const s = f.router.snapshot(context, progress());

      // The recount, as the router did it before it kept the figures.
      const presences = f.board.snapshot();
      for (const r of f.reserved) {
        const current = presences.get(r);
        if (current && current.phone === 'idle') presences.set(r, { ...current, phone: 'ringing', idleSince: null });
      }
      const whole = f.directory.all().map((a) => ({ advisor: a, presence: presences.get(a.id) ?? null }));
      const expected = floorForRoute(whole, level, routeSettings.tierRules, f.clock.now);
      expect(s.pool.eligibleIds).to.deep.equal(expected.pool.eligibleIds);
      expect(s.pool.available.map((c) => c.advisor.id).sort((a, b) => a - b)).to.deep.equal(expected.pool.available.map((c) => c.advisor.id));
      for (const c of s.pool.available) expect(c.presence).to.deep.equal(presences.get(c.advisor.id));
      for (const a of [...context.delegates, context.owner]) {
        if (a) expect(s.presences.get(a.id)).to.deep.equal(expected.presences.get(a.id));
      }
      const samples = whole
        .filter((c) => c.advisor.active && tierFits(c.advisor.tier, level, routeSettings.tierRules))
        .flatMap((c) => f.board.recentHandleTimes(c.advisor.id));
      const aht = averageHandleMs(samples, DEFAULT_ADVISOR_WAIT_SETTINGS.minSamples);
      expect(s.expectedWaits.pool, `step ${step}, minimum tier ${minimumTierFor(level, routeSettings.tierRules)}`).to.deep.equal(
        poolExpectedWait({
          callersAhead: 0,
          ...poolStaffing(whole, level, routeSettings.tierRules, f.clock.now),
          averageHandleMs: aht === null ? null : aht + DEFAULT_ADVISOR_WAIT_SETTINGS.wrapUpMs,
        }),
      );
    }
  });
});
