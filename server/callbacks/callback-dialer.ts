// One callback dial, agent first: the reserved callback goes to `dialing`, the agent's
// phone rings with a preview pop on their desktop; when the agent answers, the member is
// dialed through the outbound template and both are bridged. The attempt is counted and
// written to the contact log (as `interrupted`) before the member's phone rings, so a
// server that dies mid-dial leaves the dial on record; the member's result (answered,
// busy, no answer, failed, declined) then replaces it and drives the retry decision. An
// agent who does not answer puts the callback straight back in the queue without
// counting an attempt against the member.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Advisor, AdvisorPresence } from '../domain/model.js';
import { nextAfterAttempt, type DialResult, type RetrySettings } from '../domain/retry.js';
import type { Logger } from '../shared/logger.js';
import { workerActor } from '../store/callback-audit.js';
import type { CallbackRecord, CallbackStore, TransitionPatch } from '../store/callbacks.js';
import type { ContactLogStore } from '../store/contact-log.js';
import type { MemberStore } from '../store/members.js';
import type { CallbackChange, CallbackDesktop } from './callback-changes.js';
import { CALLBACK_LEGS, callbackLegArgs, type CallbackLegs, type LegFailure, type WatchedLeg } from './callback-legs.js';
import { callbackPop } from './callback-pop.js';
import { contactKindOf } from './candidates.js';

export interface DialerOptions {
  store: { callbacks: CallbackStore; contacts: Pick<ContactLogStore, 'insert' | 'setResult'>; members: Pick<MemberStore, 'get'> };
  announce: (action: CallbackChange['action'], callbacks: readonly CallbackRecord[]) => void;
  app: string;
  outbound: Config['outbound'];
  agentRingTimeoutMs: number;
  memberRingTimeoutMs: number;
  retry: RetrySettings;
  workerId: string;
  desktop: CallbackDesktop | null;
  advisor: (id: number) => Advisor | undefined;
  presence: (id: number) => AdvisorPresence | null;
  now: () => number;
  log: Logger;
}

export const DIAL_PHASES = ['agent', 'member', 'connected', 'done'] as const;
export type DialPhase = (typeof DIAL_PHASES)[number];

export interface DialReport {
  callbackId: number;
  advisorId: number;
  /** How the agent leg went; the member is dialed only when it is `answered`. */
  agent: 'answered' | LegFailure | 'aborted';
  member: DialResult | null;
  state: CallbackRecord['state'];
}

/** A dial in progress, as the engine sees it (lease renewal, graceful stop). */
export interface ActiveDial {
  readonly callbackId: number;
  readonly advisorId: number;
  readonly phase: DialPhase;
  /** Stops a dial whose member is not yet dialed: the callback goes back to the queue. */
  abort(): void;
  readonly done: Promise<DialReport>;
}

/** The contact log's result of a member dial until its outcome is known (kept if the server dies). */
const CONTACT_INTERRUPTED = 'interrupted';

interface AttemptInProgress {
  /** The callback with this attempt counted. */
  callback: CallbackRecord;
  contactId: number | null;
}

const REJECTED_MEANS_DECLINED: Record<LegFailure, DialResult> = { 'no-answer': 'no-answer', busy: 'busy', rejected: 'declined', failed: 'failed' };

export class CallbackDialer {
  constructor(private readonly options: DialerOptions) {}

  /** Starts dialing a callback this worker reserved; the returned dial settles with its report. */
  start(callback: CallbackRecord, advisor: Advisor, relation: 'own-advisor' | 'delegate' | 'pool', legs: CallbackLegs): ActiveDial {
    const state: { phase: DialPhase; aborted: boolean; abortAgent: () => void } = { phase: 'agent', aborted: false, abortAgent: () => undefined };
    const run = async (): Promise<DialReport> => {
      const { options } = this;
      const log = options.log.child({ callbackId: callback.id, advisorId: advisor.id });
      const node = legs.node;
      const dialing = await options.store.callbacks.transition(
        callback.id,
        { from: 'reserved', to: 'dialing', reservedBy: options.workerId, note: `agent first: ${advisor.name} (${relation})` },
        workerActor(options.workerId),
      );
      options.announce('dialing', [dialing]);
      const member = dialing.memberId === null ? null : await options.store.members.get(dialing.memberId);
      const owner = dialing.preferredAdvisorId === null ? null : (options.advisor(dialing.preferredAdvisorId) ?? null);
      const popId = `callback-${dialing.id}-${randomUUID()}`;
      const agentChannelId = `cti-cb-agent-${randomUUID()}`;
      const pop = (phase: 'ringing' | 'answered' | 'ended', outcome?: 'answered' | 'missed') =>
        callbackPop({
          popId,
          callId: `callback:${dialing.id}:${agentChannelId}`,
          phase,
          callback: dialing,
          member,
          owner,
          ownerPresence: owner ? options.presence(owner.id) : null,
          relation,
          now: options.now(),
          outcome,
        });
      const agentLeg = legs.watch(agentChannelId);
      state.abortAgent = () => legs.fail(agentChannelId, 'no-answer');
      if (state.aborted) state.abortAgent();
      this.push(log, () => {
        options.desktop?.pushCallbackOffer(advisor.id, {
          callbackId: dialing.id,
          memberId: dialing.memberId,
          memberName: member?.name ?? null,
          number: dialing.number,
          reason: dialing.reason,
          dueAt: dialing.dueAt,
          popId,
        });
        return options.desktop?.sendScreenPop(advisor.id, pop('ringing'));
      });
      const agentOutcome = state.aborted ? 'no-answer' : await this.ring(node.control, agentLeg, {
        endpoint: advisor.endpoint,
        appArgs: callbackLegArgs(dialing.id, CALLBACK_LEGS.agent),
        callerId: member ? `"Callback ${member.name}" <${dialing.number}>` : `"Callback" <${dialing.number}>`,
        timeoutMs: options.agentRingTimeoutMs,
      }, legs, log);
      if (agentOutcome !== 'answered') {
        legs.forget(agentChannelId);
        this.push(log, () => options.desktop?.updateScreenPop(advisor.id, pop('ended', 'missed')));
        const back = await this.settle(dialing, { from: 'dialing', to: 'pending', patch: { lastResult: `agent ${state.aborted ? 'not dialed: engine stopping' : agentOutcome}` } });
        options.announce('updated', [back]);
        log.info({ agent: agentOutcome }, 'agent did not take the callback; back in the queue');
        return { callbackId: dialing.id, advisorId: advisor.id, agent: state.aborted ? 'aborted' : agentOutcome, member: null, state: back.state };
      }

      state.phase = 'member';
      const attempt = await this.recordAttempt(dialing, log);
      if (!attempt) {
        await node.control.hangup(agentChannelId).catch(() => false);
        legs.forget(agentChannelId);
        state.phase = 'done';
        this.push(log, () => options.desktop?.updateScreenPop(advisor.id, pop('ended', 'missed')));
        const current = await options.store.callbacks.get(dialing.id);
        return { callbackId: dialing.id, advisorId: advisor.id, agent: 'answered', member: null, state: current?.state ?? 'pending' };
      }
      this.push(log, () => options.desktop?.updateScreenPop(advisor.id, pop('answered', 'answered')));
      const bridgeId = `cti-cb-bridge-${randomUUID()}`;
      const memberChannelId = `cti-cb-member-${randomUUID()}`;
      const memberLeg = legs.watch(memberChannelId);
      let result: DialResult;
      let agentLeft = false;
      try {
        await node.control.createBridge(bridgeId, `cti-callback-${dialing.id}`);
        await node.control.addToBridge(bridgeId, [agentChannelId]);
        void agentLeg.gone.then(() => {
          if (state.phase === 'member') {
            agentLeft = true;
            legs.fail(memberChannelId, 'failed');
          }
        });
        const memberOutcome = await this.ring(node.control, memberLeg, {
          endpoint: options.outbound.dialTemplate.replace('{number}', dialing.number),
          appArgs: callbackLegArgs(dialing.id, CALLBACK_LEGS.member),
          callerId: options.outbound.callerId,
          timeoutMs: options.memberRingTimeoutMs,
        }, legs, log);
        result = memberOutcome === 'answered' ? 'answered' : REJECTED_MEANS_DECLINED[memberOutcome];
        // The member picked up: that is the contact, even if they hang up before the bridge forms.
        if (result === 'answered') {
          await node.control.addToBridge(bridgeId, [memberChannelId]).catch((err: unknown) => log.warn({ err }, 'member left before being bridged'));
        }
      } catch (err) {
        log.warn({ err }, 'callback dial failed in Asterisk');
        result = 'failed';
      }
      if (agentLeft && result !== 'answered') result = 'failed';
      state.phase = result === 'answered' ? 'connected' : 'done';
      const after = await this.recordResult(attempt, advisor, result, agentLeft, log);
      if (result === 'answered') {
        await Promise.race([agentLeg.gone, memberLeg.gone]);
      }
      await Promise.all([node.control.hangup(agentChannelId), node.control.hangup(memberChannelId), node.control.destroyBridge(bridgeId)]).catch((err: unknown) =>
        log.warn({ err }, 'callback cleanup failed'),
      );
      state.phase = 'done';
      legs.forget(agentChannelId);
      legs.forget(memberChannelId);
      this.push(log, () => options.desktop?.updateScreenPop(advisor.id, pop('ended', result === 'answered' ? 'answered' : 'missed')));
      return { callbackId: dialing.id, advisorId: advisor.id, agent: 'answered', member: result, state: after.state };
    };
    const done = run();
    return {
      callbackId: callback.id,
      advisorId: advisor.id,
      get phase() {
        return state.phase;
      },
      abort: () => {
        if (state.phase !== 'agent') return;
        state.aborted = true;
        state.abortAgent();
      },
      done,
    };
  }

  /** Originates one leg and waits for it to answer or fail, within its ring timeout. */
  private async ring(
    control: CallbackLegs['node']['control'],
    leg: WatchedLeg,
    target: { endpoint: string; appArgs: string; callerId: string; timeoutMs: number },
    legs: CallbackLegs,
    log: Logger,
  ): Promise<'answered' | LegFailure> {
    const timer = setTimeout(() => legs.fail(leg.channelId, 'no-answer'), target.timeoutMs + 1000);
    try {
      await control.originateAgent({
        endpoint: target.endpoint,
        app: this.options.app,
        appArgs: target.appArgs,
        callerId: target.callerId,
        timeoutSeconds: Math.max(1, Math.ceil(target.timeoutMs / 1000)),
        channelId: leg.channelId,
        otherChannelId: `${leg.channelId}-2`,
      });
    } catch (err) {
      log.warn({ err, endpoint: target.endpoint }, 'originate refused');
      legs.forget(leg.channelId);
    }
    try {
      const outcome = await leg.outcome;
      if (outcome !== 'answered') await control.hangup(leg.channelId).catch(() => false);
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Counts the attempt and logs the contact before the member is dialed; null when this
   * worker lost the callback (its lease expired and it went back to the queue), in which
   * case the member must not be dialed.
   */
  private async recordAttempt(callback: CallbackRecord, log: Logger): Promise<AttemptInProgress | null> {
    const { options } = this;
    let counted: CallbackRecord;
    try {
      counted = await options.store.callbacks.recordAttempt(callback.id, options.workerId, 'member dialed');
    } catch (err) {
      log.error({ err }, 'could not count the attempt (lease lost?); the member is not dialed');
      return null;
    }
    const contact = await options.store.contacts
      .insert({
        memberId: callback.memberId,
        number: callback.number,
        at: new Date(options.now()).toISOString(),
        kind: contactKindOf(callback.reason),
        callbackId: callback.id,
        callId: null,
        result: CONTACT_INTERRUPTED,
      })
      .catch((err: unknown) => {
        log.error({ err }, 'could not write the contact log; pacing will not count this attempt');
        return null;
      });
    return { callback: counted, contactId: contact?.id ?? null };
  }

  private async recordResult(attempt: AttemptInProgress, advisor: Advisor, result: DialResult, agentLeft: boolean, log: Logger): Promise<CallbackRecord> {
    const { options } = this;
    const { callback } = attempt;
    const attempts = callback.attempts;
    const lastResult = agentLeft && result === 'failed' ? 'agent hung up before the member answered' : result;
    if (attempt.contactId !== null) {
      await options.store.contacts.setResult(attempt.contactId, result).catch((err: unknown) => log.error({ err }, 'could not record the contact result'));
    }
    const decision = nextAfterAttempt({ result, attempts, maxAttempts: callback.maxAttempts, now: options.now() }, options.retry);
    log.info({ result, attempts, decision: decision.kind }, decision.explanation);
    const base: TransitionPatch = { attempts, lastResult };
    switch (decision.kind) {
      case 'completed': {
        const done = await this.settle(callback, { from: 'dialing', to: 'completed', patch: { ...base, completedBy: advisor.id }, note: decision.explanation });
        options.announce('completed', [done]);
        return done;
      }
      case 'retry': {
        const again = await this.settle(callback, {
          from: 'dialing',
          to: 'pending',
          patch: { ...base, dueAt: new Date(decision.dueAt).toISOString() },
          note: decision.explanation,
        });
        options.announce('rescheduled', [again]);
        return again;
      }
      case 'failed': {
        const failed = await this.settle(callback, { from: 'dialing', to: 'failed', patch: base, note: decision.explanation });
        options.announce('failed', [failed]);
        return failed;
      }
      case 'cancelled': {
        const failed = await this.settle(callback, { from: 'dialing', to: 'failed', patch: base, note: decision.explanation });
        const cancelled = await options.store.callbacks.cancel(failed.id, 'member declined the callback', workerActor(options.workerId));
        options.announce('cancelled', [cancelled]);
        return cancelled;
      }
    }
  }

  private settle(callback: CallbackRecord, request: Parameters<CallbackStore['transition']>[1]): Promise<CallbackRecord> {
    const { options } = this;
    return options.store.callbacks.transition(callback.id, { ...request, reservedBy: options.workerId }, workerActor(options.workerId));
  }

  /** Desktop pushes are best effort: a closed tab never stops a dial. */
  private push(log: Logger, send: () => Promise<unknown> | undefined | void): void {
    try {
      const pending = send();
      if (pending) pending.catch((err: unknown) => log.warn({ err }, 'callback pop not delivered'));
    } catch (err) {
      log.warn({ err }, 'callback pop not delivered');
    }
  }
}
