// `npm run bench`: runs the benchmarks and prints one table of figures with their targets.
//   npm run bench                                  everything (how long: docs/performance.md)
//   npm run bench -- --only decision,day           some of them (decision, e2e, dispatcher, scale, day)
//   npm run bench -- --quick                       shorter variants (smaller samples, short runs)
//   npm run bench -- --soak                        benchmark 2 adds a 10-minute memory soak
//   npm run bench -- --json bench/.cache/last.json also writes the figures as JSON
import { cpus, freemem, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decisionPathRows, runDecisionPath } from './decision-path.js';
import { dispatcherRows, runDispatcherPick } from './dispatcher-pick.js';
import { endToEndRows, runEndToEnd } from './end-to-end.js';
import { runScaleOut, scaleOutRows } from './scale-out.js';
import { runWorkingDay, workingDayRows } from './working-day.js';
import { renderTable, row, type FigureRow } from './support/table.js';

const BENCHMARKS = ['decision', 'e2e', 'dispatcher', 'scale', 'day'] as const;
type BenchName = (typeof BENCHMARKS)[number];

const USAGE = `Usage: npm run bench -- [--only ${BENCHMARKS.join(',')}] [--quick] [--soak] [--json <file>]`;

interface RunOptions {
  quick: boolean;
  soak: boolean;
  log: (line: string) => void;
}

type Runner = (o: RunOptions) => Promise<FigureRow[]>;

const RUNNERS: Record<BenchName, Runner> = {
  decision: async (o) =>
    decisionPathRows(await runDecisionPath({ calls: o.quick ? 3_000 : 20_000, warmupCalls: o.quick ? 100 : 300, maxMs: o.quick ? 30_000 : 120_000, progress: o.log })),
  e2e: async (o) =>
    endToEndRows(await runEndToEnd({ stepMs: o.quick ? 10_000 : 30_000, soakMs: o.soak ? 600_000 : o.quick ? 30_000 : 90_000, progress: o.log })),
  dispatcher: async (o) => dispatcherRows(await runDispatcherPick({ cycles: o.quick ? 60 : 300, progress: o.log })),
  scale: async (o) => scaleOutRows(await runScaleOut({ stepMs: o.quick ? 10_000 : 30_000, progress: o.log })),
  day: async (o) => workingDayRows(await runWorkingDay({ days: o.quick ? 1 : 5 })),
};

function parse(): { only: BenchName[]; quick: boolean; soak: boolean; json: string | null } | null {
  try {
    const { values } = parseArgs({
      options: { only: { type: 'string' }, quick: { type: 'boolean' }, soak: { type: 'boolean' }, json: { type: 'string' }, help: { type: 'boolean' } },
    });
    if (values.help) return null;
    const only = (values.only ?? BENCHMARKS.join(','))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = only.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
    if (unknown.length) throw new Error(`Unknown benchmark ${unknown.join(', ')}: choose from ${BENCHMARKS.join(', ')}.`);
    return { only: only as BenchName[], quick: values.quick ?? false, soak: values.soak ?? false, json: values.json ?? null };
  } catch (err) {
    console.error((err as Error).message);
    return null;
  }
}

async function main(): Promise<number> {
  const args = parse();
  if (!args) {
    console.log(USAGE);
    return 2;
  }
  const started = Date.now();
  const log = (line: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
  log(`${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} free), node ${process.version}${args.quick ? ', quick variants' : ''}`);
  const rows: FigureRow[] = [];
  for (const name of args.only) {
    log(`running ${name}`);
    const benchStarted = Date.now();
    try {
      rows.push(...(await RUNNERS[name]({ quick: args.quick, soak: args.soak, log })));
    } catch (err) {
      log(`${name} failed: ${(err as Error).stack ?? String(err)}`);
      rows.push(row(name, 'error', (err as Error).message.slice(0, 120)));
    }
    log(`${name} took ${((Date.now() - benchStarted) / 1000).toFixed(0)} s`);
  }
  console.log(renderTable(rows));
  console.log(`\n${args.only.length} benchmark(s) in ${((Date.now() - started) / 1000).toFixed(0)} s; load average at the end ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), rows }, null, 2));
  return 0;
}

process.exitCode = await main();
