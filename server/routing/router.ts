// The adapter between live state and the pure route(): it identifies the caller with one
// store lookup, then builds the snapshot from the advisor directory, the presence board
// and the waiting callers, and asks route(). Deciding is synchronous and never touches
// the database, so a call can be re-routed on every event at no cost.
import type { Histogram, Registry } from 'prom-client';
import { Histogram as PromHistogram } from 'prom-client';
import { advisorExpectedWait, poolExpectedWait } from '../domain/expected-wait.js';
import type { AdvisorWaitSettings, WaitEstimate } from '../domain/expected-wait.js';
import { trimmedMeanOfSorted } from '../domain/pool-staffing.js';
import { ADVISOR_TIERS } from '../domain/model.js';
import type { Advisor, AdvisorPresence, AdvisorTier, Member } from '../domain/model.js';
import { foldPresence } from '../domain/presence.js';
import { route } from '../domain/route.js';
import type { AdvisorState, OwnerChoice, PeakChoice, PoolCandidates, RouteDecision, RouteSettings, RouteSnapshot, TriedAdvisor } from '../domain/route.js';
import { minimumTierFor, tierRank } from '../domain/tiers.js';
import type { PresenceBoard } from '../presence/presence-board.js';
import type { AdvisorDirectory } from './advisor-directory.js';
import type { WaitingCaller } from './waiting-choice.js';

/** Who is calling, as far as routing cares. */
export interface RoutingContext {
  member: Member | null;
  owner: Advisor | null;
  delegates: readonly Advisor[];
}

export const UNKNOWN_CALLER: RoutingContext = { member: null, owner: null, delegates: [] };

/** The store's caller lookups (CallerLookup satisfies it). */
export interface CallerContextSource {
  findCallerContext(phone: string): Promise<RoutingContext | null>;
  findCallerContextByMemberNo(memberNo: string): Promise<RoutingContext | null>;
}

/** What already happened on this call: route() decides the next step from it. */
export interface CallProgress {
  tried: readonly TriedAdvisor[];
  ownerWaitTimedOut: boolean;
  ownerChoice: OwnerChoice | null;
  peakChoice: PeakChoice | null;
  /** When the caller first called (epoch ms): callers ahead in the pool are those older. */
  firstCallAt: number;
  callId: string;
}

export interface RouterOptions {
  callers: CallerContextSource;
  directory: AdvisorDirectory;
  presence: PresenceBoard;
  waiting: () => readonly WaitingCaller[];
  settings: RouteSettings;
  /** Expected-wait settings (samples needed, wrap-up after a call). */
  advisorWait: AdvisorWaitSettings;
  /** Advisors this server is ringing right now: seen as ringing before Asterisk says so. */
  reserved: () => Iterable<number>;
  now: () => number;
  registry?: Registry;
}

export class Router {
  private readonly decisionSeconds: Histogram<'decision'> | null;
  private readonly floor: FloorIndex;

  constructor(private readonly options: RouterOptions) {
    this.floor = new FloorIndex(options.directory, options.presence);
    const registry = options.registry;
    const existing = registry?.getSingleMetric(DECISION_METRIC) as Histogram<'decision'> | undefined;
    this.decisionSeconds =
      existing ??
      (registry
        ? new PromHistogram({
            name: DECISION_METRIC,
            help: 'Time from a routing question to its answer: snapshot building and route(), without I/O',
            labelNames: ['decision'] as const,
            buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
            registers: [registry],
          })
        : null);
  }

  get settings(): RouteSettings {
    return this.options.settings;
  }

  /**
   * One store lookup: the member number keyed in the IVR wins over the caller number
   * (a member calling from a friend's phone), and an unknown number is an unknown caller.
   */
  async identify(callerNumber: string, memberNo: string | null): Promise<RoutingContext> {
    const { callers } = this.options;
    for (const candidate of memberNoCandidates(memberNo)) {
      const byNo = await callers.findCallerContextByMemberNo(candidate);
      if (byNo) return byNo;
    }
    if (!callerNumber) return UNKNOWN_CALLER;
    return (await callers.findCallerContext(callerNumber)) ?? UNKNOWN_CALLER;
  }

  decide(context: RoutingContext, progress: CallProgress): RouteDecision {
    const started = process.hrtime.bigint();
    const decision = route(this.snapshot(context, progress));
    this.decisionSeconds?.observe({ decision: decision.kind }, Number(process.hrtime.bigint() - started) / 1e9);
    return decision;
  }

  /** The lowest tier allowed to serve this caller. */
  minimumTier(context: RoutingContext): AdvisorTier {
    return minimumTierFor(context.member?.level ?? null, this.options.settings.tierRules);
  }

  /**
   * Only the owner, the delegates and the pool's free advisors are looked at: the floor's
   * counts, eligible lists and handle-time samples are kept up to date as presence
   * changes (FloorIndex), so a decision costs the same at 12 advisors as at 5,000.
   */
  snapshot(context: RoutingContext, progress: CallProgress): RouteSnapshot {
    const { directory, presence, settings } = this.options;
    const now = this.options.now();
    const reserved = new Set(this.options.reserved());
    // The device state of a phone we just dialled may not have arrived yet: never ring it twice.
    const presenceOf = (id: number): AdvisorPresence | null => {
      const current = presence.get(id) ?? null;
      return current && current.phone === 'idle' && reserved.has(id) ? { ...current, phone: 'ringing', idleSince: null } : current;
    };
    const presences = new Map<number, AdvisorPresence>();
    const byAdvisor = new Map<number, WaitEstimate>();
    const waitSettings = this.options.advisorWait;
    for (const candidate of [context.owner, ...context.delegates]) {
      if (!candidate) continue;
      const current = presenceOf(candidate.id);
      if (current && directory.get(candidate.id)) presences.set(candidate.id, current);
      byAdvisor.set(
        candidate.id,
        advisorExpectedWait({ presence: current, recentHandleTimesMs: presence.recentHandleTimes(candidate.id), now }, waitSettings),
      );
    }
    const minimumRank = tierRank(this.minimumTier(context));
    const pool = this.floor.pool(minimumRank, reserved, now);
    return {
      now,
      member: context.member,
      owner: context.owner,
      delegates: context.delegates,
      presences,
      pool,
      tried: progress.tried,
      ownerWaitTimedOut: progress.ownerWaitTimedOut,
      ownerChoice: progress.ownerChoice,
      peakChoice: progress.peakChoice,
      expectedWaits: { byAdvisor, pool: this.poolWait(progress, minimumRank, pool) },
      settings,
    };
  }

  private poolWait(progress: CallProgress, minimumRank: number, pool: PoolCandidates): WaitEstimate {
    const { advisorWait } = this.options;
    // Pool callers who called before this one compete for the same advisors.
    const callersAhead = this.options
      .waiting()
      .filter((w) => w.callId !== progress.callId && w.waitingFor.kind === 'pool' && w.firstCallAt <= progress.firstCallAt).length;
    const aht = this.floor.averageHandleMs(minimumRank, advisorWait.minSamples);
    return poolExpectedWait({
      callersAhead,
      staffedAgents: this.floor.staffed(minimumRank),
      freeAgents: pool.available.length,
      averageHandleMs: aht === null ? null : aht + advisorWait.wrapUpMs,
    });
  }
}

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
class FloorIndex {
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

export const DECISION_METRIC = 'cti_route_decision_seconds';

/** Digits a phone keypad can send for a member number: `M000042` is keyed `000042` or `42`. */
export const MEMBER_NO_PREFIX = 'M';
const MEMBER_NO_DIGITS = 6;

export function memberNoCandidates(keyed: string | null): string[] {
  const text = (keyed ?? '').trim();
  if (text === '') return [];
  if (!/^\d+$/.test(text)) return [text];
  const padded = `${MEMBER_NO_PREFIX}${text.padStart(MEMBER_NO_DIGITS, '0')}`;
  return [...new Set([text, `${MEMBER_NO_PREFIX}${text}`, padded])];
}
