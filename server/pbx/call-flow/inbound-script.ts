// The life of one inbound call: identify the caller, then ask route() for the next step
// and carry it out, again and again, until someone answers, a callback is booked or the
// caller hangs up. Each step goes to the reason trail with its time and outcome.
import type { Advisor, Language } from '../../domain/model.js';
import { OWNER_CHOICES } from '../../domain/route.js';
import type { OwnerChoice, RouteDecision } from '../../domain/route.js';
import type { PresenceBoard } from '../../presence/presence-board.js';
import type { PromptRequest } from '../../prompts/builder.js';
import type { Router } from '../../routing/router.js';
import { memberNoCandidates } from '../../routing/router.js';
import type { WaitingCaller } from '../../routing/waiting-choice.js';
import type { PromptPerson } from '../../../ivr-prompts/clips.js';
import type { AgentRinger, RingDecision } from './agent-ringer.js';
import type { CallControl } from './call-control.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallbackPort } from './callback-port.js';
import { askCallbackNumber, CALLBACK_NUMBER_PROMPTS } from './callback-number.js';
import type { EventBaseBuilder } from './event-payloads.js';
import type { AbandonPlace, CallEndOutcome, CallFlowEvents } from './events.js';
import { endCall } from './call-ending.js';
import { CALL_FLOW_EVENTS, safeEmit } from './events.js';
import type { InboundCall } from './inbound-call.js';
import { CallerGoneError, deferred, unlessGone } from './inbound-call.js';
import type { PromptPlayer } from './prompt-player.js';
import type { WaitingCallers } from './waiting-callers.js';

export interface InboundScriptDeps {
  router: Router;
  ringer: AgentRinger;
  player: PromptPlayer;
  recorder: CallRecorder;
  callbacks: CallbackPort;
  waiting: WaitingCallers;
  presence: PresenceBoard;
  control: CallControl;
  events: CallFlowEvents;
  eventBase: EventBaseBuilder;
  advisor: (id: number) => Advisor | undefined;
  /** Country calling code for keyed callback numbers (CTI_DEFAULT_COUNTRY). */
  defaultCountry: string;
  now: () => number;
}

/** Keys of the owner-busy menu, in the order the prompt says them. */
const OWNER_KEYS: Readonly<Record<string, OwnerChoice>> = { '1': 'wait', '2': 'callback', '3': 'next' };
const PEAK_KEYS = { wait: '1', callback: '2' } as const;

type StepResult = 'continue' | { done: CallEndOutcome };

/** Retry pacing while Asterisk cannot be reached to ring an advisor. */
const UNREACHABLE_RETRY_MS = 500;
const UNREACHABLE_RETRY_MAX_MS = 4000;

export function pickLanguage(ivrLanguage: string | null, memberLanguage: Language | undefined): Language {
  const tag = (ivrLanguage ?? '').toLowerCase();
  if (tag.startsWith('en')) return 'en';
  if (tag.startsWith('zh') || tag === 'cn' || tag === 'cmn') return 'zh';
  return memberLanguage ?? 'zh';
}

const person = (a: { id: number; name: string; nameZh: string }): PromptPerson => ({ id: a.id, name: a.name, nameZh: a.nameZh });

export class InboundScript {
  constructor(private readonly deps: InboundScriptDeps) {}

  /** Runs the call to its end; never throws (failures are logged and the call is settled). */
  async run(call: InboundCall): Promise<void> {
    const { deps } = this;
    let outcome: CallEndOutcome = 'failed';
    let abandonedAt: AbandonPlace | null = null;
    try {
      outcome = await this.route(call);
    } catch (err) {
      if (call.released) {
        // Another server (or this one after a restart) adopts the caller and its stored row.
        deps.waiting.remove(call.callId);
        call.log.info({ why: String(call.signal.reason) }, 'call released to whoever drives the node next');
        return;
      }
      if (err instanceof CallerGoneError) {
        abandonedAt = call.answered ? null : call.state.abandonPlace();
        outcome = call.answered ? 'completed' : call.callbackId !== null ? 'callback' : call.lost ? 'lost' : 'abandoned';
        const step = call.endStep(call.lost ? 'lost while disconnected from Asterisk' : 'caller hung up');
        if (step) deps.recorder.step(call, step);
        if (call.state.accepts(call.lost ? 'lost' : 'caller-hangup')) call.state.fire(call.lost ? 'lost' : 'caller-hangup');
      } else {
        call.log.error({ err }, 'call flow failed; returning the caller to the dialplan fallback');
        const step = call.endStep('failed');
        if (step) deps.recorder.step(call, step);
        if (call.state.accepts('failed')) call.state.fire('failed');
        if (!call.gone) await deps.control.returnToDialplan(call.channelId).catch(() => undefined);
        outcome = call.answered ? 'completed' : 'failed';
      }
    }
    await endCall(call, outcome, outcome === 'callback' ? null : abandonedAt, deps);
  }

  private async route(call: InboundCall): Promise<CallEndOutcome> {
    const { deps } = this;
    if (!call.channelUp) {
      call.answering = deps.control.answer(call.channelId).then(() => {
        call.channelUp = true;
      });
      call.answering.catch(() => undefined);
    }
    const context = await unlessGone(call.signal, deps.router.identify(call.callerNumber, call.ivr.memberNo));
    const language = pickLanguage(call.ivr.language, context.member?.language);
    call.identify(
      context,
      language,
      call.log.child({ memberId: context.member?.id ?? null, ownerId: context.owner?.id ?? null }),
    );
    const byKeyedNumber = context.member !== null && memberNoCandidates(call.ivr.memberNo).includes(context.member.memberNo);
    const how = !context.member ? 'unknown caller' : byKeyedNumber ? 'member number keyed in the IVR' : 'caller number';
    call.addStep(
      {
        step: 'identify',
        reason: null,
        advisorId: context.owner?.id ?? null,
        detail: context.member ? `member ${context.member.memberNo} by ${how}` : how,
        outcome: context.member ? 'member' : 'unknown',
      },
      call.startedAt,
    );
    call.state.fire('identified');
    let first = true;
    for (;;) {
      const decision = deps.router.decide(call.context, { ...call.progress, firstCallAt: call.firstCallAt, callId: call.callId });
      call.beginStep(decision.kind, decision.reason, advisorOf(decision), decision.explanation, deps.now());
      if (first) {
        first = false;
        // After the first action is under way: the insert never delays the originate.
        setImmediate(() => deps.recorder.open(call));
      }
      const result = await this.act(call, decision);
      if (result !== 'continue') return result.done;
    }
  }

  private async act(call: InboundCall, decision: RouteDecision): Promise<StepResult> {
    switch (decision.kind) {
      case 'ring-advisor':
        return this.ring(call, decision);
      case 'offer-owner-choice':
        return this.ownerChoice(call, decision);
      case 'wait-for-owner':
        return this.waitForOwner(call, decision);
      case 'create-callback':
        return this.createCallback(call, decision);
      case 'offer-peak-callback':
        return this.peakOffer(call, decision);
      case 'wait-in-pool':
        return this.waitInPool(call);
    }
  }

  private end(call: InboundCall, outcome: string): void {
    const step = call.endStep(outcome);
    if (step) this.deps.recorder.step(call, step);
  }

  private async ring(call: InboundCall, decision: RingDecision): Promise<StepResult> {
    const { deps } = this;
    call.state.fire('ring', decision.advisorName);
    const outcome = await deps.ringer.ring(call, decision, this.announcement(call, decision));
    if (outcome === 'failed' && call.lastLegUnreachable) {
      // Asterisk is out of reach, not the advisor: keep the caller on hold and ask again shortly.
      this.end(call, 'Asterisk unreachable');
      call.state.fire('ring-failed', 'asterisk unreachable');
      const pause = Math.min(UNREACHABLE_RETRY_MAX_MS, UNREACHABLE_RETRY_MS * 2 ** call.unreachableRetries++);
      await unlessGone(call.signal, new Promise((r) => setTimeout(r, pause)));
      return 'continue';
    }
    call.unreachableRetries = 0;
    if (outcome !== 'answered') {
      this.end(call, outcome);
      call.progress.tried.push({ advisorId: decision.advisorId, outcome: outcome === 'no-answer' ? 'no-answer' : 'rejected' });
      call.state.fire('ring-failed', outcome);
      return 'continue';
    }
    const leg = call.leg!;
    const at = deps.now();
    call.answered = { advisorId: leg.advisorId, at, reason: leg.reason, reasonText: leg.reasonText };
    call.log = call.log.child({ advisorId: leg.advisorId });
    this.end(call, 'answered');
    call.state.fire('answered');
    deps.recorder.answered(call, leg.advisorId, leg.reason, at);
    safeEmit(
      deps.events,
      CALL_FLOW_EVENTS.callAnswered,
      {
        ...deps.eventBase(call),
        advisorId: leg.advisorId,
        agentChannelId: leg.channelId,
        reason: leg.reason,
        reasonText: leg.reasonText,
        waitedSeconds: Math.round((at - call.startedAt) / 1000),
      },
      (err) => call.log.error({ err }, 'call-answered listener failed'),
    );
    await deps.ringer.bridge(call, leg);
    await unlessGone(call.signal, leg.hungUp.promise);
    call.state.fire('agent-hangup');
    return { done: 'completed' };
  }

  /** What the caller hears while a stand-in or the next advisor rings; null: music on hold. */
  private announcement(call: InboundCall, decision: RingDecision): PromptRequest | null {
    const { standIn } = decision;
    if (standIn?.ownerStatus === 'absent') {
      return {
        promptId: 'owner-away',
        language: call.language,
        values: {
          advisor: { id: standIn.ownerId, name: standIn.ownerName, nameZh: standIn.ownerNameZh },
          delegate: { id: standIn.delegateId, name: standIn.delegateName, nameZh: standIn.delegateNameZh },
        },
      };
    }
    if (call.progress.ownerChoice === 'next' && call.legCount === 0) {
      return { promptId: 'connecting-next-available', language: call.language };
    }
    return null;
  }

  private async ownerChoice(
    call: InboundCall,
    decision: Extract<RouteDecision, { kind: 'offer-owner-choice' }>,
  ): Promise<StepResult> {
    const { deps } = this;
    call.state.fire('prompt', 'owner busy');
    await deps.player.clearMedia(call);
    const minutes = decision.announcement.sayable ? decision.announcement.minutes : null;
    const result = await deps.player.menu(
      call,
      {
        promptId: 'owner-busy-choices',
        language: call.language,
        values: { advisor: person({ id: decision.ownerId, name: decision.ownerName, nameZh: decision.ownerNameZh }), minutes },
      },
      Object.keys(OWNER_KEYS).filter((k) => decision.choices.includes(OWNER_KEYS[k]!)),
    );
    const choice = result.key !== null ? OWNER_KEYS[result.key]! : decision.defaultChoice;
    call.progress.ownerChoice = OWNER_CHOICES.includes(choice) ? choice : decision.defaultChoice;
    const heard = result.heard.length > 0 ? ` (heard ${result.heard.join(', ')})` : '';
    this.end(call, result.key !== null ? `key ${result.key}: ${choice}` : `no valid key${heard}: default ${choice}`);
    call.state.fire(result.key !== null ? 'key' : 'no-key');
    return 'continue';
  }

  private async waitForOwner(call: InboundCall, decision: Extract<RouteDecision, { kind: 'wait-for-owner' }>): Promise<StepResult> {
    call.state.fire('wait-owner');
    this.deps.player.hold(call, { promptId: 'please-hold', language: call.language });
    const ended = await this.waitForAdvisor(call, decision.ownerId, decision.maxWaitMs);
    if (ended === 'handed') {
      this.end(call, 'owner free');
      call.state.fire('advisor-freed');
    } else if (ended === 'expired') {
      this.end(call, 'max wait passed');
      call.progress.ownerWaitTimedOut = true;
      call.state.fire('wait-expired');
    } else {
      this.end(call, ended);
      call.state.fire('owner-away');
    }
    return 'continue';
  }

  private async waitInPool(call: InboundCall): Promise<StepResult> {
    const firstWait = !call.trail.some((s) => s.step === 'wait-in-pool');
    call.state.fire('wait-pool');
    this.deps.player.hold(call, firstWait ? { promptId: 'all-busy', language: call.language } : null);
    await this.waitForAdvisor(call, null, null);
    this.end(call, 'advisor free');
    call.state.fire('advisor-freed');
    return 'continue';
  }

  /** Joins the waiting callers until an advisor is handed over, the max wait passes, or the wait is interrupted (its reason). */
  private async waitForAdvisor(call: InboundCall, advisorId: number | null, maxWaitMs: number | null): Promise<string> {
    const { deps } = this;
    const handed = deferred<string>();
    const waiter: WaitingCaller = {
      callId: call.callId,
      node: call.node,
      memberId: call.context.member?.id ?? null,
      ownerId: call.context.owner?.id ?? null,
      memberLevel: call.context.member?.level ?? null,
      minimumTier: deps.router.minimumTier(call.context),
      waitingFor: advisorId === null ? { kind: 'pool' } : { kind: 'owner', advisorId },
      firstCallAt: call.firstCallAt,
      waitingSince: deps.now(),
      triedAdvisorIds: call.progress.tried.map((t) => t.advisorId),
    };
    deps.waiting.add(waiter, { handOff: () => handed.resolve('handed'), interrupt: (reason) => handed.resolve(reason) });
    const timer = maxWaitMs === null ? null : setTimeout(() => handed.resolve('expired'), maxWaitMs);
    try {
      return await unlessGone(call.signal, handed.promise);
    } finally {
      if (timer) clearTimeout(timer);
      deps.waiting.remove(call.callId);
    }
  }

  private async peakOffer(call: InboundCall, decision: Extract<RouteDecision, { kind: 'offer-peak-callback' }>): Promise<StepResult> {
    const { deps } = this;
    call.state.fire('prompt', 'peak callback offer');
    await deps.player.clearMedia(call);
    if (decision.announcement.sayable) {
      await deps.player.play(call, { promptId: 'expected-wait', language: call.language, values: { minutes: decision.announcement.minutes } });
    }
    const result = await deps.player.menu(call, { promptId: 'peak-callback-offer', language: call.language }, Object.values(PEAK_KEYS));
    call.progress.peakChoice = result.key === PEAK_KEYS.callback ? 'callback' : 'wait';
    this.end(call, result.key !== null ? `key ${result.key}: ${call.progress.peakChoice}` : 'no valid key: wait');
    call.state.fire(result.key !== null ? 'key' : 'no-key');
    return 'continue';
  }

  private async createCallback(call: InboundCall, decision: Extract<RouteDecision, { kind: 'create-callback' }>): Promise<StepResult> {
    const { deps } = this;
    call.state.fire('prompt', 'callback number');
    await deps.player.clearMedia(call).catch(() => undefined);
    const chosen = await askCallbackNumber(call, { player: deps.player, defaultCountry: deps.defaultCountry });
    call.state.fire(chosen.keyed ? 'key' : 'no-key');
    let id: number;
    try {
      // Not bound to the caller's presence: they asked for it, so it is stored even if they hang up now.
      ({ id } = await deps.callbacks.request({
        memberId: call.context.member?.id ?? null,
        number: chosen.number,
        reason: decision.callbackReason,
        preferredAdvisorId: decision.preferredAdvisorId,
        firstCallAt: new Date(call.firstCallAt).toISOString(),
        callId: call.storedId,
        note: decision.explanation,
      }));
    } catch (err) {
      call.log.warn({ err }, 'could not book the callback; the caller keeps waiting instead');
      this.end(call, `callback not stored (${chosen.how}): ${err instanceof Error ? err.message : String(err)}`);
      if (decision.callbackReason === 'requested') call.progress.ownerChoice = 'wait';
      else call.progress.peakChoice = 'wait';
      return 'continue';
    }
    call.callbackId = id;
    deps.recorder.setCallback(call, id);
    this.end(call, `callback ${id} stored (${chosen.how})`);
    safeEmit(
      deps.events,
      CALL_FLOW_EVENTS.callbackRequested,
      {
        ...deps.eventBase(call),
        kind: decision.callbackReason,
        callbackId: id,
        preferredAdvisorId: decision.preferredAdvisorId,
        number: chosen.number,
        firstCallAt: call.firstCallAt,
      },
      (err) => call.log.error({ err }, 'callback-requested listener failed'),
    );
    call.state.fire('callback-stored');
    const owner = decision.preferredAdvisorId !== null ? deps.advisor(decision.preferredAdvisorId) : undefined;
    const confirmations: PromptRequest[] = [
      ...(chosen.readBack !== null
        ? [{ promptId: CALLBACK_NUMBER_PROMPTS.confirmed, language: call.language, values: { number: chosen.readBack } }]
        : []),
      decision.callbackReason === 'requested' && owner
        ? { promptId: 'callback-confirmed', language: call.language, values: { advisor: person(owner) } }
        : { promptId: 'callback-confirmed-queue', language: call.language },
    ];
    try {
      for (const confirmation of confirmations) if (!call.gone) await deps.player.play(call, confirmation);
    } catch (err) {
      if (!(err instanceof CallerGoneError)) throw err;
    }
    call.state.fire('confirmed');
    return { done: 'callback' };
  }
}

function advisorOf(decision: RouteDecision): number | null {
  switch (decision.kind) {
    case 'ring-advisor':
      return decision.advisorId;
    case 'offer-owner-choice':
    case 'wait-for-owner':
      return decision.ownerId;
    case 'create-callback':
    case 'offer-peak-callback':
      return decision.preferredAdvisorId;
    case 'wait-in-pool':
      return null;
  }
}
