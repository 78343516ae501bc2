// The callback queue's business rules over the store: booking what callers ask for (merged
// with an open callback of the same member, never duplicated), capturing abandoned calls,
// closing abandoned callbacks of members who got through, and supervisor edits. Every
// change is audited by the store in the same transaction and announced here as a
// `changed` event (the composition root forwards it to the desktops as `callbacks:changed`).
import { EventEmitter } from 'node:events';
import type { Config } from '../config/config.js';
import type { CallbackChangeAction } from '../desktop/contract.js';
import { ladderStartFor, ladderStartOnCallNow } from '../domain/callback-ladder.js';
import type { CallbackReason, CallbackState } from '../domain/model.js';
import type { Logger } from '../shared/logger.js';
import { ConflictError, ValidationError } from '../shared/errors.js';
import { SYSTEM_ACTOR, type Actor, type CallbackEvent } from '../store/callback-audit.js';
import type { CallbackFilter, CallbackPatch, CallbackRecord, CallbackStore } from '../store/callbacks.js';
import type { CallStore } from '../store/calls.js';
import type { MemberStore } from '../store/members.js';
import type { AdvisorStore } from '../store/advisors.js';
import type { Page, PageResult } from '../store/sql.js';
import type { CallbackPort, CallbackRequest } from '../pbx/call-flow/callback-port.js';
import type { CallAnsweredEvent, CallerAbandonedEvent } from '../pbx/call-flow/events.js';
import type { CallbackChange } from './callback-changes.js';
import { KeyedQueue } from './keyed-queue.js';

/** The repositories the service uses (the Store satisfies it). */
export interface CallbackServiceStore {
  callbacks: CallbackStore;
  calls: Pick<CallStore, 'reachedSince'>;
  members: Pick<MemberStore, 'get'>;
  advisors: Pick<AdvisorStore, 'get'>;
}

export interface CallbackServiceOptions {
  store: CallbackServiceStore;
  config: Pick<Config, 'callbacks'>;
  logger: Logger;
  now: () => number;
}

export type AbandonCapture =
  | { kind: 'created'; callback: CallbackRecord }
  | { kind: 'merged'; callback: CallbackRecord }
  | { kind: 'ignored'; why: 'short-wait' | 'no-number' | 'reached-since' };

/** What a person may plan: a call the member asked for (on the phone, by mail), or a proactive one. */
export const PLANNED_CALLBACK_REASONS = ['manual', 'requested'] as const;

export interface ManualCallback {
  memberId: number | null;
  /**
   * `requested`: the member asked for this call, so the weekly cap and the gap between
   * proactive contacts do not hold it back (quiet hours do). Default `manual`: proactive.
   */
  reason?: (typeof PLANNED_CALLBACK_REASONS)[number];
  /** Defaults to the member's first phone. */
  number?: string;
  /** Defaults to the member's owner. */
  preferredAdvisorId?: number | null;
  assignedAdvisorId?: number | null;
  priority?: number;
  /** "Call me after 3 pm": not before this time. */
  dueAt?: string;
  note?: string;
}

export interface SupervisorPatch {
  assignedAdvisorId?: number | null;
  dueAt?: string;
  priority?: number;
  /** Lets pacing rules be lifted for this callback, with the reason logged. */
  override?: { reason: string } | null;
  note?: string;
}

const MEMBER_ASKED: readonly CallbackReason[] = ['requested', 'peak-offer'];
/** States in which a supervisor may still edit a callback. */
const EDITABLE: CallbackState[] = ['pending', 'failed'];

export class CallbackService extends EventEmitter<{ changed: [CallbackChange] }> {
  /** One booking at a time per member (or number): two abandons of one member make one callback. */
  private readonly perMember = new KeyedQueue();
  readonly port: CallbackPort;

  constructor(private readonly options: CallbackServiceOptions) {
    super();
    this.port = { request: (input) => this.request(input) };
  }

  private get store(): CallbackStore {
    return this.options.store.callbacks;
  }

  private iso(): string {
    return new Date(this.options.now()).toISOString();
  }

  /** Announces stored changes; a listener failing never undoes or fails the change. */
  announce(action: CallbackChangeAction, callbacks: readonly CallbackRecord[]): void {
    if (callbacks.length === 0) return;
    try {
      this.emit('changed', { action, callbacks, at: this.iso() });
    } catch (err) {
      this.options.logger.error({ err, action }, 'a callbacks:changed listener failed');
    }
  }

  /**
   * A caller asked for a callback (owner prompt key 2, or a peak offer accepted). Stored
   * before the call flow plays the confirmation. An open callback of the same member is
   * reused: a member-asked one keeps its place; a proactive one (abandoned, manual) is
   * replaced by this request, which keeps the earlier first-call time.
   */
  async request(input: CallbackRequest): Promise<{ id: number }> {
    return this.perMember.run(keyOf(input.memberId, input.number), async () => {
      const open = await this.openFor(input.memberId, input.number);
      const existing = open[0];
      if (existing && (existing.state !== 'pending' || MEMBER_ASKED.includes(existing.reason))) {
        const patch: CallbackPatch = { note: joinNote(existing.note, `asked again (${input.reason}) at ${this.iso()}`) };
        if (existing.preferredAdvisorId === null && input.preferredAdvisorId !== null) patch.preferredAdvisorId = input.preferredAdvisorId;
        if (existing.state === 'pending') {
          const updated = await this.store.update(existing.id, patch, SYSTEM_ACTOR, ['pending'], 'merged with a new request of the same member');
          this.announce('updated', [updated]);
        }
        return { id: existing.id };
      }
      const firstCallAt = existing && existing.firstCallAt < input.firstCallAt ? existing.firstCallAt : input.firstCallAt;
      const created = await this.store.create(
        {
          memberId: input.memberId,
          number: input.number,
          reason: input.reason,
          preferredAdvisorId: input.preferredAdvisorId ?? existing?.preferredAdvisorId ?? null,
          firstCallAt,
          dueAt: this.iso(),
          maxAttempts: this.options.config.callbacks.maxAttempts,
          callId: input.callId,
          note: input.note,
          priority: existing?.priority ?? 0,
        },
        SYSTEM_ACTOR,
      );
      this.announce('created', [created]);
      if (existing) {
        const merged = await this.store.cancel(existing.id, `merged into callback ${created.id}: the member asked for a callback`, SYSTEM_ACTOR);
        this.announce('cancelled', [merged]);
      }
      return { id: created.id };
    });
  }

  /**
   * A caller hung up before anyone answered. Longer than the abandon threshold, they get
   * an `abandoned` callback, unless they were reached since (a later answered call) or
   * already have an open callback, which then records the new abandon instead.
   */
  async captureAbandoned(event: CallerAbandonedEvent): Promise<AbandonCapture> {
    if (event.waitedMs <= this.options.config.callbacks.abandonThresholdMs) return { kind: 'ignored', why: 'short-wait' };
    const number = event.callerNumber.trim();
    const memberId = event.member?.id ?? null;
    if (!/\d{3,}/.test(number)) return { kind: 'ignored', why: 'no-number' };
    return this.perMember.run(keyOf(memberId, number), async () => {
      const firstCallAt = new Date(event.firstCallAt).toISOString();
      if (await this.options.store.calls.reachedSince({ memberId, number }, firstCallAt)) return { kind: 'ignored', why: 'reached-since' };
      const [existing] = await this.openFor(memberId, number);
      const note = `abandoned at ${event.where} after ${Math.round(event.waitedMs / 1000)} s (call ${event.callId})`;
      if (existing) {
        if (existing.state !== 'pending') return { kind: 'merged', callback: existing };
        const updated = await this.store.update(existing.id, { note: joinNote(existing.note, note) }, SYSTEM_ACTOR, ['pending'], 'another abandoned call of the same member');
        this.announce('updated', [updated]);
        return { kind: 'merged', callback: updated };
      }
      const created = await this.store.create(
        {
          memberId,
          number,
          reason: 'abandoned',
          preferredAdvisorId: event.owner?.advisor.id ?? null,
          firstCallAt,
          dueAt: this.iso(),
          maxAttempts: this.options.config.callbacks.maxAttempts,
          callId: event.storedCallId,
          note,
        },
        SYSTEM_ACTOR,
      );
      this.announce('created', [created]);
      return { kind: 'created', callback: created };
    });
  }

  /** The member got through: their waiting abandoned callbacks are closed, with the reason. */
  async memberReached(event: CallAnsweredEvent): Promise<CallbackRecord[]> {
    const number = event.callerNumber.trim();
    const memberId = event.member?.id ?? null;
    if (memberId === null && !/\d{3,}/.test(number)) return [];
    return this.perMember.run(keyOf(memberId, number), async () => {
      const open = await this.openFor(memberId, number);
      const closed: CallbackRecord[] = [];
      for (const callback of open) {
        if (callback.reason !== 'abandoned' || callback.state !== 'pending' || callback.firstCallAt > event.at) continue;
        try {
          closed.push(await this.store.cancel(callback.id, `member got through: call ${event.callId} answered by advisor ${event.advisorId}`, SYSTEM_ACTOR));
        } catch (err) {
          // Claimed by a dispatcher meanwhile: that dial goes on and records its own result.
          if (!(err instanceof ConflictError)) throw err;
        }
      }
      this.announce('cancelled', closed);
      return closed;
    });
  }

  async createManual(input: ManualCallback, actor: Actor): Promise<CallbackRecord> {
    const member = input.memberId === null ? null : await this.options.store.members.get(input.memberId);
    if (input.memberId !== null && !member) throw new ValidationError(`Member ${input.memberId} does not exist.`);
    const number = input.number ?? member?.phones[0];
    if (!number) throw new ValidationError('Give the number to call: the member has no phone on record.');
    for (const id of [input.preferredAdvisorId, input.assignedAdvisorId]) {
      if (id !== undefined && id !== null) await this.requireActiveAdvisor(id);
    }
    const created = await this.store.create(
      {
        memberId: input.memberId,
        number,
        reason: input.reason ?? 'manual',
        preferredAdvisorId: input.preferredAdvisorId === undefined ? (member?.ownerId ?? null) : input.preferredAdvisorId,
        assignedAdvisorId: input.assignedAdvisorId ?? null,
        priority: input.priority ?? 0,
        firstCallAt: this.iso(),
        dueAt: input.dueAt ?? this.iso(),
        scheduled: input.dueAt !== undefined,
        maxAttempts: this.options.config.callbacks.maxAttempts,
        note: input.note ?? '',
      },
      actor,
    );
    this.announce('created', [created]);
    return created;
  }

  /**
   * Assign, reschedule, prioritise or lift pacing. A failed callback given a new due time
   * goes back to the queue with one more attempt allowed. A new due time restarts the ladder
   * there (or now, if it is past): the owner's window opens when the callback is workable
   * as the person asked.
   */
  async update(id: number, patch: SupervisorPatch, actor: Actor): Promise<CallbackRecord> {
    return this.edit(id, patch, actor, 'reschedule');
  }

  private async edit(id: number, patch: SupervisorPatch, actor: Actor, timing: 'reschedule' | 'call-now'): Promise<CallbackRecord> {
    const before = await this.store.require(id);
    if (!EDITABLE.includes(before.state)) {
      throw new ConflictError(`Callback ${id} is ${before.state}: only pending or failed callbacks can be changed.`);
    }
    if (patch.assignedAdvisorId !== undefined && patch.assignedAdvisorId !== null) await this.requireActiveAdvisor(patch.assignedAdvisorId);
    const changes: CallbackPatch = {};
    if (patch.assignedAdvisorId !== undefined) changes.assignedAdvisorId = patch.assignedAdvisorId;
    if (patch.priority !== undefined) changes.priority = patch.priority;
    if (patch.dueAt !== undefined) {
      const now = this.options.now();
      const ladderFrom = timing === 'call-now' ? ladderStartOnCallNow(Date.parse(before.ladderFrom), now) : ladderStartFor(Date.parse(patch.dueAt), now);
      Object.assign(changes, { dueAt: patch.dueAt, ladderFrom: new Date(ladderFrom).toISOString(), scheduled: true });
    }
    if (patch.override !== undefined) {
      if (patch.override !== null && !patch.override.reason.trim()) throw new ValidationError('Say why pacing is overridden.');
      changes.pacingOverrideReason = patch.override === null ? null : patch.override.reason.trim();
      changes.pacingOverrideBy = patch.override === null ? null : actor.userId;
    }
    if (patch.note !== undefined) changes.note = patch.note;
    if (Object.keys(changes).length === 0) throw new ValidationError('Send at least one field to change.');
    const note = patch.override ? `pacing override: ${patch.override.reason.trim()}` : '';
    let updated: CallbackRecord;
    if (before.state === 'failed' && patch.dueAt !== undefined) {
      updated = await this.store.transition(
        id,
        { from: 'failed', to: 'pending', patch: { ...changes, maxAttempts: Math.max(before.maxAttempts, before.attempts + 1) }, note: note || 'rescheduled after failing' },
        actor,
      );
    } else {
      updated = await this.store.update(id, changes, actor, EDITABLE, note);
    }
    this.announce(actionOf(patch), [updated]);
    return updated;
  }

  async cancel(id: number, reason: string, actor: Actor): Promise<CallbackRecord> {
    const cancelled = await this.store.cancel(id, reason, actor);
    this.announce('cancelled', [cancelled]);
    return cancelled;
  }

  /**
   * Due now, and for an agent acting on their own callback, theirs alone. A ladder not yet
   * started starts now; one already running keeps its place (calling now never hands a
   * callback back to its owner alone).
   */
  async callNow(id: number, actor: Actor, advisorId: number | null): Promise<CallbackRecord> {
    const patch: SupervisorPatch = { dueAt: this.iso() };
    if (advisorId !== null) patch.assignedAdvisorId = advisorId;
    return this.edit(id, patch, actor, 'call-now');
  }

  get(id: number): Promise<CallbackRecord | null> {
    return this.store.get(id);
  }

  require(id: number): Promise<CallbackRecord> {
    return this.store.require(id);
  }

  events(id: number): Promise<CallbackEvent[]> {
    return this.store.events(id);
  }

  list(filter: CallbackFilter, page?: Page, order: 'urgency' | 'due' | 'newest' = 'due'): Promise<PageResult<CallbackRecord>> {
    return this.store.list(filter, page, order);
  }

  private async openFor(memberId: number | null, number: string): Promise<CallbackRecord[]> {
    const open = await this.store.findOpen({ memberId, number });
    // A shared number (family phone) must not merge two different members.
    return open.filter((c) => memberId === null || c.memberId === null || c.memberId === memberId);
  }

  private async requireActiveAdvisor(id: number): Promise<void> {
    const advisor = await this.options.store.advisors.get(id);
    if (!advisor || !advisor.active) throw new ValidationError(`Advisor ${id} does not exist or has left.`);
  }
}

function keyOf(memberId: number | null, number: string): string {
  return memberId !== null ? `member:${memberId}` : `number:${number}`;
}

function joinNote(existing: string, addition: string): string {
  return (existing ? `${existing}\n${addition}` : addition).slice(-2000);
}

function actionOf(patch: SupervisorPatch): CallbackChangeAction {
  if (patch.assignedAdvisorId !== undefined) return 'assigned';
  if (patch.dueAt !== undefined) return 'rescheduled';
  return 'updated';
}
