// Demo traffic for `npm start` without Asterisk: a call every few seconds from a list
// of numbers, through the IVR; agents answer after a short ring and talk a while.
import type { Simulator } from '../index.js';

export interface DemoOptions {
  numbers: string[];
  /** Agent dial strings to make auto-answering (ring 2-5 s, talk 20-90 s). */
  agents?: string[];
  intervalMs?: number;
  random?: () => number;
}

const SERVICE_KEYS = ['1', '2', '3'];

export function startDemoTraffic(sim: Simulator, opts: DemoOptions): () => void {
  const random = opts.random ?? Math.random;
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  for (const agent of opts.agents ?? []) {
    sim.setAgent(agent, { kind: 'answer', ringMs: between(2000, 5000), talkMs: between(20_000, 90_000) });
  }
  let i = 0;
  const timer = setInterval(() => {
    if (opts.numbers.length === 0) return;
    const from = opts.numbers[i % opts.numbers.length] ?? '';
    i += 1;
    const lang = random() < 0.7 ? '1' : '2';
    const service = SERVICE_KEYS[Math.floor(random() * SERVICE_KEYS.length)] ?? '2';
    sim.call({ from, keys: [lang, service], hangupAfterMs: between(60_000, 180_000) });
  }, opts.intervalMs ?? 8000);
  timer.unref();
  return () => clearInterval(timer);
}
