// Builds the fields every call-flow event carries, with the owner's presence as it is at
// the moment of the event (the screen pop shows who the agent stands in for, and why).
import { describePresence, foldPresence } from '../../domain/presence.js';
import type { PresenceBoard } from '../../presence/presence-board.js';
import type { CallEventBase, OwnerView } from './events.js';
import type { InboundCall } from './inbound-call.js';

export type EventBaseBuilder = (call: InboundCall) => CallEventBase;

export function eventBaseBuilder(presence: PresenceBoard, now: () => number): EventBaseBuilder {
  return (call) => {
    const at = now();
    const owner = call.context.owner;
    let ownerView: OwnerView | null = null;
    if (owner) {
      const verdict = foldPresence(presence.get(owner.id), at);
      ownerView = { advisor: owner, availability: verdict.availability, presenceText: describePresence(verdict) };
    }
    return {
      callId: call.callId,
      node: call.node,
      storedCallId: call.storedId,
      callerNumber: call.callerNumber,
      member: call.context.member,
      owner: ownerView,
      ownership: call.context.ownership ?? null,
      ivr: call.ivr,
      at: new Date(at).toISOString(),
    };
  };
}
