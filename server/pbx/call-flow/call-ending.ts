// The end of an inbound call, whatever ended it: hang up what is left (the agent leg,
// the caller when we end the call, the bridge), store the outcome, feed the handle time
// to the presence board and tell listeners (`caller-abandoned`, then `call-ended`).
import type { CallEndOutcome, AbandonPlace } from './events.js';
import { CALL_FLOW_EVENTS, safeEmit } from './events.js';
import type { InboundCall } from './inbound-call.js';
import type { InboundScriptDeps } from './inbound-script.js';

export type EndCallDeps = Pick<InboundScriptDeps, 'waiting' | 'ringer' | 'control' | 'presence' | 'eventBase' | 'events' | 'recorder' | 'now'>;

/** Hangs up what is left, stores the outcome and tells listeners. */
export async function endCall(call: InboundCall, outcome: CallEndOutcome, abandonedAt: AbandonPlace | null, deps: EndCallDeps): Promise<void> {
  const endedAt = deps.now();
  deps.waiting.remove(call.callId);
  call.keyListener = null;
  if (call.state.accepts('caller-hangup') && !call.state.ended) call.state.fire(call.gone ? 'caller-hangup' : 'failed');
  const leg = call.leg;
  const hangups: Promise<unknown>[] = [];
  if (leg) {
    deps.ringer.release(call, leg);
  }
  if (!call.gone && outcome !== 'failed') hangups.push(deps.control.hangup(call.channelId));
  if (call.bridgeReady && call.bridgeId) {
    const bridgeId = call.bridgeId;
    hangups.push(call.bridgeReady.then(() => deps.control.destroyBridge(bridgeId), () => false));
  }
  const results = await Promise.allSettled(hangups);
  for (const r of results) if (r.status === 'rejected') call.log.warn({ err: r.reason }, 'cleanup step failed');

  const waitedMs = (call.answered?.at ?? endedAt) - call.startedAt;
  const talkMs = call.answered ? endedAt - call.answered.at : 0;
  if (call.answered && talkMs > 0) deps.presence.recordHandleTime(call.answered.advisorId, talkMs);
  const base = deps.eventBase(call);
  const onError = (err: unknown) => call.log.error({ err }, 'call-flow listener failed');
  if (abandonedAt !== null && (outcome === 'abandoned' || outcome === 'lost')) {
    safeEmit(
      deps.events,
      CALL_FLOW_EVENTS.callerAbandoned,
      { ...base, where: abandonedAt, waitedMs, firstCallAt: call.firstCallAt, advisorId: leg?.advisorId ?? waitingFor(call) },
      onError,
    );
  }
  await deps.recorder.close(call, { outcome, abandonedAt, waitedMs, endedAt });
  safeEmit(
    deps.events,
    CALL_FLOW_EVENTS.callEnded,
    {
      ...deps.eventBase(call),
      outcome,
      advisorId: call.answered?.advisorId ?? null,
      reason: call.reason,
      waitedMs,
      talkMs,
      trail: [...call.trail],
    },
    onError,
  );
  call.log.info({ outcome, abandonedAt, waitedMs, talkMs, steps: call.trail.length }, 'call ended');
}

/** The owner a caller was waiting for when they gave up, if they were. */
function waitingFor(call: InboundCall): number | null {
  return call.progress.ownerChoice === 'wait' && !call.progress.ownerWaitTimedOut ? (call.context.owner?.id ?? null) : null;
}
