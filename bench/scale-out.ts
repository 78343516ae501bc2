// Benchmark 4: benchmark 2 with two CTI servers on PostgreSQL + Redis. Two simulated
// Asterisk nodes (every agent phone registered on both, as in the scale-out integration
// test), each owned by one server (CTI_PREFERRED_NODES), presence and pops shared
// through Redis; half the agent sockets on each server. The arrivals are split evenly
// over the two nodes. Same timings as benchmark 2, per rate, with both servers' CPU.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../sim/index.js';
import { runLoad } from '../sim/scenario/load.js';
import { largePrimaryPhone } from '../db/seeds/large.js';
import { Random } from '../db/seeds/random.js';
import { closeDatabase, openDatabase } from '../server/store/database.js';
import { createStore } from '../server/store/index.js';
import { connectFleet, type AgentFleet } from './e2e/agent-fleet.js';
import { CallTiming } from './e2e/call-timing.js';
import { seedFleet, type FleetMember } from './e2e/e2e-db.js';
import { startServerProcess, type ServerProcess } from './e2e/server-process.js';
import { RING_TO_POP_TARGET_P99_MS } from './end-to-end.js';
import { distribution, machineBusy, mib, ms, pct, type Distribution } from './support/stats.js';
import { row, type FigureRow } from './support/table.js';

export interface ScaleOutOptions {
  pgUrl?: string;
  redisUrl?: string;
  rates?: number[];
  stepMs?: number;
  advisors?: number;
  members?: number;
  /** Mean talk time of a call once bridged (default 5 s). */
  talkMs?: number;
  /** Extra environment for both servers (e.g. a shorter CTI_WRAP_UP for a small fleet). */
  serverEnv?: Record<string, string>;
  progress?: (line: string) => void;
}

export interface ScaleRateFigures {
  targetRate: number;
  offered: number;
  stasisToOriginate: Distribution;
  /** Callers rung at once, with no prompt first (CallTiming.stasisToOriginateDirect). */
  stasisToOriginateDirect: Distribution;
  ringToPop: Distribution;
  ringsWithoutPop: number;
  serverCpuPercent: [number, number];
  /** Both servers' CPU per call offered, from the first arrival until the calls drained (see benchmark 2). */
  serverCpuMsPerCall: number;
  /** This process (both simulators and the agent fleet) over the arrivals, % of one core. */
  loadCpuPercent: number;
  /** The whole machine over the arrivals, 0 to 1. */
  machineBusy: number;
  serverRssBytes: [number, number];
}

export type ScaleOutFigures = { available: false; why: string } | { available: true; agents: number; rates: ScaleRateFigures[] };

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

async function roleOf(server: ServerProcess, node: string): Promise<string | null> {
  try {
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { scale?: { nodes?: Array<{ node: string; role: string }> } };
    return health.scale?.nodes?.find((n) => n.node === node)?.role ?? null;
  } catch {
    return null;
  }
}

export async function runScaleOut(options: ScaleOutOptions = {}): Promise<ScaleOutFigures> {
  const pgUrl = options.pgUrl ?? process.env['CTI_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = options.redisUrl ?? process.env['CTI_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const advisors = options.advisors ?? 2_000;
  const members = options.members ?? 100_000;
  const log = options.progress ?? (() => undefined);
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const prefix = `cti-bench-${randomBytes(4).toString('hex')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'cti-bench-scale-'));
  const closers: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    const admin = openDatabase(pgUrl);
    try {
      await admin.raw(`create schema "${schema}"`);
    } catch (err) {
      return { available: false, why: `PostgreSQL at ${pgUrl} is not reachable: ${(err as Error).message}` };
    } finally {
      await closeDatabase(admin);
    }
    const db = openDatabase(pgUrl, { searchPath: schema });
    closers.push(async () => {
      await db.raw(`drop schema "${schema}" cascade`);
      await closeDatabase(db);
    });
    log(`seeding ${advisors} advisors with logins and ${members.toLocaleString('en')} members into PostgreSQL schema ${schema}`);
    await seedFleet(db, { advisors, members });
    const store = createStore(db, { defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 12 * 3_600_000 });
    const rows = (await db('users as u').join('advisors as a', 'a.id', 'u.advisor_id').orderBy('a.id').select('u.id as user_id', 'a.id as advisor_id', 'a.endpoint')) as Array<{
      user_id: number;
      advisor_id: number;
      endpoint: string;
    }>;
    const fleet: FleetMember[] = [];
    for (const r of rows) fleet.push({ advisorId: r.advisor_id, endpoint: r.endpoint, token: (await store.tokens.issue(r.user_id)).token });
    const dbUrl = new URL(pgUrl);
    dbUrl.searchParams.set('options', `-c search_path=${schema}`);

    const phones = Object.fromEntries(fleet.map((f) => [f.endpoint, { kind: 'answer' as const, ringMs: 400 }]));
    const sims: Simulator[] = await Promise.all(
      [0, 1].map(() => startSimulator({ amiPort: 0, ariPort: 0, agents: phones, defaultMediaMs: 200, waitScale: 0.05, onError: () => undefined })),
    );
    closers.push(() => Promise.all(sims.map((s) => s.close())).then(() => undefined));
    const env = (serverId: string, preferred: string): Record<string, string> => ({
      CTI_DB_URL: dbUrl.toString(),
      CTI_REDIS_URL: redisUrl,
      CTI_REDIS_PREFIX: prefix,
      CTI_SERVER_ID: serverId,
      CTI_AMI_URL: sims.map((s) => s.amiUrl).join(','),
      CTI_ARI_URL: sims.map((s) => s.ariUrl).join(','),
      CTI_PREFERRED_NODES: preferred,
      CTI_WRAP_UP: '2s',
      CTI_KEY_TIMEOUT: '1s',
      CTI_DEFAULT_CHOICE: 'next',
      CTI_PROMPT_DIR: join(dir, 'prompts'),
      ...options.serverEnv,
    });
    const servers = await Promise.all([startServerProcess(env('bench-one', '0')), startServerProcess(env('bench-two', '1'))]);
    for (const s of servers) closers.push(() => s.stop());
    const [one, two] = servers as [ServerProcess, ServerProcess];
    const leaseDeadline = Date.now() + 30_000;
    while (!((await roleOf(one, 'node0')) === 'owner' && (await roleOf(two, 'node1')) === 'owner')) {
      if (Date.now() > leaseDeadline) throw new Error('the two servers did not take one Asterisk node each within 30 s');
      await sleep(500);
    }
    const timing = new CallTiming(sims, new Set(fleet.map((f) => f.endpoint)));
    closers.push(() => timing.close());
    log(`servers ${one.pid} and ${two.pid} own node0 and node1; connecting ${fleet.length} agent sockets, half on each`);
    const half = Math.ceil(fleet.length / 2);
    const fleets: AgentFleet[] = [];
    for (const [server, part] of [
      [one, fleet.slice(0, half)],
      [two, fleet.slice(half)],
    ] as const) {
      const f = await connectFleet(server.url, part, (pop) => timing.onPop(pop));
      fleets.push(f);
      closers.push(() => f.close());
    }
    const numbers = new Random(9).sample(
      Array.from({ length: members }, (_, i) => largePrimaryPhone(i + 1)),
      members,
    );
    const byNode = [numbers.filter((_, i) => i % 2 === 0), numbers.filter((_, i) => i % 2 === 1)];
    const rates: ScaleRateFigures[] = [];
    for (const rate of options.rates ?? [100, 200]) {
      timing.reset();
      timing.start();
      const cpu0 = servers.map((s) => s.cpuSeconds());
      const loadCpu0 = process.cpuUsage();
      const busy = machineBusy();
      const rss = servers.map((s) => s.rssBytes());
      const sampler = setInterval(() => servers.forEach((s, i) => (rss[i] = Math.max(rss[i]!, s.rssBytes()))), 1_000);
      const t0 = Date.now();
      const loads = await Promise.all(
        sims.map((sim, i) =>
          runLoad(sim, { ratePerSec: rate / 2, durationMs: options.stepMs ?? 30_000, numbers: byNode[i]!, keys: ['1', '2'], meanHandleMs: options.talkMs ?? 5_000, meanPatienceMs: 60_000 }),
        ),
      );
      const elapsed = (Date.now() - t0) / 1000;
      clearInterval(sampler);
      const cpu = servers.map((s, i) => ((s.cpuSeconds() - cpu0[i]!) / elapsed) * 100);
      const loadCpu = process.cpuUsage(loadCpu0);
      const machine = busy();
      await sleep(3_000);
      timing.stop();
      const unpaired = timing.settle();
      const figures: ScaleRateFigures = {
        targetRate: rate,
        offered: loads.reduce((sum, l) => sum + l.offered, 0),
        stasisToOriginate: distribution(timing.stasisToOriginate),
        stasisToOriginateDirect: distribution(timing.stasisToOriginateDirect),
        ringToPop: distribution(timing.ringToPop),
        ringsWithoutPop: unpaired.ringsWithoutPop,
        serverCpuPercent: [cpu[0]!, cpu[1]!],
        serverCpuMsPerCall: Number.NaN,
        loadCpuPercent: ((loadCpu.user + loadCpu.system) / 1e6 / elapsed) * 100,
        machineBusy: machine,
        serverRssBytes: [rss[0]!, rss[1]!],
      };
      rates.push(figures);
      log(`two servers at ${rate}/s: ring->pop p50 ${ms(figures.ringToPop.p50)} p99 ${ms(figures.ringToPop.p99)} (${figures.ringToPop.count})`);
      const until = Date.now() + 30_000;
      while (sims.some((s) => s.channelCount() > 0) && Date.now() < until) await sleep(250);
      const offered = Math.max(1, figures.offered);
      figures.serverCpuMsPerCall = (servers.reduce((sum, s, i) => sum + s.cpuSeconds() - cpu0[i]!, 0) * 1000) / offered;
    }
    return { available: true, agents: fleet.length, rates };
  } finally {
    for (const fn of closers.reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${(err as Error).message}`);
      }
    }
  }
}

export function scaleOutRows(f: ScaleOutFigures): FigureRow[] {
  const name = '4 two servers';
  if (!f.available) return [row(name, 'status', `not available: ${f.why}`)];
  const rows: FigureRow[] = [row(name, 'set-up', `2 server processes on PostgreSQL + Redis, 2 simulated Asterisk nodes, ${f.agents} agent sockets (half on each server)`)];
  for (const r of f.rates) {
    const at = `${r.targetRate}/s (${r.offered} calls)`;
    rows.push(
      row(
        name,
        `${at}: StasisStart -> originate, advisor rung at once p50 / p99 (all callers, prompts included)`,
        `${ms(r.stasisToOriginateDirect.p50)} / ${ms(r.stasisToOriginateDirect.p99)} (${r.stasisToOriginateDirect.count}); all ${ms(r.stasisToOriginate.p50)} / ${ms(r.stasisToOriginate.p99)} (${r.stasisToOriginate.count})`,
      ),
    );
    rows.push(
      row(
        name,
        `${at}: ring -> pop p50 / p99 / max`,
        `${ms(r.ringToPop.p50)} / ${ms(r.ringToPop.p99)} / ${ms(r.ringToPop.max)} (${r.ringToPop.count} pops; ${r.ringsWithoutPop} rings without pop)`,
        `p99 < ${RING_TO_POP_TARGET_P99_MS} ms`,
        r.ringToPop.count > 0 && r.ringToPop.p99 < RING_TO_POP_TARGET_P99_MS,
      ),
    );
    rows.push(
      row(
        name,
        `${at}: server CPU (per call, both servers) / RSS max; load generator CPU; machine busy`,
        `${r.serverCpuPercent.map((c) => `${c.toFixed(0)}%`).join(' + ')} (${r.serverCpuMsPerCall.toFixed(1)} ms a call) / ${r.serverRssBytes.map(mib).join(' + ')}; ${r.loadCpuPercent.toFixed(0)}%; ${pct(r.machineBusy)} of ${cpus().length} cores`,
      ),
    );
  }
  return rows;
}
