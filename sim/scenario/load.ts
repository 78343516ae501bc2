// Timed load: Poisson arrivals through the front IVR, handle times and caller patience
// drawn from exponential distributions, bounded in count and duration.
import type { Simulator } from '../index.js';
import type { CallHandle } from './callers.js';

export interface LoadOptions {
  ratePerSec: number;
  durationMs: number;
  numbers: string[];
  /** IVR keys per call (same for all), e.g. ['1', '2']. */
  keys?: string[];
  /** Mean talk time once bridged. */
  meanHandleMs?: number;
  /** Mean time a caller waits to be bridged before hanging up (abandon). */
  meanPatienceMs?: number;
  /** Hard cap on calls placed. */
  maxCalls?: number;
  /** After the last arrival, wait up to this long for the calls to end before counting. */
  drainMs?: number;
  /** Random source in [0, 1); pass a seeded one for repeatable runs. */
  random?: () => number;
}

export interface LoadResult {
  offered: number;
  bridged: number;
  abandoned: number;
  stasis: number;
  maxConcurrentChannels: number;
  elapsedMs: number;
  achievedRatePerSec: number;
  /** How late arrivals were placed against their Poisson schedule (99th percentile). */
  lateP99Ms: number;
}

const TICK_MS = 5;

export function exponential(mean: number, random: () => number): number {
  return -Math.log(1 - random()) * mean;
}

export async function runLoad(sim: Simulator, opts: LoadOptions): Promise<LoadResult> {
  if (!(opts.ratePerSec > 0) || !(opts.durationMs > 0) || opts.numbers.length === 0) {
    throw new Error('runLoad needs ratePerSec > 0, durationMs > 0 and at least one number');
  }
  const random = opts.random ?? Math.random;
  const maxCalls = opts.maxCalls ?? Math.ceil(opts.ratePerSec * (opts.durationMs / 1000) * 2 + 10);
  const meanGapMs = 1000 / opts.ratePerSec;
  const result: LoadResult = {
    offered: 0,
    bridged: 0,
    abandoned: 0,
    stasis: 0,
    maxConcurrentChannels: 0,
    elapsedMs: 0,
    achievedRatePerSec: 0,
    lateP99Ms: 0,
  };
  const lateness: number[] = [];
  const calls: CallHandle[] = [];
  const started = Date.now();
  let next = started + exponential(meanGapMs, random);
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = Date.now();
      while (next <= now && next - started < opts.durationMs && result.offered < maxCalls) {
        const number = opts.numbers[result.offered % opts.numbers.length] ?? '';
        const handle = sim.call({
          from: number,
          keys: opts.keys ? [...opts.keys] : undefined,
          talkMs: exponential(opts.meanHandleMs ?? 3000, random),
        });
        const patience = setTimeout(() => {
          if (!handle.bridgedTo && !handle.ended) {
            result.abandoned += 1;
            handle.hangup();
          }
        }, exponential(opts.meanPatienceMs ?? 10_000, random));
        handle.on('change', () => {
          if (handle.bridgedTo || handle.ended) clearTimeout(patience);
        });
        calls.push(handle);
        lateness.push(now - next);
        result.offered += 1;
        next += exponential(meanGapMs, random);
      }
      result.maxConcurrentChannels = Math.max(result.maxConcurrentChannels, sim.channelCount());
      if (now - started >= opts.durationMs || result.offered >= maxCalls) {
        clearInterval(tick);
        resolve();
      }
    }, TICK_MS);
  });
  result.elapsedMs = Date.now() - started;
  result.achievedRatePerSec = result.offered / (result.elapsedMs / 1000);
  lateness.sort((a, b) => a - b);
  result.lateP99Ms = lateness[Math.floor(lateness.length * 0.99)] ?? 0;
  const drainUntil = Date.now() + (opts.drainMs ?? 0);
  while (Date.now() < drainUntil && calls.some((c) => !c.ended)) await new Promise((r) => setTimeout(r, 50));
  for (const c of calls) {
    if (c.bridgedTo) result.bridged += 1;
    if (c.stasisArgs) result.stasis += 1;
  }
  return result;
}
