// The audit trail of the callback queue: one row for every change, written in the
// same transaction as the change, with the changed fields before and after.
import type { Knex } from 'knex';
import { num, numOrNull, parseJson } from './sql.js';

/** Who changed a callback: a signed-in user, the system, or a dispatcher instance. */
export interface Actor {
  userId: number | null;
  /** `system`, `user`, or the dispatcher's worker id. */
  label: string;
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system' };

export function userActor(userId: number): Actor {
  return { userId, label: 'user' };
}

export function workerActor(workerId: string): Actor {
  return { userId: null, label: workerId };
}

export const CALLBACK_ACTIONS = {
  created: 'created',
  updated: 'updated',
  claimed: 'claimed',
  attempt: 'attempt',
  leaseExpired: 'lease-expired',
  transition: 'transition',
  cancelled: 'cancelled',
} as const;
export type CallbackAction = (typeof CALLBACK_ACTIONS)[keyof typeof CALLBACK_ACTIONS];

export interface CallbackEvent {
  id: number;
  callbackId: number;
  at: string;
  actorUserId: number | null;
  actor: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  note: string;
}

interface EventRow {
  id: number;
  callback_id: number;
  at: string;
  actor_user_id: number | null;
  actor: string;
  action: string;
  before: string | null;
  after: string | null;
  note: string;
}

export interface AuditEntry {
  callbackId: number;
  action: CallbackAction;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  note?: string;
}

export async function writeAudit(trx: Knex.Transaction, actor: Actor, at: string, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  await trx('callback_events').insert(
    entries.map((e) => ({
      callback_id: e.callbackId,
      at,
      actor_user_id: actor.userId,
      actor: actor.label.slice(0, 128),
      action: e.action,
      before: e.before ? JSON.stringify(e.before) : null,
      after: e.after ? JSON.stringify(e.after) : null,
      note: e.note ?? '',
    })),
  );
}

/** The fields that differ, as `{ before, after }` (keys as in the domain type). */
export function diff<T extends object>(before: T, after: T): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after) as Array<keyof T & string>) {
    if (key === 'updatedAt') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}

export async function listEvents(db: Knex, callbackId: number): Promise<CallbackEvent[]> {
  const rows = (await db('callback_events').where({ callback_id: callbackId }).orderBy('id')) as EventRow[];
  return rows.map((r) => ({
    id: num(r.id),
    callbackId: num(r.callback_id),
    at: r.at,
    actorUserId: numOrNull(r.actor_user_id),
    actor: r.actor,
    action: r.action,
    before: parseJson<Record<string, unknown> | null>(r.before, null),
    after: parseJson<Record<string, unknown> | null>(r.after, null),
    note: r.note,
  }));
}
