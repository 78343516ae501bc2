// Benchmark 1: the decision path of one inbound call, store lookups included, on the
// 1,000,000-member / 5,000-advisor SQLite file: caller number -> member -> owner ->
// delegates (CallerLookup, the server's own queries) -> snapshot from the advisor
// directory and the presence board -> route(). This is what the Stasis flow runs
// (Router.identify then Router.decide) before it rings anyone.
import { loadConfig } from '../server/config/config.js';
import { domainSettingsFrom } from '../server/domain/settings.js';
import { PresenceBoard } from '../server/presence/presence-board.js';
import { AdvisorDirectory } from '../server/routing/advisor-directory.js';
import { Router, type CallProgress } from '../server/routing/router.js';
import type { WaitingCaller } from '../server/routing/waiting-choice.js';
import { createLogger } from '../server/shared/logger.js';
import { closeDatabase, openDatabase } from '../server/store/database.js';
import { createStore } from '../server/store/index.js';
import { largePrimaryPhone } from '../db/seeds/large.js';
import { Random } from '../db/seeds/random.js';
import { ensureLargeDb, LARGE_SEED_NOW } from './support/large-db.js';
import { distribution, elapsedMs, ms, pct, type Distribution } from './support/stats.js';
import { row, type FigureRow } from './support/table.js';

export interface DecisionPathOptions {
  members?: number;
  advisors?: number;
  calls?: number;
  warmupCalls?: number;
  /** Stop measuring after this long even if fewer calls were made (a slow machine). */
  maxMs?: number;
  progress?: (line: string) => void;
}

export interface DecisionPathFigures {
  members: number;
  advisors: number;
  total: Distribution;
  /** CPU time of the process per call: the cost without the waits a busy machine adds. */
  cpu: Distribution;
  lookup: Distribution;
  decide: Distribution;
  decisions: Record<string, number>;
  unknownShare: number;
  seededMs: number;
}

export const DECISION_TARGET_P99_MS = 2;

/**
 * The floor at a plausible mid-morning: 15% of advisors not logged in, 5% marked absent,
 * 10% not ready; of those ready, three in four on a call. Deterministic (seeded).
 */
function stageFloor(presence: PresenceBoard, advisorIds: readonly number[], random: Random): void {
  for (const id of advisorIds) {
    presence.track(id, 'idle');
    const roll = random.next();
    if (roll < 0.15) continue;
    presence.desktopConnected(id);
    if (roll < 0.2) {
      presence.markAbsent(id, true);
      continue;
    }
    if (roll < 0.3) {
      presence.requestState(id, 'not-ready', 'training');
      continue;
    }
    presence.requestState(id, 'ready');
    if (random.chance(0.75)) presence.phoneState(id, 'in-use');
    for (let i = 0; i < 10; i += 1) presence.recordHandleTime(id, random.int(60_000, 600_000));
  }
}

export async function runDecisionPath(options: DecisionPathOptions = {}): Promise<DecisionPathFigures> {
  const members = options.members ?? 1_000_000;
  const advisorsWanted = options.advisors ?? 5_000;
  const calls = options.calls ?? 20_000;
  const warmup = options.warmupCalls ?? 2_000;
  const cached = await ensureLargeDb({ members, advisors: advisorsWanted }, options.progress);
  const config = loadConfig({ CTI_LOG_LEVEL: 'silent' }, '/nonexistent/.env');
  const settings = domainSettingsFrom(config);
  const logger = createLogger('silent');
  const db = openDatabase(`sqlite:${cached.path}`);
  const now = () => LARGE_SEED_NOW.getTime();
  try {
    const store = createStore(db, {
      clock: () => new Date(now()),
      defaultCountry: config.outbound.defaultCountry,
      defaultCapacity: config.allocation.defaultCapacity,
      tokenTtlMs: config.tokenTtlMs,
    });
    const directory = new AdvisorDirectory(store.advisors, logger);
    await directory.start(0);
    const presence = new PresenceBoard({ now, wrapUpMs: config.routing.wrapUpMs });
    const random = new Random(11);
    const advisorIds = directory.all().map((a) => a.id);
    stageFloor(presence, advisorIds, random);
    // A modest queue of pool callers ahead: their count feeds the pool's expected wait.
    const waiting: WaitingCaller[] = Array.from({ length: 40 }, (_, i) => ({
      callId: `bench:w${i}`,
      node: 'bench',
      firstCallAt: now() - (i + 1) * 5_000,
      waitingSince: now() - (i + 1) * 5_000,
      memberLevel: 'regular',
      waitingFor: { kind: 'pool' },
      triedAdvisorIds: [],
      memberId: null,
      ownerId: null,
    }));
    const router = new Router({
      callers: store.callers,
      directory,
      presence,
      waiting: () => waiting,
      settings: settings.route,
      advisorWait: settings.advisorWait,
      reserved: () => [],
      now,
    });

    const total: number[] = [];
    const cpu: number[] = [];
    const lookup: number[] = [];
    const decide: number[] = [];
    const decisions: Record<string, number> = {};
    let unknown = 0;
    let deadline = Infinity;
    for (let i = 0; i < warmup + calls && Date.now() < deadline; i += 1) {
      if (i === warmup) deadline = Date.now() + (options.maxMs ?? 120_000);
      // One caller in twenty is not a member (a new prospect, a withheld or foreign number).
      const isUnknown = random.chance(0.05);
      const phone = isUnknown ? `86177${String(random.int(0, 99_999_999)).padStart(8, '0')}` : largePrimaryPhone(random.int(1, members));
      const progress: CallProgress = {
        tried: [],
        ownerWaitTimedOut: false,
        ownerChoice: null,
        peakChoice: null,
        firstCallAt: now(),
        callId: `bench:${i}`,
      };
      const cpuStarted = process.cpuUsage();
      const started = process.hrtime.bigint();
      const context = await router.identify(phone, null);
      const identified = process.hrtime.bigint();
      const decision = router.decide(context, progress);
      const lookupMs = Number(identified - started) / 1e6;
      const totalMs = elapsedMs(started);
      const cpuUsed = process.cpuUsage(cpuStarted);
      if (i < warmup) continue;
      total.push(totalMs);
      cpu.push((cpuUsed.user + cpuUsed.system) / 1000);
      lookup.push(lookupMs);
      decide.push(totalMs - lookupMs);
      if (!context.member) unknown += 1;
      const key = `${decision.kind}/${decision.reason}`;
      decisions[key] = (decisions[key] ?? 0) + 1;
    }
    directory.stop();
    return {
      members,
      advisors: advisorIds.length,
      total: distribution(total),
      cpu: distribution(cpu),
      lookup: distribution(lookup),
      decide: distribution(decide),
      decisions,
      unknownShare: unknown / total.length,
      seededMs: cached.builtMs,
    };
  } finally {
    await closeDatabase(db);
  }
}

export function decisionPathRows(f: DecisionPathFigures): FigureRow[] {
  const name = '1 decision path';
  const scale = `${(f.members / 1e6).toLocaleString('en')}M members, ${f.advisors} advisors, ${f.total.count} calls`;
  const top = Object.entries(f.decisions)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, n]) => `${k} ${pct(n / f.total.count)}`)
    .join(', ');
  return [
    row(name, `per call p50 / p99 / max (${scale})`, `${ms(f.total.p50)} / ${ms(f.total.p99)} / ${ms(f.total.max)}`, `p99 < ${DECISION_TARGET_P99_MS} ms`, f.total.p99 < DECISION_TARGET_P99_MS),
    row(name, 'CPU time per call p50 / p99 / max', `${ms(f.cpu.p50)} / ${ms(f.cpu.p99)} / ${ms(f.cpu.max)}`),
    row(name, 'of which store lookup p50 / p99', `${ms(f.lookup.p50)} / ${ms(f.lookup.p99)}`),
    row(name, 'of which snapshot + route() p50 / p99', `${ms(f.decide.p50)} / ${ms(f.decide.p99)}`),
    row(name, 'decisions (unknown callers)', `${top} (${pct(f.unknownShare)} unknown)`),
  ];
}
