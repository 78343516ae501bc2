// Ringing one advisor for a caller: the originate towards the advisor's endpoint (any dial
// string) and the mixing bridge are created in parallel, the `agent-ringing` event goes
// out as the originate is placed, and the leg's fate (answered, no answer, busy, rejected,
// failed) comes from the ARI events the call flow feeds in. On answer the caller's hold
// media stops and both channels join the bridge.
import type { Advisor } from '../../domain/model.js';
import type { AdvisorClaims } from '../../presence/advisor-claims.js';
import type { RouteDecision } from '../../domain/route.js';
import type { PromptRequest } from '../../prompts/builder.js';
import { AriHttpError } from '../ari/errors.js';
import { DIAL_STATUSES, HANGUP_CAUSES } from '../ari/protocol.js';
import type { CallControl } from './call-control.js';
import { isGone, isUnreachable } from './call-control.js';
import type { CallFlowEvents } from './events.js';
import { CALL_FLOW_EVENTS, safeEmit } from './events.js';
import type { AgentLeg, InboundCall, LegOutcome } from './inbound-call.js';
import { CallerGoneError, deferred, unlessGone } from './inbound-call.js';
import type { PromptPlayer } from './prompt-player.js';
import type { AdvisorReservations } from './reservations.js';
import { agentLegArgs } from './stasis-args.js';
import type { EventBaseBuilder } from './event-payloads.js';

export type RingDecision = Extract<RouteDecision, { kind: 'ring-advisor' }>;

export interface AgentRingerOptions {
  app: string;
  control: CallControl;
  player: PromptPlayer;
  events: CallFlowEvents;
  eventBase: EventBaseBuilder;
  advisor: (id: number) => Advisor | undefined;
  /** Advisors being rung right now, on every node: routing treats them as ringing. */
  reservations: AdvisorReservations;
  /** Taken before the originate, so no other call (another server's, a callback) rings the advisor meanwhile. */
  claims: AdvisorClaims;
  /** Lets the call flow match the leg's events to the call before the originate returns. */
  trackLeg: (channelId: string, call: InboundCall) => void;
  untrackLeg: (channelId: string) => void;
  newId: (prefix: string) => string;
  now: () => number;
}

/** How a leg that never reached StasisStart ended, from its last dial status and hangup cause. */
export function legOutcomeOf(dialStatus: string, cause: number): Exclude<LegOutcome, 'answered'> {
  if (dialStatus === DIAL_STATUSES.BUSY || cause === HANGUP_CAUSES.UserBusy) return 'busy';
  if (cause === HANGUP_CAUSES.CallRejected) return 'rejected';
  if (dialStatus === DIAL_STATUSES.NOANSWER || cause === HANGUP_CAUSES.NoAnswer || cause === HANGUP_CAUSES.NoUserResponse) {
    return 'no-answer';
  }
  if (
    dialStatus === DIAL_STATUSES.CHANUNAVAIL ||
    dialStatus === DIAL_STATUSES.CONGESTION ||
    cause === HANGUP_CAUSES.Unallocated ||
    cause === HANGUP_CAUSES.NormalCircuitCongestion ||
    cause === HANGUP_CAUSES.NetworkOutOfOrder
  ) {
    return 'failed';
  }
  return 'rejected';
}

export class AgentRinger {
  constructor(private readonly options: AgentRingerOptions) {}

  /**
   * Rings the decided advisor and resolves with how it went; on `answered` call `bridge`.
   * Rejects CallerGoneError when the caller hangs up meanwhile (the leg is then hung up
   * by the call's cleanup).
   */
  async ring(call: InboundCall, decision: RingDecision, announcement: PromptRequest | null): Promise<LegOutcome> {
    const { control, events, now } = this.options;
    const advisor = this.options.advisor(decision.advisorId);
    if (!advisor) {
      call.log.warn({ advisorId: decision.advisorId }, 'routing chose an advisor the directory does not know; trying the next step');
      return 'failed';
    }
    if (!(await this.options.claims.claim(advisor.id, legClaimHolder(call, call.legCount + 1)))) {
      // As if Asterisk had found the phone busy: the next step, and presence catches up.
      call.log.info({ advisorId: advisor.id }, 'the advisor is being rung for another call (a callback or another server); trying the next step');
      return 'busy';
    }
    const leg: AgentLeg = {
      channelId: this.options.newId('agent'),
      advisorId: advisor.id,
      reason: decision.reason,
      reasonText: reasonText(decision, call),
      attempt: ++call.legCount,
      startedAt: now(),
      dialStatus: DIAL_STATUSES.inProgress,
      outcome: deferred<LegOutcome>(),
      hungUp: deferred<void>(),
      destroyed: false,
    };
    call.leg = leg;
    this.options.trackLeg(leg.channelId, call);
    this.options.reservations.add(advisor.id);
    const log = call.log.child({ advisorId: advisor.id, agentChannelId: leg.channelId });

    const originate = control.originateAgent({
      endpoint: advisor.endpoint,
      app: this.options.app,
      appArgs: agentLegArgs(call.callId),
      callerId: call.callerNumber,
      timeoutSeconds: Math.ceil(decision.ringTimeoutMs / 1000) + 1,
      channelId: leg.channelId,
      otherChannelId: `${leg.channelId}-2`,
    });
    if (!call.bridgeReady || call.bridgeFailed) this.createBridge(call);
    safeEmit(
      events,
      CALL_FLOW_EVENTS.agentRinging,
      {
        ...this.options.eventBase(call),
        advisorId: advisor.id,
        agentChannelId: leg.channelId,
        reason: leg.reason,
        reasonText: leg.reasonText,
        waitedSeconds: Math.round((now() - call.startedAt) / 1000),
        attempt: leg.attempt,
      },
      (err) => log.error({ err }, 'agent-ringing listener failed'),
    );
    this.options.player.hold(call, announcement);
    originate.catch((err: unknown) => {
      log.warn({ err: describe(err) }, 'originate towards the advisor failed');
      if (isUnreachable(err)) leg.unreachable = true;
      leg.outcome.resolve('failed');
    });
    const timer = setTimeout(() => leg.outcome.resolve('no-answer'), decision.ringTimeoutMs);
    let outcome: LegOutcome;
    try {
      outcome = await unlessGone(call.signal, leg.outcome.promise);
    } finally {
      clearTimeout(timer);
    }
    log.debug({ outcome, dialStatus: leg.dialStatus }, 'ringing ended');
    call.lastLegUnreachable = leg.unreachable === true;
    if (outcome !== 'answered') this.release(call, leg);
    return outcome;
  }

  /** Creates the call's mixing bridge without waiting for it (awaited on answer). */
  private createBridge(call: InboundCall): Promise<void> {
    call.bridgeId = this.options.newId('bridge');
    call.bridgeFailed = false;
    const ready = this.options.control.createBridge(call.bridgeId, `cti-${call.channelId}`);
    call.bridgeReady = ready;
    ready.catch(() => {
      // A bridge that could not be created (Asterisk unreachable) is made again on the next try.
      if (call.bridgeReady === ready) call.bridgeFailed = true;
    });
    return ready;
  }

  /** The call's bridge, made again if the first attempt could not reach Asterisk. */
  private async readyBridge(call: InboundCall): Promise<void> {
    if (!call.bridgeReady || call.bridgeFailed) return this.createBridge(call);
    try {
      await call.bridgeReady;
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      await this.createBridge(call);
    }
  }

  /** Gives up on a leg that did not answer: hang it up (it may already be gone) and free the advisor. */
  release(call: InboundCall, leg: AgentLeg): void {
    this.options.reservations.delete(leg.advisorId);
    void this.options.claims.release(leg.advisorId, legClaimHolder(call, leg.attempt));
    if (call.leg === leg) call.leg = null;
    if (leg.destroyed) {
      this.options.untrackLeg(leg.channelId);
      return;
    }
    this.options.control.hangup(leg.channelId).then(
      (existed) => {
        // A leg Asterisk never created (or already forgot) sends no ChannelDestroyed to untrack it.
        if (!existed) this.options.untrackLeg(leg.channelId);
      },
      (err: unknown) => call.log.warn({ err }, 'could not hang up the agent leg'),
    );
  }

  /** Stops the caller's hold media and bridges caller and answered agent. */
  async bridge(call: InboundCall, leg: AgentLeg): Promise<void> {
    const { control, player } = this.options;
    try {
      await unlessGone(call.signal, Promise.all([this.readyBridge(call), call.answering, player.clearMedia(call)]));
      await unlessGone(call.signal, control.addToBridge(call.bridgeId!, [call.channelId, leg.channelId]));
    } catch (err) {
      if (isGone(err)) throw new CallerGoneError('a channel left before it could be bridged');
      // Asterisk may have bridged them before the link dropped: the resync after the reconnect checks.
      if (!isUnreachable(err)) throw err;
      call.log.warn({ err }, 'bridging outcome unknown (Asterisk unreachable); the resync will check');
    }
  }
}

/** Who holds the advisor's claim for one leg of a call. */
function legClaimHolder(call: InboundCall, attempt: number): string {
  return `call:${call.callId}:${attempt}`;
}

/** The sentence the screen pop shows under the member: why this call reached this agent. */
function reasonText(decision: RingDecision, call: InboundCall): string {
  const owner = call.context.owner;
  if (decision.standIn) return `Delegate for ${decision.standIn.ownerName}`;
  switch (decision.reason) {
    case 'own-advisor':
      return 'Your own member';
    case 'delegate':
      return owner ? `Delegate for ${owner.name}` : 'Delegate';
    case 'unknown-caller':
      return 'Unknown caller, next available advisor';
    case 'callback':
      return 'Callback';
    case 'pool':
      return owner ? `Overflow: member of ${owner.name}` : 'Member without an advisor, next available';
  }
}

function describe(err: unknown): unknown {
  return err instanceof AriHttpError ? { status: err.status, message: err.asteriskMessage } : err;
}
