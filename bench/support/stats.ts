// Percentiles and small formatting helpers shared by the benchmarks.
import { readFileSync } from 'node:fs';

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles over the samples (milliseconds or any unit). */
export function distribution(samples: readonly number[]): Distribution {
  if (samples.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]!, mean: sum / sorted.length };
}

/** `0.123 ms`, `12.3 ms`, `1234 ms`: three significant figures or so. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ms`;
}

export function pct(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a';
}

export function mib(bytes: number): string {
  return Number.isFinite(bytes) ? `${Math.round(bytes / 1048576)} MiB` : 'n/a';
}

/** Milliseconds since an hrtime start. */
export function elapsedMs(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Busy and total jiffies of all cores (Linux /proc/stat). */
function cpuTimes(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Starts measuring how busy the whole machine is (every core, every process); the returned
 * function gives the share since then, 0 to 1. Near 1 means the machine, not one process,
 * set the limit of a run.
 */
export function machineBusy(): () => number {
  const start = cpuTimes();
  return () => {
    const end = cpuTimes();
    return end.total > start.total ? (end.busy - start.busy) / (end.total - start.total) : Number.NaN;
  };
}
