// The shared vocabulary of the domain. Everything here is plain data: the store
// produces it, the adapters turn Asterisk and desktop events into it, and the pure
// decisions in this folder consume it.

export const ADVISOR_TIERS = ['standard', 'senior', 'vip'] as const;
export type AdvisorTier = (typeof ADVISOR_TIERS)[number];

export const MEMBER_LEVELS = ['regular', 'gold', 'vip'] as const;
export type MemberLevel = (typeof MEMBER_LEVELS)[number];

export const LIFECYCLE_STAGES = ['new', 'active', 'mature', 'dormant', 'lost'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export const ROUTE_REASONS = ['own-advisor', 'delegate', 'pool', 'callback', 'unknown-caller'] as const;
export type RouteReason = (typeof ROUTE_REASONS)[number];

export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Advisor {
  id: number;
  name: string;
  nameZh: string;
  tier: AdvisorTier;
  /** Any Asterisk dial string: `PJSIP/1001`, `SIP/1001`, `Local/1001@agents`. */
  endpoint: string;
  active: boolean;
  /** Members this advisor may own at most (allocation). */
  capacity: number;
  createdAt: string;
}

export interface Member {
  id: number;
  memberNo: string;
  name: string;
  level: MemberLevel;
  /** IANA zone, e.g. `Asia/Shanghai`. */
  timeZone: string;
  language: Language;
  joinedAt: string;
  lastPurchaseAt: string | null;
  purchaseCount: number;
  totalSpend: number;
  notes: string;
  servicePlan: string;
  tags: string[];
  phones: string[];
  ownerId: number | null;
}

export interface OwnershipRecord {
  memberId: number;
  advisorId: number;
  since: string;
  until: string | null;
  reason: string;
  handoverNote: string;
  changedBy: number | null;
}

/** What the agent says on the desktop. */
export const DESKTOP_STATES = ['logged-out', 'ready', 'not-ready', 'wrap-up'] as const;
export type DesktopState = (typeof DESKTOP_STATES)[number];

/** What Asterisk says of the agent's phone (device state, folded). */
export const PHONE_STATES = ['idle', 'ringing', 'in-use', 'unavailable'] as const;
export type PhoneState = (typeof PHONE_STATES)[number];

/** Presence folded for routing (DESIGN.md clarification "Presence -> routing"). */
export type Availability = 'available' | 'busy' | 'absent';

export interface AdvisorPresence {
  advisorId: number;
  desktop: DesktopState;
  notReadyReason: string | null;
  /** A supervisor or the advisor marked them away for the day. */
  markedAbsent: boolean;
  phone: PhoneState;
  /** Epoch ms when the advisor last became idle and ready; drives longest-idle. */
  idleSince: number | null;
  /** Epoch ms when the advisor's current call was answered, if on a call. */
  currentCallSince: number | null;
  /** Epoch ms when wrap-up ends, if in wrap-up. */
  wrapUpUntil: number | null;
}

export const CALLBACK_STATES = ['pending', 'reserved', 'dialing', 'completed', 'failed', 'cancelled'] as const;
export type CallbackState = (typeof CALLBACK_STATES)[number];

export const CALLBACK_REASONS = ['requested', 'abandoned', 'peak-offer', 'manual'] as const;
export type CallbackReason = (typeof CALLBACK_REASONS)[number];

export interface Callback {
  id: number;
  memberId: number | null;
  number: string;
  reason: CallbackReason;
  state: CallbackState;
  /** The advisor the callback belongs to first (the owner, or who promised it). */
  preferredAdvisorId: number | null;
  /** Set by a supervisor: only this advisor may take it. */
  assignedAdvisorId: number | null;
  priority: number;
  /** When the caller first called: keeps their place against live callers. */
  firstCallAt: string;
  dueAt: string;
  /**
   * When the ladder (owner window, then delegates, then pool) starts: the moment the callback
   * became workable as the member or a person asked, at creation or an explicit reschedule.
   * A dialer retry moves `dueAt` but not this, so a retry never reopens the owner's window.
   */
  ladderFrom: string;
  attempts: number;
  maxAttempts: number;
  lastResult: string | null;
  reservedBy: string | null;
  leaseUntil: string | null;
  callId: number | null;
  createdAt: string;
  updatedAt: string;
}

/** One step of a call's routing trail: what was decided, why, and how it went. */
export interface RouteStep {
  at: string;
  step: string;
  reason: RouteReason | null;
  advisorId: number | null;
  detail: string;
  outcome: string | null;
}
