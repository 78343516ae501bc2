// The supervisors' live picture: advisors by state, who waits for whom, open
// callbacks, and today's headline figures. Today's figures come from the database
// and are cached briefly; the live parts are read from memory every time (with several
// servers, the waiting callers of all of them).
import type { Wallboard } from '../desktop/contract.js';
import type { PresenceBoard } from '../presence/presence-board.js';
import type { Telephony } from '../pbx/call-flow/telephony.js';
import { withRemoteCallers } from '../pbx/call-flow/waiting-callers.js';
import type { WaitingCaller } from '../routing/waiting-choice.js';
import type { Store } from '../store/index.js';
import { startOfLocalDay } from '../domain/local-time.js';
import { callFigures } from '../stats/summary.js';

export interface WallboardBuilderOptions {
  store: Store;
  presence: PresenceBoard;
  telephony: Pick<Telephony, 'waitingCallers' | 'activeCalls'>;
  /** The callers waiting on the other CTI servers (scale-out), listed with this server's. */
  remoteWaiting?: () => readonly WaitingCaller[];
  now: () => number;
  /** The center's zone (CTI_TIME_ZONE): today's figures start at its local midnight. */
  timeZone: string;
  /** How long today's figures are reused (default 5 s). */
  figuresTtlMs?: number;
  /** Most callbacks listed (oldest first). */
  maxCallbacks?: number;
}

export function wallboardBuilder(options: WallboardBuilderOptions): () => Promise<Wallboard> {
  const { store, presence, telephony, now } = options;
  let figures: { at: number; value: Wallboard['today'] } | null = null;

  const today = async (): Promise<Wallboard['today']> => {
    const at = now();
    if (figures && at - figures.at < (options.figuresTtlMs ?? 5_000)) return figures.value;
    const calls = await store.stats.callTotals({ from: new Date(startOfLocalDay(at, options.timeZone)).toISOString(), to: new Date(at + 1).toISOString() });
    const rates = callFigures(calls);
    const value = {
      affinity: rates.affinity,
      serviceLevel: rates.serviceLevel.rate,
      abandonment: rates.abandonment.rate,
      offered: rates.abandonment.offered,
      answered: calls.answered,
      abandoned: calls.abandoned,
    };
    figures = { at, value };
    return value;
  };

  return async () => {
    const [advisors, open, todayFigures] = await Promise.all([
      store.advisors.list({ active: true }),
      store.callbacks.list({ state: ['pending', 'reserved', 'dialing'] }, { limit: options.maxCallbacks ?? 50, offset: 0 }),
      today(),
    ]);
    const presences = presence.snapshot();
    const live = new Map(telephony.activeCalls().map((c) => [c.callId, c]));
    const waiting = options.remoteWaiting ? withRemoteCallers(telephony.waitingCallers(), options.remoteWaiting()) : telephony.waitingCallers();
    const memberIds = [...new Set(waiting.map((w) => w.memberId).concat(open.items.map((c) => c.memberId)).filter((id): id is number => id !== null))];
    const members = new Map((await Promise.all(memberIds.map((id) => store.members.get(id)))).filter((m) => m !== null).map((m) => [m.id, m]));
    return {
      at: new Date(now()).toISOString(),
      advisors: advisors.map((a) => {
        const p = presences.get(a.id);
        return {
          advisorId: a.id,
          name: a.name,
          nameZh: a.nameZh,
          tier: a.tier,
          state: p?.desktop ?? 'logged-out',
          phone: p?.phone ?? 'unavailable',
          reason: p?.notReadyReason ?? null,
          markedAbsent: p?.markedAbsent ?? false,
          since: p?.currentCallSince ? new Date(p.currentCallSince).toISOString() : p?.idleSince ? new Date(p.idleSince).toISOString() : null,
        };
      }),
      waiting: waiting.map((w) => {
        const member = w.memberId !== null ? members.get(w.memberId) : undefined;
        return {
          callId: w.callId,
          // A caller waiting on another server shows no number: only member ids travel between servers.
          callerNumber: live.get(w.callId)?.callerNumber ?? '',
          memberName: member?.name ?? null,
          memberLevel: member?.level ?? null,
          reason: w.waitingFor.kind === 'owner' ? ('own-advisor' as const) : member ? ('pool' as const) : ('unknown-caller' as const),
          targetAdvisorId: w.waitingFor.kind === 'owner' ? w.waitingFor.advisorId : null,
          waitingSince: new Date(w.waitingSince).toISOString(),
        };
      }),
      callbacks: open.items.map((c) => ({
        id: c.id,
        memberName: c.memberId !== null ? members.get(c.memberId)?.name ?? null : null,
        number: c.number,
        reason: c.reason,
        state: c.state,
        preferredAdvisorId: c.preferredAdvisorId,
        firstCallAt: c.firstCallAt,
        dueAt: c.dueAt,
      })),
      today: todayFigures,
    };
  };
}
