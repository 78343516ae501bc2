// The table `npm run bench` prints: one row a figure, with its target and whether it is met.

export interface FigureRow {
  /** Benchmark number and short name, e.g. "1 decision path". */
  bench: string;
  measure: string;
  value: string;
  /** Empty when the figure is informative only. */
  target: string;
  /** null: no target, or the figure could not be measured. */
  met: boolean | null;
}

export function row(bench: string, measure: string, value: string, target = '', met: boolean | null = null): FigureRow {
  return { bench, measure, value, target, met };
}

const HEADERS = ['benchmark', 'figure', 'value', 'target', 'met?'] as const;

function metText(met: boolean | null, target: string): string {
  if (met === null) return target ? '?' : '';
  return met ? 'yes' : 'NO';
}

export function renderTable(rows: readonly FigureRow[]): string {
  const cells = rows.map((r) => [r.bench, r.measure, r.value, r.target, metText(r.met, r.target)]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(HEADERS), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
