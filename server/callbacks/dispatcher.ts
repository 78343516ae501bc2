// The one decision point that hands a free advisor their next piece of work: a live
// caller waiting on the line or a due callback, whichever called first (fair virtual
// hold), through the domain's `pickForAdvisor`. It runs in two places with the same
// inputs: as the call flow's waiting-caller policy (when telephony frees an advisor while
// callers wait) and in its own cycle (on presence changes, queue changes and a tick).
// Callback dials start only for advisors free right now, one each, so dials in progress
// never exceed the advisors free for them.
import type { TeamView } from '../domain/callback-ladder.js';
import { maxConcurrentCallbackDials, pickForAdvisor, type DispatchPick, type DispatchSettings } from '../domain/dispatch.js';
import type { Advisor, AdvisorPresence } from '../domain/model.js';
import { foldPresence } from '../domain/presence.js';
import type { PresenceBoard } from '../presence/presence-board.js';
import type { WaitingCaller, WaitingCallerPolicy } from '../routing/waiting-choice.js';
import type { Logger } from '../shared/logger.js';
import type { AdvisorRecord, AdvisorStore } from '../store/advisors.js';
import type { CandidateLoader, QueueSnapshot } from './candidates.js';

/** `taken`: another server claimed it first; `no-link`: no Asterisk node to dial through right now. */
export type StartResult = 'started' | 'taken' | 'no-link';

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
}

/** Pause between back-to-back cycles, so a burst of presence changes makes one more cycle, not many. */
const CYCLE_GAP_MS = 10;

export class Dispatcher {
  private snapshot: QueueSnapshot = { at: 0, candidates: [] };
  private team: { advisors: AdvisorRecord[]; view: TeamView } = { advisors: [], view: { delegatesOf: new Map(), presences: new Map() } };
  /** Advisors given a callback by this engine and not yet done with it. */
  private readonly engaged = new Set<number>();
  /** Advisors who let a callback ring out: not offered another before this time. */
  private readonly coolingUntil = new Map<number, number>();
  /** Callbacks tried since the last snapshot (claimed, or lost to another server). */
  private readonly taken = new Set<number>();
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {}

  /** Which work this advisor takes now, over the last queue snapshot and the live callers. */
  pick(advisor: Advisor, presence: AdvisorPresence | null, live: readonly WaitingCaller[], now: number): DispatchPick {
    const candidates = this.snapshot.candidates.filter((c) => !this.taken.has(c.callback.id));
    const team: TeamView = { delegatesOf: this.team.view.delegatesOf, presences: this.options.presence.snapshot() };
    return pickForAdvisor(advisor, presence, candidates, live, now, this.options.settings, team);
  }

  /** Installed on the call flow's waiting callers: a live caller, or null when a callback comes first. */
  readonly policy: WaitingCallerPolicy = (advisor, presence, waiting, now) => {
    if (this.stopped || this.engaged.has(advisor.id)) return null;
    const pick = this.pick(advisor, presence, waiting, now);
    if (pick.kind === 'serve-live-caller') return waiting.find((w) => w.callId === pick.callId) ?? null;
    if (pick.kind === 'dial-callback') {
      void this.give(advisor, pick).then((result) => {
        if (result === 'taken') this.trigger();
      });
    }
    return null;
  };

  /** An advisor as of the last cycle (for pops: the member's owner). */
  advisor(id: number): Advisor | undefined {
    return this.team.advisors.find((a) => a.id === id);
  }

  engagedAdvisors(): ReadonlySet<number> {
    return this.engaged;
  }

  /** The advisor's callback dial ended; a missed agent leg cools them down for a while. */
  released(advisorId: number, coolDownUntil: number | null): void {
    this.engaged.delete(advisorId);
    if (coolDownUntil !== null) this.coolingUntil.set(advisorId, coolDownUntil);
    this.trigger();
  }

  /** Asks for a cycle soon; cycles never overlap, a request during one runs another after it. */
  trigger(): void {
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
    const advisors = await options.advisors.list({ active: true });
    this.team = {
      advisors,
      view: { delegatesOf: new Map(advisors.map((a) => [a.id, a.delegates])), presences: options.presence.snapshot() },
    };
    this.snapshot = await options.loader.load(now);
    this.taken.clear();
    const busy = new Set(options.inboundBusy());
    const free = advisors
      .map((advisor) => ({ advisor, presence: options.presence.get(advisor.id) ?? null }))
      .filter(({ advisor, presence }) => {
        if (this.engaged.has(advisor.id) || busy.has(advisor.id)) return false;
        if ((this.coolingUntil.get(advisor.id) ?? 0) > now) return false;
        return foldPresence(presence, now).availability === 'available';
      })
      .sort((a, b) => (a.presence?.idleSince ?? now) - (b.presence?.idleSince ?? now) || a.advisor.id - b.advisor.id);
    let budget = maxConcurrentCallbackDials(free.length + options.dialsInProgress(), options.dialsInProgress());
    // Decide for every free advisor first (one line, oldest first), then claim in parallel.
    const claims: Array<Promise<StartResult | 'failed'>> = [];
    for (const { advisor, presence } of free) {
      if (this.stopped || budget <= 0) break;
      const pick = this.pick(advisor, presence, options.waiting?.list() ?? [], now);
      if (pick.kind === 'serve-live-caller') options.waiting?.handTo(pick.callId, advisor.id);
      if (pick.kind !== 'dial-callback') continue;
      budget -= 1;
      claims.push(this.give(advisor, pick));
    }
    const results = await Promise.all(claims);
    // A callback another server claimed first: its advisor looks again in the next cycle.
    if (results.includes('taken')) this.again = true;
  }

  /** Claims the picked callback for the advisor and starts the dial. */
  private async give(advisor: Advisor, pick: Extract<DispatchPick, { kind: 'dial-callback' }>): Promise<StartResult | 'failed'> {
    if (this.engaged.has(advisor.id)) return 'failed';
    this.engaged.add(advisor.id);
    this.taken.add(pick.callbackId);
    const pacing = this.snapshot.candidates.find((c) => c.callback.id === pick.callbackId)?.pacing;
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
    return result;
  }
}
