// Who may put a call on an advisor's phone right now. A claim is taken just before an
// originate towards the advisor (an inbound call's leg, a callback's agent leg) and given
// back when that leg ends. Presence alone cannot keep two calls off one phone: a server
// learns of another server's ring only when Asterisk reports the device state, and in
// that gap both may pick the same free advisor (seen as a third of the agent legs of two
// servers dispatching 1,000 callbacks to 20 advisors). One server alone has the same gap
// between its call flow and its callback engine.

export interface AdvisorClaims {
  /** true when `holder` has the advisor now (a claim it already holds counts). */
  claim(advisorId: number, holder: string): Promise<boolean>;
  /** Gives the advisor back if `holder` still has them; never throws. */
  release(advisorId: number, holder: string): Promise<void>;
}

/**
 * A claim outlives its leg only if the release is lost (a crash, a dropped link): after
 * this long it lapses by itself. By then Asterisk reports the phone ringing or in use, and
 * presence keeps other calls away.
 */
export const DEFAULT_CLAIM_TTL_MS = 60_000;

/** The claims of one server: in memory, shared by its call flow and its callback engine. */
export class LocalAdvisorClaims implements AdvisorClaims {
  private readonly held = new Map<number, { holder: string; until: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = DEFAULT_CLAIM_TTL_MS,
  ) {}

  async claim(advisorId: number, holder: string): Promise<boolean> {
    const current = this.held.get(advisorId);
    if (current && current.holder !== holder && current.until > this.now()) return false;
    this.held.set(advisorId, { holder, until: this.now() + this.ttlMs });
    return true;
  }

  async release(advisorId: number, holder: string): Promise<void> {
    if (this.held.get(advisorId)?.holder === holder) this.held.delete(advisorId);
  }
}
