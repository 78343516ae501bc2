// The adapter between live state and the pure route(): it identifies the caller with one
// store lookup, then builds the snapshot from the advisor directory, the presence board
// and the waiting callers, and asks route(). Deciding is synchronous and never touches
// the database, so a call can be re-routed on every event at no cost.
import type { Histogram, Registry } from 'prom-client';
import { Histogram as PromHistogram } from 'prom-client';
import { advisorExpectedWait, poolExpectedWait } from '../domain/expected-wait.js';
import type { AdvisorWaitSettings, WaitEstimate } from '../domain/expected-wait.js';
import type { Advisor, AdvisorPresence, AdvisorTier, Member, OwnershipRecord } from '../domain/model.js';
import { route } from '../domain/route.js';
import type { OwnerChoice, PeakChoice, PoolCandidates, RouteDecision, RouteSettings, RouteSnapshot, TriedAdvisor } from '../domain/route.js';
import { minimumTierFor, tierRank } from '../domain/tiers.js';
import type { PresenceBoard } from '../presence/presence-board.js';
import type { AdvisorDirectory } from './advisor-directory.js';
import { FloorIndex } from './floor-index.js';
import type { WaitingCaller } from './waiting-choice.js';

/** Who is calling, as far as routing cares. */
export interface RoutingContext {
  member: Member | null;
  owner: Advisor | null;
  delegates: readonly Advisor[];
  /** The member's current allocation to the owner, with its handover note (the pop shows it). */
  ownership?: OwnershipRecord | null;
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
