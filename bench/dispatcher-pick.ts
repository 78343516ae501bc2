// Benchmark 3: the callback dispatcher with 100,000 pending callbacks. The server's own
// Dispatcher and CandidateLoader run over a copy of the 2,000-advisor / 100,000-member
// database with one pending callback per member (mixed reasons, first calls over the
// last two days, most of them due). One advisor is freed at a time and the dispatcher
// runs its cycle for them: the pick over the queue snapshot and the claim. The claim is
// answered at once, so the figure is the decision, not a dial. Between frees the queue
// "changes" (as the tick or a new callback makes it in the server): a full cycle loads the
// snapshot again (due callbacks with pacing), measured on its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CandidateLoader } from '../server/callbacks/candidates.js';
import { Dispatcher } from '../server/callbacks/dispatcher.js';
import { loadConfig } from '../server/config/config.js';
import type { CallbackReason } from '../server/domain/model.js';
import { domainSettingsFrom } from '../server/domain/settings.js';
import { PresenceBoard } from '../server/presence/presence-board.js';
import { createLogger } from '../server/shared/logger.js';
import { closeDatabase, openDatabase, type Db } from '../server/store/database.js';
import { createStore } from '../server/store/index.js';
import { insertChunked } from '../db/seeds/bulk.js';
import { Random } from '../db/seeds/random.js';
import { prepareRunDb } from './e2e/e2e-db.js';
import { LARGE_SEED_NOW } from './support/large-db.js';
import { distribution, elapsedMs, ms, type Distribution } from './support/stats.js';
import { row, type FigureRow } from './support/table.js';

export const DISPATCH_TARGET_MS = 5;
const SNAPSHOT_LIMIT = 300;

export interface DispatcherFigures {
  pending: number;
  advisors: number;
  cycle: Distribution;
  fullCycle: Distribution;
  snapshotLoad: Distribution;
  pick: Distribution;
  picks: Record<string, number>;
}

export async function seedCallbacks(db: Db, count: number, now: number): Promise<void> {
  const random = new Random(3);
  const members = (await db('members as m')
    .join('member_ownership as o', function () {
      this.on('o.member_id', '=', 'm.id').andOnNull('o.until');
    })
    .orderBy('m.id')
    .limit(count)
    .select('m.id', 'o.advisor_id')) as Array<{ id: number; advisor_id: number }>;
  const rows = members.map((m) => {
    const firstCall = now - random.int(0, 48 * 3_600_000);
    const iso = new Date(firstCall).toISOString();
    return {
      member_id: m.id,
      number: `86139${String(m.id).padStart(8, '0')}`,
      reason: random.weighted<CallbackReason>({ abandoned: 50, requested: 25, 'peak-offer': 20, manual: 5 }),
      state: 'pending',
      preferred_advisor_id: m.advisor_id,
      priority: random.chance(0.05) ? 1 : 0,
      first_call_at: iso,
      // One in ten is scheduled for later today.
      due_at: new Date(random.chance(0.1) ? now + random.int(1, 8) * 3_600_000 : firstCall).toISOString(),
      attempts: random.int(0, 1),
      max_attempts: 3,
      created_at: iso,
      updated_at: iso,
      note: '',
    };
  });
  // Each is workable from its due time (never before its creation here), and so is its ladder.
  await insertChunked(db, 'callbacks', rows.map((r) => ({ ...r, ladder_from: r.due_at, scheduled: r.due_at !== r.first_call_at })));
}

export async function runDispatcherPick(options: { pending?: number; cycles?: number; progress?: (l: string) => void } = {}): Promise<DispatcherFigures> {
  const pending = options.pending ?? 100_000;
  const cycles = options.cycles ?? 200;
  const log = options.progress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'cti-bench-dispatch-'));
  const config = loadConfig({ CTI_LOG_LEVEL: 'silent' }, '/nonexistent/.env');
  const settings = domainSettingsFrom(config);
  // Mid-afternoon in Shanghai: outside quiet hours, so pacing is the weekly cap and gaps.
  const now = LARGE_SEED_NOW.getTime();
  try {
    const { dbUrl } = await prepareRunDb(dir, { advisors: 2_000, members: 100_000 }, log);
    const db = openDatabase(dbUrl);
    try {
      log(`inserting ${pending.toLocaleString('en')} pending callbacks`);
      await seedCallbacks(db, pending, now);
      await db.raw('ANALYZE');
      const store = createStore(db, { clock: () => new Date(now), defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 });
      const advisors = await store.advisors.list({ active: true });
      // No wrap-up: the advisor under test is free the moment their call ends.
      const presence = new PresenceBoard({ now: () => now, wrapUpMs: 0 });
      // Everyone logged in and on a call; the advisor under test is the one freed.
      for (const a of advisors) {
        presence.track(a.id, 'in-use');
        presence.desktopConnected(a.id);
        presence.requestState(a.id, 'ready');
      }
      // 300: the snapshot size the callback engine uses (DEFAULT_SNAPSHOT_LIMIT in server/callbacks/engine.ts).
      const loader = new CandidateLoader({ store, pacing: settings.pacing, defaultTimeZone: 'Asia/Shanghai', limit: SNAPSHOT_LIMIT });
      const picks: Record<string, number> = {};
      const timedLoader = {
        load: async (at: number) => {
          const started = process.hrtime.bigint();
          const snapshot = await loader.load(at);
          snapshotLoad.push(elapsedMs(started));
          return snapshot;
        },
      };
      const snapshotLoad: number[] = [];
      const dispatcher = new Dispatcher({
        advisors: store.advisors,
        presence,
        loader: timedLoader,
        settings: settings.dispatch,
        waiting: null,
        inboundBusy: () => [],
        startCallback: async (_id, _advisor, pick) => {
          picks[pick.reason] = (picks[pick.reason] ?? 0) + 1;
          return 'started' as const;
        },
        dialsInProgress: () => 0,
        now: () => now,
        log: createLogger('silent'),
      });
      const random = new Random(17);
      const cycle: number[] = [];
      const fullCycle: number[] = [];
      const pick: number[] = [];
      // The engine's first cycle at start-up: the advisor list and the first snapshot.
      dispatcher.trigger();
      await dispatcher.settled();
      snapshotLoad.length = 0;
      for (let i = 0; i < cycles; i += 1) {
        const fullStarted = process.hrtime.bigint();
        dispatcher.trigger();
        await dispatcher.settled();
        fullCycle.push(elapsedMs(fullStarted));
        const advisor = random.pick(advisors);
        presence.phoneState(advisor.id, 'idle');
        const started = process.hrtime.bigint();
        dispatcher.released(advisor.id, null);
        await dispatcher.settled();
        cycle.push(elapsedMs(started));
        // The pick alone, over the snapshot the cycle just loaded (what the call flow's policy runs).
        const pickStarted = process.hrtime.bigint();
        const outcome = dispatcher.pick(advisor, presence.get(advisor.id) ?? null, [], now);
        pick.push(elapsedMs(pickStarted));
        if (outcome.kind === 'nothing') picks['nothing'] = (picks['nothing'] ?? 0) + 1;
        if (process.env['BENCH_DEBUG']) log(outcome.explanation);
        dispatcher.released(advisor.id, null);
        presence.phoneState(advisor.id, 'in-use');
        await dispatcher.settled();
      }
      await dispatcher.stop();
      return {
        pending,
        advisors: advisors.length,
        cycle: distribution(cycle),
        fullCycle: distribution(fullCycle),
        snapshotLoad: distribution(snapshotLoad),
        pick: distribution(pick),
        picks,
      };
    } finally {
      await closeDatabase(db);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function dispatcherRows(f: DispatcherFigures): FigureRow[] {
  const name = '3 dispatcher';
  const picks = Object.entries(f.picks)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    row(
      name,
      `freed advisor -> pick, its dispatch cycle p50 / p99 / max (${f.pending.toLocaleString('en')} pending, ${f.advisors} advisors)`,
      `${ms(f.cycle.p50)} / ${ms(f.cycle.p99)} / ${ms(f.cycle.max)}`,
      `< ${DISPATCH_TARGET_MS} ms`,
      f.cycle.p99 < DISPATCH_TARGET_MS,
    ),
    row(name, 'queue changed -> full cycle p50 / p99 / max (reloads the snapshot)', `${ms(f.fullCycle.p50)} / ${ms(f.fullCycle.p99)} / ${ms(f.fullCycle.max)}`),
    row(name, 'of which queue snapshot (due callbacks + pacing) p50 / p99', `${ms(f.snapshotLoad.p50)} / ${ms(f.snapshotLoad.p99)}`),
    row(name, 'pick over the loaded snapshot p50 / p99 / max', `${ms(f.pick.p50)} / ${ms(f.pick.p99)} / ${ms(f.pick.max)}`, `< ${DISPATCH_TARGET_MS} ms`, f.pick.p99 < DISPATCH_TARGET_MS),
    row(name, 'what the freed advisors got', picks),
  ];
}
