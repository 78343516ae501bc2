// What the call flow tells the rest of the server: the desktop builds screen pops from
// these, the callback engine reacts to abandons and callback requests, the wallboard
// counts them. Payloads carry everything a screen pop needs so no listener has to
// query the store on the ringing path. They hold member data: never log a payload whole.
import { EventEmitter } from 'node:events';
import type { Advisor, Member, OwnershipRecord, RouteReason, RouteStep } from '../../domain/model.js';
import type { Availability } from '../../domain/model.js';

/** Where a caller was when they hung up without reaching anyone. */
export const ABANDON_PLACES = ['prompt', 'owner-wait', 'pool-wait', 'ringing', 'routing'] as const;
export type AbandonPlace = (typeof ABANDON_PLACES)[number];

/** The front-IVR result passed as Stasis arguments. */
export interface IvrResult {
  /** The service choice keyed in the front IVR (`ivr=`), or null when none was given. */
  choice: string | null;
  /** `lang=`: the caller's prompt language as the IVR chose it. */
  language: string | null;
  /** `member=`: the member number keyed in the IVR, if any. */
  memberNo: string | null;
  /** Every other `key=value` argument, kept for the screen pop. */
  extra: Record<string, string>;
}

/** The member's own advisor as it stood when the step was decided. */
export interface OwnerView {
  advisor: Advisor;
  availability: Availability;
  /** Short text of why: "on a call", "not logged in". */
  presenceText: string;
}

/** Fields every call event carries. */
export interface CallEventBase {
  /** Stable id of the call across events and screen pops: `<node>:<caller channel id>`. */
  callId: string;
  node: string;
  /** The row id in the calls table once stored (null until the insert returned). */
  storedCallId: number | null;
  callerNumber: string;
  member: Member | null;
  owner: OwnerView | null;
  /** The member's allocation to the owner as the caller was identified (its handover note). */
  ownership: OwnershipRecord | null;
  ivr: IvrResult;
  /** ISO time of the event. */
  at: string;
}

export interface AgentRingingEvent extends CallEventBase {
  advisorId: number;
  /** The originated agent channel. */
  agentChannelId: string;
  reason: RouteReason;
  /** "Your own member", "Delegate for Alice", ... for the screen pop. */
  reasonText: string;
  /** Time since the caller entered the call flow. */
  waitedSeconds: number;
  /** Which ring this is for the call (1 for the first advisor tried). */
  attempt: number;
}

export interface CallAnsweredEvent extends CallEventBase {
  advisorId: number;
  agentChannelId: string;
  reason: RouteReason;
  reasonText: string;
  waitedSeconds: number;
}

export const CALL_END_OUTCOMES = ['completed', 'abandoned', 'callback', 'failed', 'lost'] as const;
export type CallEndOutcome = (typeof CALL_END_OUTCOMES)[number];

export interface CallEndedEvent extends CallEventBase {
  outcome: CallEndOutcome;
  /** Who answered, when someone did. */
  advisorId: number | null;
  reason: RouteReason | null;
  waitedMs: number;
  /** Talk time when answered, else 0. */
  talkMs: number;
  trail: RouteStep[];
}

export interface CallerAbandonedEvent extends CallEventBase {
  where: AbandonPlace;
  waitedMs: number;
  /** When the caller first entered the flow (epoch ms): keeps their place in the callback queue. */
  firstCallAt: number;
  /** The advisor the caller was waiting for or being rung to, if any. */
  advisorId: number | null;
}

export const CALLBACK_REQUEST_KINDS = ['requested', 'peak-offer'] as const;
export type CallbackRequestKind = (typeof CALLBACK_REQUEST_KINDS)[number];

export interface CallbackRequestedEvent extends CallEventBase {
  kind: CallbackRequestKind;
  callbackId: number;
  /** The advisor who should call back first (the owner), or null for the pool. */
  preferredAdvisorId: number | null;
  number: string;
  firstCallAt: number;
}

export interface CallFlowEventMap {
  'agent-ringing': [AgentRingingEvent];
  'call-answered': [CallAnsweredEvent];
  'call-ended': [CallEndedEvent];
  'caller-abandoned': [CallerAbandonedEvent];
  'callback-requested': [CallbackRequestedEvent];
}

export const CALL_FLOW_EVENTS = {
  agentRinging: 'agent-ringing',
  callAnswered: 'call-answered',
  callEnded: 'call-ended',
  callerAbandoned: 'caller-abandoned',
  callbackRequested: 'callback-requested',
} as const satisfies Record<string, keyof CallFlowEventMap>;

/**
 * One emitter shared by every node's call flow. Listener errors are the listener's:
 * the emitter catches nothing, so listeners must not throw (a screen pop failing must
 * not drop a call); `safeEmit` below logs and swallows instead.
 */
export class CallFlowEvents extends EventEmitter<CallFlowEventMap> {}

export function safeEmit<K extends keyof CallFlowEventMap>(
  events: CallFlowEvents,
  name: K,
  payload: CallFlowEventMap[K][0],
  onError: (err: unknown) => void,
): void {
  try {
    (events.emit as (n: K, p: CallFlowEventMap[K][0]) => boolean)(name, payload);
  } catch (err) {
    onError(err);
  }
}
