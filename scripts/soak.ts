// Soak: N minutes of simulated member traffic through the front IVR into the CTI call
// flow and the callback engine, with Asterisk faults injected at random (AMI cut, ARI
// cut, Asterisk restarted), then a report. Loopback only; faults are bounded in number
// and length. Usage:
//   node --import tsx scripts/soak.ts [--minutes 30] [--rate 40] [--seed 1] [--out report.md]
// --rate is calls per minute. The callback engine is composed as in the callback tests
// (store -> presence -> callback service as the call flow's port -> telephony -> engine).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEMO_ADVISORS } from '../db/seeds/demo.js';
import { startSimulator, type CallHandle, type Simulator } from '../sim/index.js';
import { createTestDatabase, startCallbackServer, TestTime, type CallbackServer } from '../test/integration/callbacks/harness.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '40' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    out: { type: 'string' },
    faults: { type: 'string', default: 'AMI cut,ARI cut,Asterisk restarted' },
    'fault-every': { type: 'string', default: '40-120' },
  },
});
const MINUTES = Number(args.minutes);
const RATE_PER_MIN = Number(args.rate);
if (!(MINUTES > 0 && MINUTES <= 24 * 60) || !(RATE_PER_MIN > 0 && RATE_PER_MIN <= 600)) {
  console.error('--minutes must be 1..1440 and --rate 1..600 calls per minute');
  process.exit(2);
}

/** Deterministic for a seed: mulberry32. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(Number(args.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures {
  offered: number;
  routed: number;
  abandoned: number;
  dialplanFallback: number;
  stillOpenAtEnd: number;
  faults: Record<string, number>;
  recoveriesMs: number[];
  probeFailures: number;
  simulatorErrors: number;
  processErrors: string[];
}

const figures: Figures = {
  offered: 0,
  routed: 0,
  abandoned: 0,
  dialplanFallback: 0,
  stillOpenAtEnd: 0,
  faults: {},
  recoveriesMs: [],
  probeFailures: 0,
  simulatorErrors: 0,
  processErrors: [],
};
process.on('uncaughtException', (err) => figures.processErrors.push(`uncaught: ${err.message}`));
process.on('unhandledRejection', (err) => figures.processErrors.push(`unhandled rejection: ${err instanceof Error ? err.message : String(err)}`));

const READY = DEMO_ADVISORS.slice(0, 8).map((a) => a.endpoint);
const FAULT_NAMES = ['AMI cut', 'ARI cut', 'Asterisk restarted'] as const;
type FaultName = (typeof FAULT_NAMES)[number];
const FAULTS = args.faults.split(',').map((f) => f.trim()) as FaultName[];
const [FAULT_GAP_MIN_S, FAULT_GAP_MAX_S] = args['fault-every'].split('-').map(Number) as [number, number];
if (FAULTS.some((f) => !FAULT_NAMES.includes(f)) || !(FAULT_GAP_MIN_S >= 5 && FAULT_GAP_MAX_S >= FAULT_GAP_MIN_S)) {
  console.error(`--faults is a comma list of ${FAULT_NAMES.join(', ')}; --fault-every is MIN-MAX seconds (MIN at least 5)`);
  process.exit(2);
}

async function injectFault(sim: Simulator, server: CallbackServer, name: FaultName): Promise<void> {
  const downMs = between(1000, 5000);
  if (name === 'AMI cut') {
    await sim.stopAmi();
    await sleep(downMs);
    await sim.startAmi();
  } else if (name === 'ARI cut') {
    await sim.stopAri();
    await sleep(downMs);
    await sim.startAri();
  } else {
    await sim.restart();
  }
  const back = Date.now();
  figures.faults[name] = (figures.faults[name] ?? 0) + 1;
  // Routing again = a probe caller is taken by the CTI server's Stasis app (not the dialplan
  // fallback) and the server acts on it: a prompt played or an agent bridged. At peak every
  // agent may be busy, so a bridge alone would measure the queue, not the recovery.
  for (;;) {
    const probe = sim.call({ from: `86139999${String(between(10000, 99999))}`, keys: ['2', '1'], talkMs: 300 });
    const handled = await probe
      .waitStasis(3000)
      .then(() => {
        const before = probe.playbacks.length;
        return probe.waitFor('the CTI server acting on the call', () => probe.bridgedTo !== undefined || probe.playbacks.length > before, 3000);
      })
      .catch(() => false);
    probe.hangup();
    if (handled && probe.stasisApp && !probe.queue) break;
    if (Date.now() - back > 60_000) {
      figures.probeFailures++;
      return;
    }
    await sleep(250);
  }
  figures.recoveriesMs.push(Date.now() - back);
  // The engine's agents went idle through the fault; make sure they are still signed in and ready.
  await server.ready(READY).catch(() => undefined);
}

function placeCall(sim: Simulator, numbers: readonly string[], live: Set<CallHandle>): void {
  const unknown = random() < 0.1;
  const from = unknown ? `8613888${String(between(100000, 999999))}` : pick(numbers);
  // Front IVR: language 2 (en), service 1; then, if the owner is busy: wait, callback, next or no key.
  const choice = pick(['1', '2', '2', '3', '']);
  const abandons = random() < 0.15;
  const call = sim.call({
    from,
    keys: ['2', '1'],
    talkMs: between(8000, 30_000),
    ...(abandons ? { hangupAfterMs: between(2000, 12_000) } : {}),
  });
  figures.offered++;
  live.add(call);
  // The choice is keyed when the prompt naming the owner (or the peak offer) plays.
  void call.waitPlayback(/owner-busy-choices|owner-busy-no-estimate|peak-callback-offer/, 60_000).then(
    () => {
      if (choice) call.press(choice);
    },
    () => undefined,
  );
  void call.waitHangup(10 * 60_000).then(
    () => {
      live.delete(call);
      if (call.queue) figures.dialplanFallback++;
      else if (call.bridgedTo) figures.routed++;
      else figures.abandoned++;
    },
    () => live.delete(call),
  );
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const started = new Date();
  const sim = await startSimulator({
    amiPort: 0,
    ariPort: 0,
    agents: Object.fromEntries(DEMO_ADVISORS.map((a) => [a.endpoint, { kind: 'answer' as const, ringMs: 300 }])),
    memberDefault: { kind: 'answer', ringMs: 400, talkMs: 1500 },
    defaultMediaMs: 200,
    waitScale: 0.05,
    onError: () => figures.simulatorErrors++,
  });
  const database = await createTestDatabase('sqlite');
  const server = await startCallbackServer({
    database,
    sim,
    time: new TestTime(),
    env: {
      CTI_OWNER_MAX_WAIT: '20s',
      CTI_ABANDON_THRESHOLD: '3s',
      CTI_CALLBACK_RETRY_BACKOFF: '30s',
      CTI_CALLBACK_OWNER_WINDOW: '20s',
      CTI_CALLBACK_DELEGATE_WINDOW: '20s',
      CTI_MIN_CONTACT_GAP: '1m',
      CTI_WEEKLY_CONTACT_CAP: '100',
      CTI_CALLBACK_MAX_ATTEMPTS: '5',
      CTI_PEAK_WAIT_THRESHOLD: '20s',
    },
  });
  await server.ready(READY);
  const members = await server.store.members.list({}, { limit: 300, offset: 0 });
  const numbers = members.items.map((m) => m.phones[0]!).filter(Boolean);
  const live = new Set<CallHandle>();
  const endAt = Date.now() + MINUTES * 60_000;
  const maxFaults = Math.max(1, Math.floor((MINUTES * 60) / FAULT_GAP_MIN_S));
  let nextFault = Date.now() + between(FAULT_GAP_MIN_S * 750, FAULT_GAP_MAX_S * 750);
  let faults = 0;
  console.log(`soak: ${MINUTES} min, ${RATE_PER_MIN} calls/min, seed ${args.seed}, up to ${maxFaults} faults`);

  let lastTick = Date.now();
  while (Date.now() < endAt) {
    // Arrivals: a Poisson process at the chosen rate, with a peak every third minute (x2.5).
    const minute = Math.floor((Date.now() - started.getTime()) / 60_000);
    const rate = (RATE_PER_MIN * (minute % 3 === 2 ? 2.5 : 1)) / 60_000;
    const now = Date.now();
    const dt = now - lastTick;
    lastTick = now;
    if (random() < 1 - Math.exp(-rate * dt) && live.size < 60) placeCall(sim, numbers, live);
    if (now >= nextFault && faults < maxFaults) {
      faults++;
      const name = pick(FAULTS);
      console.log(`soak: ${new Date().toISOString()} fault ${faults}: ${name}`);
      await injectFault(sim, server, name);
      nextFault = Date.now() + between(FAULT_GAP_MIN_S * 1000, FAULT_GAP_MAX_S * 1000);
    }
    await sleep(50);
  }

  // Drain: no new calls; give callers and due callbacks time to finish.
  console.log('soak: traffic stopped, draining');
  const drainUntil = Date.now() + 90_000;
  while (live.size > 0 && Date.now() < drainUntil) await sleep(250);
  for (const c of live) c.hangup();
  const open = async () => (await server.store.callbacks.list({ state: ['reserved', 'dialing'] }, { limit: 1, offset: 0 })).total;
  while ((await open()) > 0 && Date.now() < drainUntil) await sleep(500);

  // Every callback, page by page (the store caps a page).
  const all: { items: Awaited<ReturnType<typeof server.store.callbacks.list>>['items']; total: number } = { items: [], total: 0 };
  for (;;) {
    const page = await server.store.callbacks.list({}, { limit: 500, offset: all.items.length }, 'newest');
    all.items.push(...page.items);
    all.total = page.total;
    if (page.items.length === 0 || all.items.length >= page.total) break;
  }
  const byState: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  for (const cb of all.items) {
    byState[cb.state] = (byState[cb.state] ?? 0) + 1;
    byReason[cb.reason] = (byReason[cb.reason] ?? 0) + 1;
  }
  const events = await Promise.all(all.items.map(async (cb) => ({ cb, events: await server.store.callbacks.events(cb.id) })));
  // Lost = promised but not kept: failed (members here always answer, so a failure is a
  // defect), or cancelled by the system for any reason but "member got through" or a merge
  // into a newer callback of the same member that is itself not lost.
  const byId = new Map(events.map((e) => [e.cb.id, e]));
  const isLost = ({ cb, events: ev }: (typeof events)[number], seen: ReadonlySet<number> = new Set()): boolean => {
    if (cb.state === 'failed') return true;
    if (cb.state !== 'cancelled') return false;
    const note = String((ev[ev.length - 1] as { note?: string } | undefined)?.note ?? '');
    if (note.startsWith('member got through')) return false;
    const into = /^merged into callback (\d+)/.exec(note);
    const target = into ? byId.get(Number(into[1])) : undefined;
    return !target || seen.has(target.cb.id) || isLost(target, new Set([...seen, cb.id]));
  };
  const lost = events.filter((e) => isLost(e));
  const closedWhy = (prefix: string) =>
    events.filter(({ cb, events: ev }) => cb.state === 'cancelled' && String((ev[ev.length - 1] as { note?: string } | undefined)?.note ?? '').startsWith(prefix)).length;
  // Dialed twice = a member number originated more often than all its callbacks' recorded attempts.
  const attemptsByNumber = new Map<string, number>();
  for (const cb of all.items) attemptsByNumber.set(cb.number, (attemptsByNumber.get(cb.number) ?? 0) + cb.attempts);
  const overDialed = [...attemptsByNumber].filter(([n, attempts]) => sim.originateCount(`PJSIP/${n}@trunk`) > attempts);
  figures.stillOpenAtEnd = (byState.pending ?? 0) + (byState.reserved ?? 0) + (byState.dialing ?? 0);

  await server.close();
  await sim.close();
  await database.drop();

  const rec = figures.recoveriesMs;
  const report = [
    `### Soak run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${MINUTES} min${MINUTES < 30 ? ' (short run)' : ''}`,
    '',
    `Command: \`node --import tsx scripts/soak.ts --minutes ${MINUTES} --rate ${RATE_PER_MIN} --seed ${args.seed}\``,
    '',
    '| Figure | Value |',
    '| --- | --- |',
    `| Calls offered | ${figures.offered} |`,
    `| Routed by the CTI server (bridged to an agent) | ${figures.routed} |`,
    `| Ended before reaching an agent (abandoned, or hung up after asking for a callback) | ${figures.abandoned} |`,
    `| Sent to the dialplan fallback queue (CTI app away) | ${figures.dialplanFallback} |`,
    `| Callbacks promised (by reason) | ${all.total} (${Object.entries(byReason).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}) |`,
    `| Callbacks kept (completed) | ${byState.completed ?? 0} |`,
    `| Closed because the member got through | ${closedWhy('member got through')} |`,
    `| Merged into a newer callback of the same member | ${closedWhy('merged into callback')} |`,
    `| Still queued at the end (waiting for a free advisor, a retry or pacing; kept in the queue) | ${figures.stillOpenAtEnd} |`,
    `| **Callbacks lost** | **${lost.length}** |`,
    `| Members dialed more often than recorded attempts | ${overDialed.length} |`,
    `| Faults injected and survived | ${Object.entries(figures.faults).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'} |`,
    `| Routing again after a fault (min / median / max) | ${rec.length ? `${Math.min(...rec)} / ${median(rec)} / ${Math.max(...rec)} ms` : 'n/a'} |`,
    `| Faults after which routing did not return within 60 s | ${figures.probeFailures} |`,
    `| Errors seen (simulator errors / uncaught in the process) | ${figures.simulatorErrors} / ${figures.processErrors.length} |`,
    '',
  ].join('\n');
  console.log(report);
  if (args.out) writeFileSync(args.out, report);
  const ok = lost.length === 0 && overDialed.length === 0 && figures.probeFailures === 0 && figures.processErrors.length === 0;
  if (!ok) {
    console.error('soak FAILED:', JSON.stringify({ lost: lost.map((l) => l.cb.id), overDialed, processErrors: figures.processErrors.slice(0, 10) }));
    // What a developer needs to find the cause: each culprit's audit trail.
    const trail = ({ cb, events: ev }: (typeof events)[number]) => ({ id: cb.id, state: cb.state, attempts: cb.attempts, lastResult: cb.lastResult, events: ev });
    const suspects = [...lost, ...events.filter(({ cb }) => overDialed.some(([n]) => n === cb.number))].slice(0, 20);
    if (args.out) writeFileSync(`${args.out}.trails.json`, JSON.stringify(suspects.map(trail), null, 2));
  }
  process.exit(ok ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error('soak could not run:', err);
  process.exit(1);
});
