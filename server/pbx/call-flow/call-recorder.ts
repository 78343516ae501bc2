// Stores every inbound call with its reason trail. Writes for one call are chained so
// they land in order, and none of them is awaited on the ringing path: the row is
// inserted right after the first originate is placed. A failed write is logged and the
// call goes on (a caller is never dropped because the database is slow).
import type { Language, RouteReason, RouteStep } from '../../domain/model.js';
import { ConflictError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { CallOutcome, CallPatch, NewCall } from '../../store/calls.js';
import { normalizePhone } from '../../domain/phone.js';
import type { AbandonPlace, CallEndOutcome } from './events.js';
import type { InboundCall } from './inbound-call.js';

/** What the recorder needs from the store (CallStore satisfies it). */
export interface CallRecordStore {
  insert(input: NewCall): Promise<{ id: number }>;
  getByUniqueid(node: string, uniqueid: string): Promise<{ id: number } | null>;
  update(id: number, patch: CallPatch): Promise<unknown>;
  appendStep(id: number, step: RouteStep): Promise<unknown>;
}

const STORED_OUTCOME: Record<CallEndOutcome, CallOutcome> = {
  completed: 'answered',
  abandoned: 'abandoned',
  callback: 'callback-requested',
  failed: 'failed',
  lost: 'abandoned',
};

export interface CallClose {
  outcome: CallEndOutcome;
  abandonedAt: AbandonPlace | null;
  waitedMs: number;
  endedAt: number;
}

export class CallRecorder {
  private readonly chains = new Map<string, Promise<number | null>>();

  constructor(
    private readonly store: CallRecordStore,
    private readonly log: Logger,
    /** Stored caller numbers are normalised like member phones, so callbacks and stats can match them. */
    private readonly defaultCountry: string,
  ) {}

  /** Inserts the call row with what is known after identification. */
  open(call: InboundCall): void {
    if (this.isOpen(call)) return;
    const ivr: Record<string, unknown> = { ...call.ivr.extra };
    if (call.ivr.choice !== null) ivr.choice = call.ivr.choice;
    if (call.ivr.language !== null) ivr.language = call.ivr.language;
    if (call.ivr.memberNo !== null) ivr.memberNo = call.ivr.memberNo;
    const input: NewCall = {
      node: call.node,
      uniqueid: call.channelId,
      channelId: call.channelId,
      direction: 'inbound',
      callerNumber: storedNumber(call.callerNumber, this.defaultCountry),
      memberId: call.context.member?.id ?? null,
      ownerId: call.context.owner?.id ?? null,
      ivr,
      language: call.language as Language,
      startedAt: new Date(call.startedAt).toISOString(),
      trail: [...call.trail],
    };
    const inserted = this.insertOrResume(input).then(
      (id) => {
        call.storedId = id;
        return id;
      },
      (err: unknown) => {
        call.log.error({ err }, 'could not store the call; it goes on unrecorded');
        return null;
      },
    );
    this.chains.set(call.callId, inserted);
  }

  /**
   * A caller adopted after a restart already has its row (same node and channel): the
   * row is kept and this server's steps are appended to its trail.
   */
  private async insertOrResume(input: NewCall): Promise<number> {
    try {
      return (await this.store.insert(input)).id;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const existing = await this.store.getByUniqueid(input.node ?? '', input.uniqueid);
      if (!existing) throw err;
      for (const step of input.trail ?? []) await this.store.appendStep(existing.id, step);
      return existing.id;
    }
  }

  isOpen(call: InboundCall): boolean {
    return this.chains.has(call.callId);
  }

  /** Appends a finished routing step (already in `call.trail`); before `open` the row will carry it anyway. */
  step(call: InboundCall, step: RouteStep): void {
    if (!this.isOpen(call)) return;
    this.then(call, (id) => this.store.appendStep(id, step));
  }

  answered(call: InboundCall, advisorId: number, reason: RouteReason, at: number): void {
    this.then(call, (id) =>
      this.store.update(id, {
        answeredBy: advisorId,
        reason,
        answeredAt: new Date(at).toISOString(),
        waitedMs: at - call.startedAt,
        outcome: 'answered',
      }),
    );
  }

  setCallback(call: InboundCall, callbackId: number): void {
    this.then(call, (id) => this.store.update(id, { callbackId }));
  }

  /** The final write; resolves when everything for the call is stored (or failed and was logged). */
  async close(call: InboundCall, close: CallClose): Promise<void> {
    if (!this.isOpen(call)) this.open(call);
    const answered = call.answered !== null;
    this.then(call, (id) =>
      this.store.update(id, {
        outcome: answered ? 'answered' : STORED_OUTCOME[close.outcome],
        reason: call.reason,
        abandonedAt: close.abandonedAt,
        waitedMs: close.waitedMs,
        endedAt: new Date(close.endedAt).toISOString(),
      }),
    );
    await this.chains.get(call.callId);
    this.chains.delete(call.callId);
  }

  /** Waits for every call's pending writes (shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private then(call: InboundCall, write: (id: number) => Promise<unknown>): void {
    const chain = this.chains.get(call.callId);
    if (!chain) {
      this.log.warn({ callId: call.callId }, 'call write before the call row was opened; dropped');
      return;
    }
    const next = chain.then(async (id) => {
      if (id === null) return null;
      try {
        await write(id);
      } catch (err) {
        call.log.error({ err }, 'could not update the stored call');
      }
      return id;
    });
    this.chains.set(call.callId, next);
  }
}

/** E.164 digits when the number is usable, else as presented (anonymous, short codes). */
function storedNumber(raw: string, defaultCountry: string): string {
  const normalized = normalizePhone(raw, { defaultCountry });
  return normalized.ok ? normalized.phone : raw.slice(0, 32);
}
