// One simulated working day over the server's own decisions: the Router (snapshot from
// the advisor directory and the presence board, then route()), the dispatcher's
// pickForAdvisor() for every advisor who frees up, pacingDecision() and
// nextAfterAttempt() for callbacks. Telephony is replaced by a virtual clock: rings,
// answers, talk and wrap-up are timed events, so a 9-hour day runs in a second and the
// same arrivals can be routed twice, with and without affinity.
import { pickForAdvisor, type CallbackCandidate } from '../../server/domain/dispatch.js';
import type { Advisor, Callback, CallbackReason } from '../../server/domain/model.js';
import { pacingDecision, type ContactRecord } from '../../server/domain/pacing.js';
import { foldPresence } from '../../server/domain/presence.js';
import { nextAfterAttempt } from '../../server/domain/retry.js';
import type { OwnerChoice, PeakChoice, TriedAdvisor } from '../../server/domain/route.js';
import type { DomainSettings } from '../../server/domain/settings.js';
import { PresenceBoard } from '../../server/presence/presence-board.js';
import { AdvisorDirectory } from '../../server/routing/advisor-directory.js';
import { Router, UNKNOWN_CALLER, type RoutingContext } from '../../server/routing/router.js';
import type { WaitingCaller } from '../../server/routing/waiting-choice.js';
import type { Logger } from '../../server/shared/logger.js';
import { EventQueue, type VirtualTimer } from './event-queue.js';
import { HOUR_MS, stableUnit, type Arrival, type DayAssumptions, type DayPlan } from './day-plan.js';

export type Relation = 'own-advisor' | 'delegate' | 'pool' | 'unknown-caller';

export interface DayWorld {
  advisors: ReadonlyArray<Advisor & { delegates: number[] }>;
  /** Members' routing contexts, indexed as Arrival.member. */
  contexts: readonly RoutingContext[];
  settings: DomainSettings;
  wrapUpMs: number;
  abandonThresholdMs: number;
  maxAttempts: number;
  assumptions: DayAssumptions;
  logger: Logger;
}

export interface CallOutcome {
  arrival: Arrival;
  member: boolean;
  outcome: 'answered' | 'abandoned' | 'callback' | 'unserved';
  waitedMs: number;
  relation: Relation | null;
}

export interface CallbackOutcome {
  reason: CallbackReason;
  member: boolean;
  createdAt: number;
  completedAt: number | null;
  state: Callback['state'] | 'closed-member-got-through';
  relation: Relation | null;
  attempts: number;
}

export interface DayResult {
  calls: CallOutcome[];
  callbacks: CallbackOutcome[];
  decisions: Record<string, number>;
  /** Per hour from opening: advisor time working (ringing, talking, wrap-up) and staffed. */
  hourlyBusyMs: number[];
}

const CALLBACK_AGENT_ANSWER_MS = 3_000;
const CALLBACK_RING_OUT_MS = 30_000;
const DISPATCH_TICK_MS = 5_000;
const SHANGHAI = 'Asia/Shanghai';

interface LiveCall {
  arrival: Arrival;
  context: RoutingContext;
  callId: string;
  state: 'routing' | 'prompt' | 'waiting' | 'ringing' | 'talking' | 'done';
  tried: TriedAdvisor[];
  ownerWaitTimedOut: boolean;
  ownerChoice: OwnerChoice | null;
  peakChoice: PeakChoice | null;
  legs: number;
  ringing: number | null;
  timer: VirtualTimer | null;
  patience: VirtualTimer | null;
  outcome: CallOutcome;
}

interface OpenCallback {
  callback: Callback;
  memberKey: number;
  context: RoutingContext;
  record: CallbackOutcome;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function simulateDay(world: DayWorld, plan: DayPlan): Promise<DayResult> {
  const a = world.assumptions;
  const q = new EventQueue(plan.opensAt - 60_000);
  const now = q.now;
  const presence = new PresenceBoard({
    now,
    wrapUpMs: world.wrapUpMs,
    setTimer: (fn, ms) => q.after(ms, fn),
    clearTimer: (h) => (h as VirtualTimer).cancel(),
  });
  const directory = new AdvisorDirectory({ list: async () => world.advisors.map((x) => ({ ...x })) }, world.logger);
  await directory.start(0);
  const delegatesOf = new Map(world.advisors.map((x) => [x.id, x.delegates]));
  const reserved = new Set<number>();
  const waiting = new Map<string, WaitingCaller>();
  const calls = new Map<string, LiveCall>();
  const router = new Router({
    callers: { findCallerContext: async () => null, findCallerContextByMemberNo: async () => null },
    directory,
    presence,
    waiting: () => [...waiting.values()],
    settings: world.settings.route,
    advisorWait: world.settings.advisorWait,
    reserved: () => reserved,
    now,
  });
  const result: DayResult = { calls: [], callbacks: [], decisions: {}, hourlyBusyMs: plan.hourly.map(() => 0) };

  // ---- advisor time accounting: working = phone ringing or in use, or wrap-up ----------
  const workingSince = new Map<number, number>();
  const addBusy = (from: number, to: number) => {
    for (let h = 0; h < result.hourlyBusyMs.length; h += 1) {
      const start = plan.opensAt + h * HOUR_MS;
      const overlap = Math.min(to, start + HOUR_MS) - Math.max(from, start);
      if (overlap > 0) result.hourlyBusyMs[h]! += overlap;
    }
  };
  presence.on('change', ({ current }) => {
    const working = current.phone === 'ringing' || current.phone === 'in-use' || current.desktop === 'wrap-up';
    const since = workingSince.get(current.advisorId);
    if (working && since === undefined) workingSince.set(current.advisorId, now());
    if (!working && since !== undefined) {
      addBusy(since, now());
      workingSince.delete(current.advisorId);
    }
    // As the server does: a change may free an advisor for the next waiting caller or callback.
    q.at(now(), () => offer(current.advisorId));
  });

  // ---- callbacks ------------------------------------------------------------------------
  const open = new Map<number, OpenCallback>();
  const openByMember = new Map<number, OpenCallback>();
  const contacts = new Map<number, ContactRecord[]>();
  const reachedAt = new Map<number, number>();
  const attemptsToday = new Map<number, number>();
  let nextCallbackId = 1;

  const createCallback = (call: LiveCall, reason: CallbackReason, preferredAdvisorId: number | null) => {
    const memberKey = call.context.member?.id ?? -1 - call.arrival.index;
    const existing = openByMember.get(memberKey);
    if (existing) {
      // One open callback per member: a new request or abandon is merged into it.
      if (existing.callback.preferredAdvisorId === null && preferredAdvisorId !== null) existing.callback.preferredAdvisorId = preferredAdvisorId;
      return;
    }
    const at = iso(now());
    const callback: Callback = {
      id: nextCallbackId++,
      memberId: call.context.member?.id ?? null,
      number: `caller-${call.arrival.index}`,
      reason,
      state: 'pending',
      preferredAdvisorId,
      assignedAdvisorId: null,
      priority: 0,
      firstCallAt: iso(call.arrival.at),
      dueAt: at,
      ladderFrom: at,
      attempts: 0,
      maxAttempts: world.maxAttempts,
      lastResult: null,
      reservedBy: null,
      leaseUntil: null,
      callId: null,
      createdAt: at,
      updatedAt: at,
    };
    const record: CallbackOutcome = { reason, member: call.context.member !== null, createdAt: now(), completedAt: null, state: 'pending', relation: null, attempts: 0 };
    const entry: OpenCallback = { callback, memberKey, context: call.context, record };
    open.set(callback.id, entry);
    openByMember.set(memberKey, entry);
    result.callbacks.push(record);
  };
  const closeCallback = (entry: OpenCallback, state: CallbackOutcome['state']) => {
    entry.record.state = state;
    open.delete(entry.callback.id);
    openByMember.delete(entry.memberKey);
  };
  const memberReached = (context: RoutingContext) => {
    if (!context.member) return;
    reachedAt.set(context.member.id, now());
    const entry = openByMember.get(context.member.id);
    if (entry && entry.callback.reason === 'abandoned' && entry.callback.state === 'pending') closeCallback(entry, 'closed-member-got-through');
  };
  let candidatesAt = -1;
  let candidatesCache: CallbackCandidate[] = [];
  let callbacksVersion = 0;
  let candidatesVersion = -1;
  const candidates = (): CallbackCandidate[] => {
    if (now() >= plan.closesAt) return [];
    if (candidatesAt === now() && candidatesVersion === callbacksVersion) return candidatesCache;
    candidatesAt = now();
    candidatesVersion = callbacksVersion;
    candidatesCache = [...open.values()]
      .filter((e) => e.callback.state === 'pending')
      .map((e) => ({
        callback: e.callback,
        memberLevel: e.context.member?.level ?? null,
        pacing: pacingDecision(
          {
            callback: { id: e.callback.id, reason: e.callback.reason, attempts: e.callback.attempts, maxAttempts: e.callback.maxAttempts },
            timeZone: e.context.member?.timeZone ?? SHANGHAI,
            contacts: contacts.get(e.memberKey) ?? [],
            override: null,
            now: now(),
          },
          world.settings.pacing,
        ),
      }));
    return candidatesCache;
  };

  const relationOf = (context: RoutingContext, advisorId: number): Relation => {
    if (!context.member) return 'unknown-caller';
    if (context.owner?.id === advisorId) return 'own-advisor';
    return context.delegates.some((d) => d.id === advisorId) ? 'delegate' : 'pool';
  };

  const talkDraw = (...keys: number[]) => (-Math.log(1 - stableUnit(...keys, 1)) - Math.log(1 - stableUnit(...keys, 2))) * (a.meanTalkMs / 2);

  const dialCallback = (entry: OpenCallback, advisorId: number) => {
    const { callback, record } = entry;
    callbacksVersion += 1;
    callback.state = 'dialing';
    callback.attempts += 1;
    record.attempts = callback.attempts;
    reserved.add(advisorId);
    presence.phoneState(advisorId, 'ringing');
    const n = (attemptsToday.get(entry.memberKey) ?? 0) + 1;
    attemptsToday.set(entry.memberKey, n);
    const list = contacts.get(entry.memberKey) ?? [];
    list.push({ at: now(), callbackId: callback.id, callbackReason: callback.reason });
    contacts.set(entry.memberKey, list);
    const answers = stableUnit(3, entry.memberKey, n) < a.memberAnswerShare;
    q.after(CALLBACK_AGENT_ANSWER_MS, () => {
      reserved.delete(advisorId);
      presence.phoneState(advisorId, 'in-use');
      if (answers) {
        q.after(5_000 + 15_000 * stableUnit(4, entry.memberKey, n), () => {
          const talkMs = talkDraw(5, entry.memberKey, n);
          record.completedAt = now();
          record.relation = relationOf(entry.context, advisorId);
          callback.state = 'completed';
          closeCallback(entry, 'completed');
          memberReached(entry.context);
          q.after(talkMs, () => {
            presence.recordHandleTime(advisorId, talkMs);
            presence.phoneState(advisorId, 'idle');
          });
        });
        return;
      }
      q.after(CALLBACK_RING_OUT_MS, () => {
        const next = nextAfterAttempt({ result: 'no-answer', attempts: callback.attempts, maxAttempts: callback.maxAttempts, now: now() }, world.settings.retry);
        callbacksVersion += 1;
        if (next.kind === 'retry') {
          callback.state = 'pending';
          callback.dueAt = iso(next.dueAt);
        } else {
          callback.state = next.state;
          closeCallback(entry, next.state);
        }
        presence.phoneState(advisorId, 'idle');
      });
    });
  };

  // ---- live calls -----------------------------------------------------------------------
  const leaveWaiting = (call: LiveCall) => waiting.delete(call.callId);
  const enterWaiting = (call: LiveCall, waitingFor: WaitingCaller['waitingFor']) => {
    call.state = 'waiting';
    waiting.set(call.callId, {
      callId: call.callId,
      node: 'day',
      memberId: call.context.member?.id ?? null,
      ownerId: call.context.owner?.id ?? null,
      waitingSince: now(),
      firstCallAt: call.arrival.at,
      memberLevel: call.context.member?.level ?? null,
      waitingFor,
      triedAdvisorIds: call.tried.map((t) => t.advisorId),
    });
  };
  const cancelTimer = (call: LiveCall) => {
    call.timer?.cancel();
    call.timer = null;
  };
  const finish = (call: LiveCall, outcome: CallOutcome['outcome'], relation: Relation | null) => {
    call.state = 'done';
    cancelTimer(call);
    call.patience?.cancel();
    leaveWaiting(call);
    call.outcome.outcome = outcome;
    call.outcome.waitedMs = now() - call.arrival.at;
    call.outcome.relation = relation;
  };

  const ring = (call: LiveCall, advisorId: number) => {
    leaveWaiting(call);
    call.state = 'ringing';
    call.legs += 1;
    call.ringing = advisorId;
    reserved.add(advisorId);
    presence.phoneState(advisorId, 'ringing');
    if (stableUnit(1, call.arrival.index, call.legs) < a.agentNoAnswerShare) {
      call.timer = q.after(world.settings.route.ringTimeoutMs, () => {
        call.ringing = null;
        reserved.delete(advisorId);
        presence.phoneState(advisorId, 'idle');
        call.tried.push({ advisorId, outcome: 'no-answer' });
        step(call);
      });
      return;
    }
    call.timer = q.after(3_000 + 5_000 * stableUnit(2, call.arrival.index, call.legs), () => {
      call.ringing = null;
      reserved.delete(advisorId);
      presence.phoneState(advisorId, 'in-use');
      finish(call, 'answered', relationOf(call.context, advisorId));
      memberReached(call.context);
      q.after(call.arrival.talkMs, () => {
        presence.recordHandleTime(advisorId, call.arrival.talkMs);
        presence.phoneState(advisorId, 'idle');
      });
    });
  };

  const step = (call: LiveCall) => {
    call.state = 'routing';
    const decision = router.decide(call.context, {
      tried: call.tried,
      ownerWaitTimedOut: call.ownerWaitTimedOut,
      ownerChoice: call.ownerChoice,
      peakChoice: call.peakChoice,
      firstCallAt: call.arrival.at,
      callId: call.callId,
    });
    const key = `${decision.kind}/${decision.reason}`;
    result.decisions[key] = (result.decisions[key] ?? 0) + 1;
    switch (decision.kind) {
      case 'ring-advisor':
        ring(call, decision.advisorId);
        return;
      case 'offer-owner-choice':
        call.state = 'prompt';
        call.timer = q.after(a.ownerPromptMs, () => {
          call.ownerChoice = call.arrival.ownerKey === 'none' ? decision.defaultChoice : call.arrival.ownerKey;
          step(call);
        });
        return;
      case 'wait-for-owner':
        enterWaiting(call, { kind: 'owner', advisorId: decision.ownerId });
        call.timer = q.after(decision.maxWaitMs, () => {
          leaveWaiting(call);
          call.ownerWaitTimedOut = true;
          step(call);
        });
        return;
      case 'create-callback':
        createCallback(call, decision.callbackReason, decision.preferredAdvisorId);
        finish(call, 'callback', null);
        return;
      case 'offer-peak-callback':
        call.state = 'prompt';
        call.timer = q.after(a.peakPromptMs, () => {
          call.peakChoice = call.arrival.acceptsPeakCallback ? 'callback' : 'wait';
          step(call);
        });
        return;
      case 'wait-in-pool':
        enterWaiting(call, { kind: 'pool' });
        return;
    }
  };

  const abandon = (call: LiveCall) => {
    if (call.state === 'done' || call.state === 'talking') return;
    if (call.ringing !== null) {
      const advisorId = call.ringing;
      call.ringing = null;
      reserved.delete(advisorId);
      presence.phoneState(advisorId, 'idle');
    }
    finish(call, 'abandoned', null);
    const waited = now() - call.arrival.at;
    const member = call.context.member;
    if (waited <= world.abandonThresholdMs) return;
    // As the callback service does: no callback for a member reached since this call began.
    if (member && (reachedAt.get(member.id) ?? -Infinity) >= call.arrival.at) return;
    createCallback(call, 'abandoned', world.settings.route.affinity ? (call.context.owner?.id ?? null) : null);
  };

  // ---- the dispatcher: a freed advisor takes the oldest eligible work --------------------
  const offer = (advisorId: number) => {
    if (reserved.has(advisorId)) return;
    const advisor = directory.get(advisorId);
    const current = presence.get(advisorId) ?? null;
    if (!advisor || foldPresence(current, now()).availability !== 'available') return;
    const work = candidates();
    if (work.length === 0 && waiting.size === 0) return;
    const pick = pickForAdvisor(advisor, current, work, [...waiting.values()], now(), world.settings.dispatch, {
      delegatesOf,
      presences: presence.snapshot(),
    });
    if (pick.kind === 'serve-live-caller') {
      const call = calls.get(pick.callId);
      if (!call) return;
      cancelTimer(call);
      ring(call, advisorId);
    } else if (pick.kind === 'dial-callback') {
      const entry = open.get(pick.callbackId);
      if (entry) dialCallback(entry, advisorId);
    }
  };

  // ---- the day --------------------------------------------------------------------------
  for (const shift of plan.shifts) {
    presence.track(shift.advisorId, 'idle');
    if (!shift.present) continue;
    q.at(plan.opensAt, () => {
      presence.desktopConnected(shift.advisorId);
      presence.requestState(shift.advisorId, 'ready');
    });
    q.at(shift.lunchFrom, () => presence.requestState(shift.advisorId, 'not-ready', 'lunch'));
    q.at(shift.lunchUntil, () => presence.requestState(shift.advisorId, 'ready'));
  }
  for (let t = plan.opensAt; t < plan.closesAt + HOUR_MS; t += DISPATCH_TICK_MS) {
    q.at(t, () => {
      for (const shift of plan.shifts) if (shift.present) offer(shift.advisorId);
    });
  }
  for (const arrival of plan.arrivals) {
    q.at(arrival.at, () => {
      const context = arrival.member === null ? UNKNOWN_CALLER : world.contexts[arrival.member]!;
      const call: LiveCall = {
        arrival,
        context,
        callId: `day:${arrival.index}`,
        state: 'routing',
        tried: [],
        ownerWaitTimedOut: false,
        ownerChoice: null,
        peakChoice: null,
        legs: 0,
        ringing: null,
        timer: null,
        patience: null,
        outcome: { arrival, member: context.member !== null, outcome: 'unserved', waitedMs: 0, relation: null },
      };
      calls.set(call.callId, call);
      result.calls.push(call.outcome);
      call.patience = q.after(arrival.patienceMs, () => abandon(call));
      step(call);
    });
  }
  // Advisors stay until the last caller of the day is served; callbacks stop at closing.
  q.run(plan.closesAt + 2 * HOUR_MS);
  for (const [id, since] of workingSince) {
    addBusy(since, now());
    workingSince.delete(id);
  }
  directory.stop();
  return result;
}
