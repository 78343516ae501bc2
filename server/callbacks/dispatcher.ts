// The one decision point that hands a free advisor their next piece of work: a live
// caller waiting on the line or a due callback, whichever called first (fair virtual
// hold), through the domain's `pickForAdvisor`. It runs in two places with the same
// inputs: as the call flow's waiting-caller policy (when telephony frees an advisor while
// callers wait) and in its own cycle (on presence changes, queue changes and a tick).
// Callback dials start only for advisors free right now, one each, so dials in progress
// never exceed the advisors free for them.
// A cycle for a freed advisor decides over the queue snapshot the last full cycle loaded
// (the tick refreshes it every second) instead of querying the queue again: the database
// round trips were the whole cost of handing a freed advisor their next callback. It also
// decides for the advisors freed since the last cycle only: the others were offered this
// snapshot already and got nothing, and on a floor of thousands, deciding again for every
// free advisor on each of the hundreds of presence changes a second was most of the
// server's work. A full cycle (queue changed, the tick) decides for every free advisor.
import type { TeamView } from '../domain/callback-ladder.js';
import { maxConcurrentCallbackDials, pickForAdvisor, type CallbackCandidate, type DispatchPick, type DispatchSettings } from '../domain/dispatch.js';
import type { Advisor, AdvisorPresence } from '../domain/model.js';
import { foldPresence } from '../domain/presence.js';
import type { PresenceBoard } from '../presence/presence-board.js';
import type { WaitingCaller, WaitingCallerPolicy } from '../routing/waiting-choice.js';
import type { Logger } from '../shared/logger.js';
import type { AdvisorRecord, AdvisorStore } from '../store/advisors.js';
import type { CandidateLoader, QueueSnapshot } from './candidates.js';

/**
 * `taken`: another server claimed the callback first; `advisor-busy`: another call (another
 * server's, or this one's call flow) has the advisor; `no-link`: no Asterisk node to dial
 * through right now.
 */
export type StartResult = 'started' | 'taken' | 'advisor-busy' | 'no-link';

/** Live callers waiting, and the hand-over to one of them (the call flow's WaitingCallers). */
export interface WaitingLine {
  list(): WaitingCaller[];
  handTo(callId: string, advisorId: number): boolean;
}

export interface DispatcherOptions {
  advisors: Pick<AdvisorStore, 'list'>;
  presence: PresenceBoard;
  loader: Pick<CandidateLoader, 'load'>;
  settings: DispatchSettings;
  waiting: WaitingLine | null;
  /** Advisors the call flow is ringing or connected to right now (before device states say so). */
  inboundBusy: () => Iterable<number>;
  /** Claims the callback for this advisor and starts dialing. */
  startCallback: (callbackId: number, advisor: Advisor, pick: Extract<DispatchPick, { kind: 'dial-callback' }>) => Promise<StartResult>;
  /** Callback dials this engine has in progress. */
  dialsInProgress: () => number;
  now: () => number;
  log: Logger;
  /**
   * How old a queue snapshot may be for a freed advisor's cycle to reuse it (default 2 s,
   * twice the default dispatch tick, so the tick refreshes it before it expires).
   */
  snapshotMaxAgeMs?: number;
}

/** Pause between back-to-back cycles, so a burst of presence changes makes one more cycle, not many. */
const CYCLE_GAP_MS = 10;

const DEFAULT_SNAPSHOT_MAX_AGE_MS = 2_000;

/** An advisor another call has is not offered work for this long: presence shows them busy by then. */
const ADVISOR_BUSY_PAUSE_MS = 1_000;

/**
 * How long the advisor list (tiers, delegate chains, who is active) is reused. Advisors are
 * edited by hand a few times a day, while full cycles run on every queue change and every
 * tick; reloading 2,000 advisors with their delegates each time cost more than the rest
 * of the cycle. An edit reaches the dispatcher within this long.
 */
const TEAM_MAX_AGE_MS = 5_000;

interface Team {
  advisors: AdvisorRecord[];
  byId: ReadonlyMap<number, AdvisorRecord>;
  delegatesOf: ReadonlyMap<number, readonly number[]>;
  loadedAt: number;
}

export class Dispatcher {
  private snapshot: QueueSnapshot | null = null;
  /** The snapshot's candidates not yet tried (see `taken`). */
  private open: CallbackCandidate[] = [];
  private team: Team | null = null;
  /** The live presences, read where the ladder asks (no copy of the board per pick). */
  private readonly presences: TeamView['presences'];
  /** Advisors given a callback by this engine and not yet done with it. */
  private readonly engaged = new Set<number>();
  /** Advisors who let a callback ring out: not offered another before this time. */
  private readonly coolingUntil = new Map<number, number>();
  /** Callbacks tried since the last snapshot (claimed, or lost to another server). */
  private readonly taken = new Set<number>();
  private running: Promise<void> | null = null;
  private again = false;
  /** The next cycle loads the queue again (something other than a freed advisor asked for it). */
  private reloadWanted = true;
  /** Advisors freed since the last cycle: a cycle over an unchanged snapshot decides for them alone. */
  private readonly freed = new Set<number>();
  /** The next cycle decides for every free advisor (a callback went back to the line). */
  private everyoneWanted = false;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {
    this.presences = { get: (id) => options.presence.get(id) };
  }

  /** Which work this advisor takes now, over the last queue snapshot and the live callers. */
  pick(advisor: Advisor, presence: AdvisorPresence | null, live: readonly WaitingCaller[], now: number): DispatchPick {
    const team: TeamView = { delegatesOf: this.team?.delegatesOf ?? NO_DELEGATES, presences: this.presences };
    return pickForAdvisor(advisor, presence, this.open, live, now, this.options.settings, team);
  }

  /** Installed on the call flow's waiting callers: a live caller, or null when a callback comes first. */
  readonly policy: WaitingCallerPolicy = (advisor, presence, waiting, now) => {
    if (this.stopped || this.engaged.has(advisor.id)) return null;
    const pick = this.pick(advisor, presence, waiting, now);
    if (pick.kind === 'serve-live-caller') return waiting.find((w) => w.callId === pick.callId) ?? null;
    if (pick.kind === 'dial-callback') {
      void this.give(advisor, pick).then((result) => {
        if (result === 'taken') this.trigger();
        if (result === 'advisor-busy') this.offerAgain();
      });
    }
    return null;
  };

  /** An advisor as of the last cycle (for pops: the member's owner). */
  advisor(id: number): Advisor | undefined {
    return this.team?.byId.get(id);
  }

  engagedAdvisors(): ReadonlySet<number> {
    return this.engaged;
  }

  /** The advisor's callback dial ended; a missed agent leg cools them down for a while. */
  released(advisorId: number, coolDownUntil: number | null): void {
    this.engaged.delete(advisorId);
    if (coolDownUntil !== null) this.coolingUntil.set(advisorId, coolDownUntil);
    this.advisorFreed(advisorId);
  }

  /**
   * Asks for a cycle over a freshly loaded queue soon (the queue changed, the tick, or the
   * caller cannot tell); cycles never overlap, a request during one runs another after it.
   */
  trigger(): void {
    this.reloadWanted = true;
    this.schedule();
  }

  /** A callback went back to the line: a cycle for every free advisor, over the same snapshot. */
  private offerAgain(): void {
    this.everyoneWanted = true;
    this.schedule();
  }

  /** An advisor became free: a cycle for them soon, over the last queue snapshot while it is recent. */
  advisorFreed(advisorId: number): void {
    this.freed.add(advisorId);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.cycle();
        } catch (err) {
          this.options.log.error({ err }, 'callback dispatch cycle failed; retrying on the next tick');
        }
        // Requests that came in during a cycle are served by one more, after a breath.
        if (this.again) await new Promise((resolve) => setTimeout(resolve, CYCLE_GAP_MS));
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when no cycle is running (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.settled();
  }

  private async cycle(): Promise<void> {
    const { options } = this;
    const now = options.now();
    const maxAge = options.snapshotMaxAgeMs ?? DEFAULT_SNAPSHOT_MAX_AGE_MS;
    let team = this.team;
    const freed = [...this.freed];
    this.freed.clear();
    let everyone = this.everyoneWanted;
    this.everyoneWanted = false;
    if (this.reloadWanted || !this.snapshot || !team || !(now - this.snapshot.at <= maxAge)) {
      everyone = true;
      // Cleared first: a queue change while loading asks for one more reload after this one.
      this.reloadWanted = false;
      try {
        if (!team || !(now - team.loadedAt <= TEAM_MAX_AGE_MS)) team = this.team = await this.loadTeam(now);
        this.snapshot = await options.loader.load(now);
      } catch (err) {
        this.reloadWanted = true;
        throw err;
      }
      this.taken.clear();
      this.open = this.snapshot.candidates;
    }
    const considered = everyone ? team.advisors : freed.flatMap((id) => team.byId.get(id) ?? []);
    if (considered.length === 0) return;
    const busy = new Set(options.inboundBusy());
    const free: Array<{ advisor: AdvisorRecord; presence: AdvisorPresence | null }> = [];
    for (const advisor of considered) {
      if (this.engaged.has(advisor.id) || busy.has(advisor.id)) continue;
      if ((this.coolingUntil.get(advisor.id) ?? 0) > now) continue;
      const presence = options.presence.get(advisor.id) ?? null;
      if (foldPresence(presence, now).availability === 'available') free.push({ advisor, presence });
    }
    free.sort((a, b) => (a.presence?.idleSince ?? now) - (b.presence?.idleSince ?? now) || a.advisor.id - b.advisor.id);
    let budget = maxConcurrentCallbackDials(free.length + options.dialsInProgress(), options.dialsInProgress());
    // Decide for every free advisor first (one line, oldest first), then claim in parallel.
    const claims: Array<Promise<StartResult | 'failed'>> = [];
    let live = options.waiting?.list() ?? [];
    for (const { advisor, presence } of free) {
      if (this.stopped || budget <= 0) break;
      const pick = this.pick(advisor, presence, live, now);
      if (pick.kind === 'serve-live-caller') {
        options.waiting?.handTo(pick.callId, advisor.id);
        live = live.filter((caller) => caller.callId !== pick.callId);
      }
      if (pick.kind !== 'dial-callback') continue;
      budget -= 1;
      claims.push(this.give(advisor, pick));
    }
    const results = await Promise.all(claims);
    // A callback another server claimed first: the queue changed under us, so its advisor
    // looks again in the next cycle, over a fresh snapshot.
    if (results.includes('taken')) {
      this.again = true;
      this.reloadWanted = true;
    }
    // The callback an advisor could not take is free for the others.
    if (results.includes('advisor-busy')) {
      this.again = true;
      this.everyoneWanted = true;
    }
  }

  private async loadTeam(now: number): Promise<Team> {
    const advisors = await this.options.advisors.list({ active: true });
    return {
      advisors,
      byId: new Map(advisors.map((a) => [a.id, a])),
      delegatesOf: new Map(advisors.map((a) => [a.id, a.delegates])),
      loadedAt: now,
    };
  }

  /** Claims the picked callback for the advisor and starts the dial. */
  private async give(advisor: Advisor, pick: Extract<DispatchPick, { kind: 'dial-callback' }>): Promise<StartResult | 'failed'> {
    if (this.engaged.has(advisor.id)) return 'failed';
    this.engaged.add(advisor.id);
    this.take(pick.callbackId);
    const pacing = this.snapshot?.candidates.find((c) => c.callback.id === pick.callbackId)?.pacing;
    if (pacing?.allowed && pacing.overridden.length > 0) {
      // Dialing past a pacing rule happens only on a supervisor's word: say whose and why.
      this.options.log.info({ callbackId: pick.callbackId, advisorId: advisor.id, overridden: pacing.overridden, by: pacing.override?.by }, pacing.explanation);
    }
    let result: StartResult | 'failed' = 'failed';
    try {
      result = await this.options.startCallback(pick.callbackId, advisor, pick);
    } catch (err) {
      this.options.log.error({ err, callbackId: pick.callbackId, advisorId: advisor.id }, 'could not start the callback dial');
    }
    if (result !== 'started') this.engaged.delete(advisor.id);
    if (result === 'advisor-busy') this.coolingUntil.set(advisor.id, this.options.now() + ADVISOR_BUSY_PAUSE_MS);
    // Nothing was claimed: like a fresh snapshot would, the next cycle may offer it again.
    if (result === 'no-link' || result === 'advisor-busy') this.untake(pick.callbackId);
    return result;
  }

  private take(callbackId: number): void {
    this.taken.add(callbackId);
    this.open = this.open.filter((c) => c.callback.id !== callbackId);
  }

  private untake(callbackId: number): void {
    if (!this.taken.delete(callbackId)) return;
    const { snapshot } = this;
    if (snapshot) this.open = snapshot.candidates.filter((c) => !this.taken.has(c.callback.id));
  }
}

const NO_DELEGATES: ReadonlyMap<number, readonly number[]> = new Map();
