// Which live waiting caller gets an advisor who just became free. Kept in one replaceable
// place: the default asks the domain's dispatcher pick (oldest first-call time first,
// owner-waiting callers only for their owner, tiers respected) with no callbacks; the
// callback engine replaces it with a policy that merges its callbacks into the same line.
import type { DispatchSettings, LiveCaller } from '../domain/dispatch.js';
import { pickForAdvisor } from '../domain/dispatch.js';
import type { TeamView } from '../domain/callback-ladder.js';
import type { Advisor, AdvisorPresence, AdvisorTier } from '../domain/model.js';

export interface WaitingCaller extends LiveCaller {
  /** `<node>:<caller channel id>`, as in the call-flow events. */
  callId: string;
  node: string;
  memberId: number | null;
  ownerId: number | null;
  /** Epoch ms when this wait began (firstCallAt is when the caller first called). */
  waitingSince: number;
  /** The lowest advisor tier that may serve this caller (from memberLevel and the tier rules); the call flow always sets it. */
  minimumTier?: AdvisorTier;
}

/** Returns the caller to hand the advisor to, or null to leave the advisor free (or busy with other work). */
export type WaitingCallerPolicy = (
  advisor: Advisor,
  presence: AdvisorPresence | null,
  waiting: readonly WaitingCaller[],
  now: number,
) => WaitingCaller | null;

const NO_TEAM: TeamView = { delegatesOf: new Map(), presences: new Map() };

/** The default: live callers only, as the dispatcher would order them. */
export function liveCallersPolicy(settings: DispatchSettings): WaitingCallerPolicy {
  return (advisor, presence, waiting, now) => {
    const pick = pickForAdvisor(advisor, presence, [], waiting, now, settings, NO_TEAM);
    return pick.kind === 'serve-live-caller' ? (waiting.find((w) => w.callId === pick.callId) ?? null) : null;
  };
}
