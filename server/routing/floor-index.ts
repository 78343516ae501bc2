// The pool's figures per minimum tier, kept up to date from presence events so the
// router reads them in constant time per decision (see FloorIndex).
import { ADVISOR_TIERS } from '../domain/model.js';
import type { Advisor, AdvisorPresence } from '../domain/model.js';
import { trimmedMeanOfSorted } from '../domain/pool-staffing.js';
import { foldPresence } from '../domain/presence.js';
import type { AdvisorState, PoolCandidates } from '../domain/route.js';
import { tierRank } from '../domain/tiers.js';
import type { PresenceBoard } from '../presence/presence-board.js';
import type { AdvisorDirectory } from './advisor-directory.js';

/** Whether presence could make an advisor available at some moment (a timed wrap-up only delays it). */
const mayBeAvailable = (p: AdvisorPresence | null): boolean => foldPresence(p, Infinity).availability === 'available';
const isStaffed = (p: AdvisorPresence | null): boolean => foldPresence(p, 0).availability !== 'absent';
const validSample = (d: number): boolean => Number.isFinite(d) && d > 0;

/**
 * The pool's figures for each minimum tier (by rank: the advisors of that tier or above),
 * kept from the presence board's events instead of recounted per decision: staffed
 * counts, the advisors who may be free (checked against the clock when asked, since a
 * timed wrap-up ends without an event), the eligible ids, and every eligible advisor's
 * recent handle times in one sorted list for the trimmed-mean handle time. Rebuilt from
 * scratch when the directory reloads or the board tracks or forgets an advisor.
 */
export class FloorIndex {
  private builtFor = { directory: -1, roster: -1 };
  /** Active directory advisors, with the presence and valid samples last counted for them. */
  private active = new Map<number, { advisor: Advisor; rank: number; presence: AdvisorPresence | null; samples: number[] }>();
  /** Per exact tier rank. */
  private staffedByRank: number[] = [];
  private mayBeFreeByRank: Map<number, AdvisorState>[] = [];
  /** Per minimum rank. */
  private eligibleByRank: number[][] = [];
  private samplesByRank: number[][] = [];
  private ahtByRank: (number | null | undefined)[] = [];

  constructor(
    private readonly directory: AdvisorDirectory,
    private readonly board: PresenceBoard,
  ) {
    board.on('change', ({ current }) => {
      if (this.fresh()) this.applyPresence(current.advisorId);
    });
    board.on('handle-time', (advisorId) => {
      if (this.fresh()) this.applySamples(advisorId);
    });
  }

  pool(minimumRank: number, reserved: ReadonlySet<number>, now: number): PoolCandidates {
    this.refresh();
    const available: AdvisorState[] = [];
    for (let rank = minimumRank; rank < ADVISOR_TIERS.length; rank += 1) {
      for (const state of this.mayBeFreeByRank[rank]!.values()) {
        // A reserved phone is ringing (see Router.snapshot); a wrap-up may still be running.
        if (!reserved.has(state.advisor.id) && foldPresence(state.presence, now).availability === 'available') available.push(state);
      }
    }
    return { eligibleIds: this.eligibleByRank[minimumRank]!, available };
  }

  staffed(minimumRank: number): number {
    this.refresh();
    let staffed = 0;
    for (let rank = minimumRank; rank < ADVISOR_TIERS.length; rank += 1) staffed += this.staffedByRank[rank]!;
    return staffed;
  }

  averageHandleMs(minimumRank: number, minSamples: number): number | null {
    this.refresh();
    let aht = this.ahtByRank[minimumRank];
    if (aht === undefined) {
      aht = trimmedMeanOfSorted(this.samplesByRank[minimumRank]!, minSamples);
      this.ahtByRank[minimumRank] = aht;
    }
    return aht;
  }

  private fresh(): boolean {
    return this.builtFor.directory === this.directory.version && this.builtFor.roster === this.board.roster;
  }

  private refresh(): void {
    if (this.fresh()) return;
    const ranks = ADVISOR_TIERS.length;
    this.active = new Map();
    this.staffedByRank = new Array<number>(ranks).fill(0);
    this.mayBeFreeByRank = Array.from({ length: ranks }, () => new Map());
    this.eligibleByRank = Array.from({ length: ranks }, () => []);
    this.samplesByRank = Array.from({ length: ranks }, () => []);
    this.ahtByRank = new Array<undefined>(ranks).fill(undefined);
    for (const advisor of this.directory.all()) {
      const rank = tierRank(advisor.tier);
      // An unknown tier fits no caller (tierFits), so it is never in the pool.
      if (!advisor.active || rank < 0) continue;
      this.active.set(advisor.id, { advisor, rank, presence: null, samples: [] });
      for (let r = 0; r <= rank; r += 1) this.eligibleByRank[r]!.push(advisor.id);
      this.applyPresence(advisor.id);
      const entry = this.active.get(advisor.id)!;
      entry.samples = this.board.recentHandleTimes(advisor.id).filter(validSample);
      for (let r = 0; r <= rank; r += 1) this.samplesByRank[r]!.push(...entry.samples);
    }
    for (const samples of this.samplesByRank) samples.sort((a, b) => a - b);
    this.builtFor = { directory: this.directory.version, roster: this.board.roster };
  }

  /** Re-reads the board rather than trusting the event, so nested or reordered events cannot skew the counts. */
  private applyPresence(advisorId: number): void {
    const entry = this.active.get(advisorId);
    if (!entry) return;
    const presence = this.board.get(advisorId) ?? null;
    const before = entry.presence;
    if (presence === before) return;
    this.staffedByRank[entry.rank]! += Number(isStaffed(presence)) - Number(isStaffed(before));
    if (mayBeAvailable(presence)) this.mayBeFreeByRank[entry.rank]!.set(advisorId, { advisor: entry.advisor, presence });
    else this.mayBeFreeByRank[entry.rank]!.delete(advisorId);
    entry.presence = presence;
  }

  private applySamples(advisorId: number): void {
    const entry = this.active.get(advisorId);
    if (!entry) return;
    const next = this.board.recentHandleTimes(advisorId).filter(validSample);
    const [removed, added] = multisetDifference(entry.samples, next);
    for (let r = 0; r <= entry.rank; r += 1) {
      const sorted = this.samplesByRank[r]!;
      for (const d of removed) sorted.splice(sortedIndex(sorted, d), 1);
      for (const d of added) sorted.splice(sortedIndex(sorted, d), 0, d);
      this.ahtByRank[r] = undefined;
    }
    entry.samples = next;
  }
}

/** First index in ascending `sorted` whose value is not below `value`. */
function sortedIndex(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What leaves and what joins going from `before` to `after`, as multisets (a few dozen values). */
function multisetDifference(before: readonly number[], after: readonly number[]): [removed: number[], added: number[]] {
  const a = [...before].sort((x, y) => x - y);
  const b = [...after].sort((x, y) => x - y);
  const removed: number[] = [];
  const added: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) removed.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) added.push(b[j++]!);
    else {
      i += 1;
      j += 1;
    }
  }
  return [removed, added];
}
