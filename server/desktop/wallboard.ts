// Assembles the wallboard supervisors see from what the server already knows. Pure: the
// caller passes the advisors, their presence, the waiting calls, the open callbacks and
// today's counts; the gateway throttles what this returns.
import type { Advisor, AdvisorPresence, Callback } from '../domain/model.js';
import type { Wallboard, WallboardAdvisor, WallboardCallback, WallboardWaitingCall } from './contract.js';

export interface WallboardInput {
  now: number;
  advisors: readonly Advisor[];
  presenceOf: (advisorId: number) => AdvisorPresence | undefined;
  waiting: readonly WallboardWaitingCall[];
  /** Open callbacks (any order); closed ones are left out. */
  callbacks: readonly (Callback & { memberName?: string | null })[];
  today: { own: number; delegate: number; pool: number; offered: number; answered: number; answeredInTarget: number; abandoned: number };
}

const OPEN_CALLBACK_STATES = new Set(['pending', 'reserved', 'dialing']);

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function advisorRow(advisor: Advisor, presence: AdvisorPresence | undefined): WallboardAdvisor {
  const phone = presence?.phone ?? 'unavailable';
  const since = phone === 'in-use' ? presence?.currentCallSince : presence?.desktop === 'ready' && phone === 'idle' ? presence.idleSince : null;
  return {
    advisorId: advisor.id,
    name: advisor.name,
    nameZh: advisor.nameZh,
    tier: advisor.tier,
    state: presence?.desktop ?? 'logged-out',
    phone,
    reason: presence?.notReadyReason ?? null,
    markedAbsent: presence?.markedAbsent ?? false,
    since: iso(since ?? null),
  };
}

function callbackRow(cb: Callback & { memberName?: string | null }): WallboardCallback {
  return {
    id: cb.id,
    memberName: cb.memberName ?? null,
    number: cb.number,
    reason: cb.reason,
    state: cb.state,
    preferredAdvisorId: cb.preferredAdvisorId,
    firstCallAt: cb.firstCallAt,
    dueAt: cb.dueAt,
  };
}

const share = (part: number, whole: number, empty: number) => (whole > 0 ? part / whole : empty);

export function buildWallboard(input: WallboardInput): Wallboard {
  const { today } = input;
  const memberCalls = today.own + today.delegate + today.pool;
  return {
    at: new Date(input.now).toISOString(),
    advisors: input.advisors.filter((a) => a.active).map((a) => advisorRow(a, input.presenceOf(a.id))),
    waiting: [...input.waiting].sort((a, b) => a.waitingSince.localeCompare(b.waitingSince)),
    callbacks: input.callbacks
      .filter((cb) => OPEN_CALLBACK_STATES.has(cb.state))
      .map(callbackRow)
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt)),
    today: {
      affinity: { own: today.own, delegate: today.delegate, pool: today.pool, rate: share(today.own + today.delegate, memberCalls, 0) },
      serviceLevel: share(today.answeredInTarget, today.answered + today.abandoned, 1),
      abandonment: share(today.abandoned, today.offered, 0),
      offered: today.offered,
      answered: today.answered,
      abandoned: today.abandoned,
    },
  };
}
