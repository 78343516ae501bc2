// Benchmark 2: end to end through the simulator. The PBX simulator (real AMI over TCP,
// real ARI over HTTP + WebSocket) and 2,000 agent desktops (Socket.IO clients) run in
// this process; the CTI server runs as its own process on a copy of a 2,000-advisor /
// 100,000-member SQLite file. Callers arrive (Poisson) through the front IVR into
// Stasis at 50, 100 and 200 a second; every agent's phone answers. Measured:
// StasisStart -> originate towards the agent, and the agent's phone ringing -> the
// screen pop arriving at that agent's socket (both clocks in this process); the
// server's CPU and RSS from /proc; then a soak at 100/s for memory growth.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../sim/index.js';
import { runLoad } from '../sim/scenario/load.js';
import { largePrimaryPhone } from '../db/seeds/large.js';
import { Random } from '../db/seeds/random.js';
import { connectFleet, type AgentFleet } from './e2e/agent-fleet.js';
import { CallTiming } from './e2e/call-timing.js';
import { prepareRunDb, type FleetMember } from './e2e/e2e-db.js';
import { startServerProcess, type ServerProcess } from './e2e/server-process.js';
import { distribution, machineBusy, mib, ms, pct, type Distribution } from './support/stats.js';
import { row, type FigureRow } from './support/table.js';

export const RING_TO_POP_TARGET_P99_MS = 50;
export const TARGET_RATE = 100;

export interface EndToEndOptions {
  rates?: number[];
  stepMs?: number;
  soakMs?: number;
  soakRate?: number;
  advisors?: number;
  members?: number;
  /** Mean talk time of a call once bridged (default 5 s). */
  talkMs?: number;
  /** Extra server environment (benchmark 4 points it at PostgreSQL and Redis). */
  serverEnv?: Record<string, string>;
  progress?: (line: string) => void;
}

export interface RateFigures {
  targetRate: number;
  achievedRate: number;
  offered: number;
  reachedStasis: number;
  stasisToOriginate: Distribution;
  /** Callers rung at once, with no prompt first (CallTiming.stasisToOriginateDirect). */
  stasisToOriginateDirect: Distribution;
  ringToPop: Distribution;
  popsWithoutRing: number;
  ringsWithoutPop: number;
  serverCpuPercent: number;
  /**
   * Server CPU per call offered, from the first arrival until the calls drained: what one
   * call costs the server, so capacity on a machine of more cores follows from it.
   */
  serverCpuMsPerCall: number;
  /** This process (simulator and agent fleet) over the arrivals, % of one core: near 100 means the generator, not the server, is the limit. */
  loadCpuPercent: number;
  /** The whole machine over the arrivals, 0 to 1. */
  machineBusy: number;
  serverRssBytes: number;
  loadLoopP99Ms: number;
}

export interface SoakFigures {
  durationMs: number;
  rate: number;
  rssFirstBytes: number;
  rssLastBytes: number;
  rssMaxBytes: number;
  /**
   * The highest of the server's own memory (RSS without memory-mapped files, see
   * ServerProcess.anonBytes) in each half of the soak. Memory that is bounded comes back to
   * the same ceiling after each collection; a leak raises the ceiling.
   */
  ownPeakFirstHalfBytes: number;
  ownPeakSecondHalfBytes: number;
  /** Growth over the second half of the soak, by linear fit (noisy on a sawtooth: shown, not judged). */
  slopeMiBPerMin: number;
  ringToPop: Distribution;
}

/** The second half's peak may exceed the first half's by this much before it counts as growth (sampling noise). */
const PEAK_GROWTH_TOLERANCE = 0.02;

export interface EndToEndFigures {
  agents: number;
  members: number;
  reconnects: number;
  idleRssBytes: number;
  rates: RateFigures[];
  soak: SoakFigures | null;
}

const TALK_MS = 5_000;
const AGENT_RING_MS = 400;

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

async function drain(sim: Simulator, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (sim.channelCount() > 0 && Date.now() < until) await sleep(250);
}

function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

interface Rig {
  sim: Simulator;
  server: ServerProcess;
  fleet: AgentFleet;
  timing: CallTiming;
  numbers: string[];
  close(): Promise<void>;
}

async function startRig(o: Required<Pick<EndToEndOptions, 'advisors' | 'members'>> & EndToEndOptions, log: (l: string) => void): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'cti-bench-'));
  const closers: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of closers.reverse()) await fn();
  };
  try {
    let fleetMembers: FleetMember[];
    let dbUrl: string;
    if (o.serverEnv?.['CTI_DB_URL']) {
      throw new Error('external databases are prepared by the caller');
    } else {
      ({ dbUrl, fleet: fleetMembers } = await prepareRunDb(dir, { advisors: o.advisors, members: o.members }, log));
    }
    const sim = await startSimulator({
      amiPort: 0,
      ariPort: 0,
      agents: Object.fromEntries(fleetMembers.map((f) => [f.endpoint, { kind: 'answer' as const, ringMs: AGENT_RING_MS }])),
      defaultMediaMs: 200,
      waitScale: 0.05,
      onError: (err) => log(`simulator error: ${String(err)}`),
    });
    closers.push(() => sim.close());
    const server = await startServerProcess({
      CTI_DB_URL: dbUrl,
      CTI_AMI_URL: sim.amiUrl,
      CTI_ARI_URL: sim.ariUrl,
      CTI_WRAP_UP: '2s',
      CTI_KEY_TIMEOUT: '1s',
      CTI_DEFAULT_CHOICE: 'next',
      CTI_PROMPT_DIR: join(dir, 'prompts'),
      ...o.serverEnv,
    });
    closers.push(() => server.stop());
    const timing = new CallTiming(sim, new Set(fleetMembers.map((f) => f.endpoint)));
    closers.push(() => timing.close());
    log(`server pid ${server.pid} on ${server.url}; connecting ${fleetMembers.length} agent sockets`);
    const fleet = await connectFleet(server.url, fleetMembers, (pop) => timing.onPop(pop));
    closers.push(() => fleet.close());
    const random = new Random(5);
    const numbers = random.sample(
      Array.from({ length: o.members }, (_, i) => largePrimaryPhone(i + 1)),
      o.members,
    );
    return { sim, server, fleet, timing, numbers, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function loadStep(rig: Rig, rate: number, durationMs: number, talkMs: number, log: (l: string) => void): Promise<RateFigures> {
  const { sim, server, timing } = rig;
  timing.reset();
  timing.start();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu0 = server.cpuSeconds();
  const loadCpu0 = process.cpuUsage();
  const busy = machineBusy();
  const t0 = Date.now();
  let rssMax = server.rssBytes();
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, server.rssBytes())), 1_000);
  const load = await runLoad(sim, {
    ratePerSec: rate,
    durationMs,
    numbers: rig.numbers,
    keys: ['1', '2'],
    meanHandleMs: talkMs,
    meanPatienceMs: 60_000,
  });
  const cpu = server.cpuSeconds() - cpu0;
  const elapsed = (Date.now() - t0) / 1000;
  const loadCpu = process.cpuUsage(loadCpu0);
  const machine = busy();
  clearInterval(sampler);
  lag.disable();
  // Pops and rings of the last arrivals are still on their way.
  await sleep(3_000);
  timing.stop();
  const unpaired = timing.settle();
  const figures: RateFigures = {
    targetRate: rate,
    achievedRate: load.achievedRatePerSec,
    offered: load.offered,
    reachedStasis: load.stasis,
    stasisToOriginate: distribution(timing.stasisToOriginate),
    stasisToOriginateDirect: distribution(timing.stasisToOriginateDirect),
    ringToPop: distribution(timing.ringToPop),
    ...unpaired,
    serverCpuPercent: (cpu / elapsed) * 100,
    serverCpuMsPerCall: Number.NaN,
    loadCpuPercent: ((loadCpu.user + loadCpu.system) / 1e6 / elapsed) * 100,
    machineBusy: machine,
    serverRssBytes: rssMax,
    loadLoopP99Ms: lag.percentile(99) / 1e6,
  };
  await drain(sim, 30_000);
  figures.serverCpuMsPerCall = ((server.cpuSeconds() - cpu0) * 1000) / Math.max(1, load.offered);
  log(
    `${rate}/s: ${load.offered} calls, ring->pop p50 ${ms(figures.ringToPop.p50)} p99 ${ms(figures.ringToPop.p99)} (${figures.ringToPop.count} paired), server CPU ${figures.serverCpuPercent.toFixed(0)}% (${figures.serverCpuMsPerCall.toFixed(1)} ms a call), generator ${figures.loadCpuPercent.toFixed(0)}%`,
  );
  return figures;
}

async function soak(rig: Rig, rate: number, durationMs: number, talkMs: number, log: (l: string) => void): Promise<SoakFigures> {
  const { server, timing } = rig;
  const samples: Array<[number, number, number]> = [];
  const t0 = Date.now();
  const sampler = setInterval(() => samples.push([(Date.now() - t0) / 60_000, server.rssBytes(), server.anonBytes()]), 5_000);
  timing.reset();
  timing.start();
  log(`soak: ${rate}/s for ${Math.round(durationMs / 1000)} s`);
  await runLoad(rig.sim, { ratePerSec: rate, durationMs, numbers: rig.numbers, keys: ['1', '2'], meanHandleMs: talkMs, meanPatienceMs: 60_000 });
  clearInterval(sampler);
  await sleep(3_000);
  timing.stop();
  timing.settle();
  const rss = samples.map((s) => s[1]);
  const own = samples.map((s) => s[2]);
  const half = Math.floor(samples.length / 2);
  const secondHalf = samples.slice(half).map(([t, b]) => [t, b / 1048576] as const);
  await drain(rig.sim, 30_000);
  return {
    durationMs,
    rate,
    rssFirstBytes: rss[0] ?? Number.NaN,
    rssLastBytes: rss[rss.length - 1] ?? Number.NaN,
    rssMaxBytes: Math.max(...rss),
    ownPeakFirstHalfBytes: Math.max(...own.slice(0, half)),
    ownPeakSecondHalfBytes: Math.max(...own.slice(half)),
    slopeMiBPerMin: slope(secondHalf),
    ringToPop: distribution(timing.ringToPop),
  };
}

export async function runEndToEnd(options: EndToEndOptions = {}): Promise<EndToEndFigures> {
  const o = { advisors: 2_000, members: 100_000, ...options };
  const log = options.progress ?? (() => undefined);
  const rig = await startRig(o, log);
  try {
    await sleep(2_000);
    const idleRssBytes = rig.server.rssBytes();
    const rates: RateFigures[] = [];
    const talkMs = o.talkMs ?? TALK_MS;
    for (const rate of o.rates ?? [50, 100, 200]) rates.push(await loadStep(rig, rate, o.stepMs ?? 30_000, talkMs, log));
    const soakMs = o.soakMs ?? 90_000;
    const soakFigures = soakMs > 0 ? await soak(rig, o.soakRate ?? TARGET_RATE, soakMs, talkMs, log) : null;
    return { agents: rig.fleet.sockets, members: o.members, reconnects: rig.fleet.reconnects(), idleRssBytes, rates, soak: soakFigures };
  } finally {
    const warnings = rig.server.stderrTail().trim();
    if (warnings) log(`server warnings (last lines):\n${warnings.split('\n').slice(-5).map((l) => l.slice(0, 400)).join('\n')}`);
    await rig.close();
  }
}

export function endToEndRows(f: EndToEndFigures, name = '2 end to end'): FigureRow[] {
  const rows: FigureRow[] = [row(name, 'set-up', `${f.agents} agent sockets, ${f.members.toLocaleString('en')} members; server RSS idle ${mib(f.idleRssBytes)}; ${f.reconnects} socket reconnects`)];
  for (const r of f.rates) {
    const at = `${r.targetRate}/s (${r.achievedRate.toFixed(0)}/s offered, ${r.offered} calls)`;
    const isTarget = r.targetRate === TARGET_RATE;
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
        isTarget ? `p99 < ${RING_TO_POP_TARGET_P99_MS} ms` : '',
        isTarget ? r.ringToPop.count > 0 && r.ringToPop.p99 < RING_TO_POP_TARGET_P99_MS : null,
      ),
    );
    rows.push(
      row(
        name,
        `${at}: server CPU (per call) / RSS max; load generator CPU, loop p99; machine busy`,
        `${r.serverCpuPercent.toFixed(0)}% of one core (${r.serverCpuMsPerCall.toFixed(1)} ms a call) / ${mib(r.serverRssBytes)}; ${r.loadCpuPercent.toFixed(0)}%, ${ms(r.loadLoopP99Ms)}; ${pct(r.machineBusy)} of ${cpus().length} cores`,
      ),
    );
  }
  if (f.soak) {
    const s = f.soak;
    const bounded = s.ownPeakSecondHalfBytes <= s.ownPeakFirstHalfBytes * (1 + PEAK_GROWTH_TOLERANCE);
    rows.push(
      row(
        name,
        `soak ${Math.round(s.durationMs / 1000)} s at ${s.rate}/s: RSS first / last / max, its fitted slope over the second half; own memory's peak in each half`,
        `${mib(s.rssFirstBytes)} / ${mib(s.rssLastBytes)} / ${mib(s.rssMaxBytes)}, ${s.slopeMiBPerMin.toFixed(2)} MiB/min; ${mib(s.ownPeakFirstHalfBytes)} then ${mib(s.ownPeakSecondHalfBytes)}`,
        `no growth (own memory's second-half peak within ${PEAK_GROWTH_TOLERANCE * 100}% of the first's)`,
        bounded,
      ),
    );
    rows.push(row(name, 'soak ring -> pop p50 / p99', `${ms(s.ringToPop.p50)} / ${ms(s.ringToPop.p99)} (${s.ringToPop.count})`));
  }
  return rows;
}
