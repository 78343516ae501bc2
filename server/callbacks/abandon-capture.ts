// Abandoned calls become callbacks: the call flow says who hung up while waiting and for
// how long; the service decides (threshold, reached since, merge with an open callback).
// A member who gets through has their waiting abandoned callbacks closed.
import type { CallFlowEvents, CallAnsweredEvent, CallerAbandonedEvent } from '../pbx/call-flow/events.js';
import { CALL_FLOW_EVENTS } from '../pbx/call-flow/events.js';
import type { Logger } from '../shared/logger.js';
import type { CallbackService } from './callback-service.js';

/** Subscribes to the call flow's events; returns the unsubscribe. */
export function captureAbandonedCalls(events: CallFlowEvents, service: CallbackService, log: Logger): () => void {
  const onAbandoned = (event: CallerAbandonedEvent) => {
    service.captureAbandoned(event).then(
      (capture) => {
        if (capture.kind !== 'ignored') log.info({ callId: event.callId, callbackId: capture.callback.id, capture: capture.kind }, 'abandoned call captured');
      },
      (err: unknown) => log.error({ err, callId: event.callId }, 'could not store the abandoned-call callback'),
    );
  };
  const onAnswered = (event: CallAnsweredEvent) => {
    service.memberReached(event).then(
      (closed) => {
        if (closed.length) log.info({ callId: event.callId, callbackIds: closed.map((c) => c.id) }, 'member got through: abandoned callbacks closed');
      },
      (err: unknown) => log.error({ err, callId: event.callId }, 'could not close the abandoned callbacks of a member who got through'),
    );
  };
  events.on(CALL_FLOW_EVENTS.callerAbandoned, onAbandoned);
  events.on(CALL_FLOW_EVENTS.callAnswered, onAnswered);
  return () => {
    events.off(CALL_FLOW_EVENTS.callerAbandoned, onAbandoned);
    events.off(CALL_FLOW_EVENTS.callAnswered, onAnswered);
  };
}
