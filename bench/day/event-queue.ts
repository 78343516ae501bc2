// A virtual clock for the discrete-event simulation: events run in time order (ties in
// the order they were scheduled), and the clock jumps from one to the next, so a working
// day takes seconds. Its timers fit the PresenceBoard's setTimer/clearTimer hooks.

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export interface VirtualTimer {
  cancel(): void;
  unref(): void;
}

export class EventQueue {
  private heap: Scheduled[] = [];
  private seq = 0;
  private clock: number;

  constructor(start: number) {
    this.clock = start;
  }

  now = (): number => this.clock;

  at(when: number, fn: () => void): VirtualTimer {
    const item: Scheduled = { at: Math.max(when, this.clock), seq: this.seq++, fn, cancelled: false };
    this.push(item);
    return { cancel: () => (item.cancelled = true), unref: () => undefined };
  }

  after(ms: number, fn: () => void): VirtualTimer {
    return this.at(this.clock + ms, fn);
  }

  /** Runs events until none is left or the next one lies after `until`. */
  run(until: number): void {
    for (;;) {
      const next = this.heap[0];
      if (!next || next.at > until) return;
      this.pop();
      if (next.cancelled) continue;
      this.clock = next.at;
      next.fn();
    }
  }

  get pending(): number {
    return this.heap.length;
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(item: Scheduled): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
