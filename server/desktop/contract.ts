// The Socket.IO contract between the CTI server and the agent desktop / supervisor
// console: event names, rooms, payload shapes and the validation of what clients send.
// docs/desktop.md is the prose version of this file; keep them together.
import { z } from 'zod';
import type {
  AdvisorTier,
  CallbackReason,
  CallbackState,
  DesktopState,
  LifecycleStage,
  MemberLevel,
  PhoneState,
  RouteReason,
} from '../domain/model.js';
import type { SessionUser } from '../domain/session.js';

export const SERVER_EVENTS = {
  screenPop: 'screen-pop',
  screenPopUpdate: 'screen-pop:update',
  agentState: 'agent:state',
  callbackOffer: 'callback:offer',
  wallboard: 'wallboard',
  callbacksChanged: 'callbacks:changed',
} as const;

export const CLIENT_EVENTS = {
  agentState: 'agent:state',
  screenPopAck: 'screen-pop:ack',
} as const;

export const ROOMS = {
  supervisors: 'supervisors',
  agent: (advisorId: number) => `agent:${advisorId}`,
  token: (tokenId: number) => `token:${tokenId}`,
} as const;

export const POP_PHASES = ['ringing', 'answered', 'ended'] as const;
export type PopPhase = (typeof POP_PHASES)[number];

/** The states an agent may ask for from the desktop; `logged-out` follows from disconnecting. */
export const REQUESTABLE_STATES = ['ready', 'not-ready', 'wrap-up'] as const;
export type RequestableState = (typeof REQUESTABLE_STATES)[number];

export interface PopMember {
  id: number;
  memberNo: string;
  name: string;
  level: MemberLevel;
  phones: string[];
  lifecycle?: { stage: LifecycleStage; atRisk: boolean };
  lastPurchaseAt: string | null;
  purchaseCount: number;
  totalSpend: number;
  tags: string[];
  notes: string;
  servicePlan: string;
  timeZone?: string;
  language?: string;
}

export interface PopOwner {
  id: number;
  name: string;
  nameZh: string;
  tier: AdvisorTier;
  /** Folded presence of the owner as the pop was built: the agent sees who they stand in for. */
  state: DesktopState | 'absent' | 'on-call' | 'ringing';
}

export interface PopCallback {
  id: number;
  reason: CallbackReason;
  firstCallAt: string;
  dueAt: string;
  attempts: number;
  promisedByAdvisorId?: number | null;
  note?: string;
}

export interface ScreenPop {
  popId: string;
  /** The call flow's id of the call (`<node>:<channel id>`). */
  callId: string;
  /** The call record's id (GET /api/calls/:id, dispositions), once the call is recorded. */
  callRecordId?: number | null;
  phase: PopPhase;
  callerNumber: string;
  member: PopMember | null;
  owner: PopOwner | null;
  reason: RouteReason;
  /** Server-rendered sentence ("Delegate for Alice"); the desktop renders its own from `reason` + `owner`. */
  reasonText: string;
  /** Front-IVR result: language, service choice, keyed member number... */
  ivr: { language?: string; choice?: string; choiceLabel?: string; memberNo?: string; [key: string]: unknown };
  waitedSeconds: number;
  callback: PopCallback | null;
  handoverNote?: { text: string; fromAdvisorName?: string; at: string } | null;
  lifecycle?: { stage: LifecycleStage; atRisk: boolean };
  /** When the phase began (ISO); the desktop counts talk time from it. */
  phaseAt?: string;
  /** With phase `ended`: `missed` when this agent never answered (the call was routed on or hung up while ringing). */
  outcome?: 'answered' | 'missed' | 'abandoned';
  /** Set by the gateway when a desktop said it rendered the pop. */
  ackedAt?: string | null;
}

export interface AgentStateView {
  advisorId: number;
  state: DesktopState;
  reason?: string | null;
  phone: PhoneState;
  markedAbsent?: boolean;
  /** When the current state began (ISO). */
  since?: string | null;
}

export interface CallbackOffer {
  callbackId: number;
  memberId: number | null;
  memberName: string | null;
  number: string;
  reason: CallbackReason;
  dueAt: string;
  /** The preview pop that follows as the agent's phone rings, when already known. */
  popId?: string | null;
}

export const CALLBACK_CHANGE_ACTIONS = [
  'created',
  'updated',
  'assigned',
  'rescheduled',
  'reserved',
  'dialing',
  'completed',
  'failed',
  'cancelled',
] as const;
export type CallbackChangeAction = (typeof CALLBACK_CHANGE_ACTIONS)[number];

export interface CallbacksChanged {
  action: CallbackChangeAction;
  callbackIds: number[];
  at: string;
  state?: CallbackState;
}

export interface WallboardAdvisor {
  advisorId: number;
  name: string;
  nameZh: string;
  tier: AdvisorTier;
  state: DesktopState;
  phone: PhoneState;
  reason: string | null;
  markedAbsent: boolean;
  since: string | null;
}

export interface WallboardWaitingCall {
  callId: string;
  callerNumber: string;
  memberName: string | null;
  memberLevel: MemberLevel | null;
  reason: RouteReason;
  targetAdvisorId: number | null;
  waitingSince: string;
}

export interface WallboardCallback {
  id: number;
  memberName: string | null;
  number: string;
  reason: CallbackReason;
  state: CallbackState;
  preferredAdvisorId: number | null;
  firstCallAt: string;
  dueAt: string;
}

export interface Wallboard {
  at: string;
  advisors: WallboardAdvisor[];
  waiting: WallboardWaitingCall[];
  /** Open callbacks (pending, reserved, dialing), oldest first. */
  callbacks: WallboardCallback[];
  today: {
    affinity: { own: number; delegate: number; pool: number; rate: number };
    /** Share answered within the service-level threshold, 0..1. */
    serviceLevel: number;
    /** Share of offered calls abandoned, 0..1. */
    abandonment: number;
    offered: number;
    answered: number;
    abandoned: number;
  };
}

export interface PopReceipt {
  popId: string;
}

export interface AckResult {
  ok: boolean;
  error?: { code: string; message: string };
}

export interface ServerToClientEvents {
  'screen-pop': (pop: ScreenPop, ack: (receipt: PopReceipt) => void) => void;
  'screen-pop:update': (pop: ScreenPop, ack: (receipt: PopReceipt) => void) => void;
  'agent:state': (state: AgentStateView) => void;
  'callback:offer': (offer: CallbackOffer) => void;
  wallboard: (wallboard: Wallboard) => void;
  'callbacks:changed': (change: CallbacksChanged) => void;
}

export interface ClientToServerEvents {
  'agent:state': (payload: unknown, ack?: (result: AckResult) => void) => void;
  'screen-pop:ack': (payload: unknown, ack?: (result: AckResult) => void) => void;
}

/** Between CTI servers (through the Redis adapter). */
export interface InterServerEvents {
  /** Deliver this pop to the agent's desktop sockets held by the receiving server. */
  'screen-pop:deliver': (advisorId: number, event: 'screen-pop' | 'screen-pop:update', pop: ScreenPop) => void;
}

export interface SocketData {
  user: SessionUser;
}

export const agentStateRequestSchema = z
  .object({
    state: z.enum(REQUESTABLE_STATES),
    reason: z.string().trim().min(1).max(80).optional(),
  })
  .strict();
export type AgentStateRequest = z.infer<typeof agentStateRequestSchema>;

export const popAckSchema = z.object({ popId: z.string().min(1).max(200) }).strict();
