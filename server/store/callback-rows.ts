// The callback table's shape: domain types of a stored callback, what may change, the
// life-cycle transitions allowed, urgency order, and the row <-> record mapping.
import { type Callback, type CallbackReason, type CallbackState, type Language, type MemberLevel } from '../domain/model.js';
import { ValidationError } from '../shared/errors.js';
import { bool, isoInput, num, numOrNull } from './sql.js';

export interface CallbackRecord extends Callback {
  /** The due time was chosen (by the member or a supervisor), not "as soon as possible". */
  scheduled: boolean;
  cancelReason: string | null;
  /** Why a supervisor let this callback ignore the pacing rules, if they did. */
  pacingOverrideReason: string | null;
  /** The user who allowed the override. */
  pacingOverrideBy: number | null;
  completedBy: number | null;
  completedAt: string | null;
  note: string;
}

export interface DueCallback {
  callback: CallbackRecord;
  /** Null when the callback has no member (an unknown caller). */
  memberLevel: MemberLevel | null;
  timeZone: string | null;
  language: Language | null;
}

export interface NewCallback {
  memberId: number | null;
  number: string;
  reason: CallbackReason;
  preferredAdvisorId?: number | null;
  assignedAdvisorId?: number | null;
  priority?: number;
  firstCallAt?: string;
  dueAt?: string;
  scheduled?: boolean;
  maxAttempts: number;
  callId?: number | null;
  note?: string;
}

/** What a supervisor may change on a waiting callback (`ladderFrom` moves with an explicit reschedule only). */
export type CallbackPatch = Partial<
  Pick<
    CallbackRecord,
    'assignedAdvisorId' | 'preferredAdvisorId' | 'priority' | 'dueAt' | 'ladderFrom' | 'scheduled' | 'maxAttempts' | 'pacingOverrideReason' | 'pacingOverrideBy' | 'note'
  >
>;

/** Fields a state transition may set besides the state. */
export type TransitionPatch = CallbackPatch &
  Partial<Pick<CallbackRecord, 'attempts' | 'lastResult' | 'callId' | 'completedBy' | 'completedAt' | 'cancelReason' | 'leaseUntil'>>;

export interface TransitionRequest {
  from: CallbackState | CallbackState[];
  to: CallbackState;
  patch?: TransitionPatch;
  /** When set, the callback must still be reserved by this worker (its lease was not lost). */
  reservedBy?: string;
  note?: string;
}

export interface CallbackFilter {
  state?: CallbackState | CallbackState[];
  reason?: CallbackReason;
  /** Involving this advisor: preferred or assigned (a supervisor's view of someone's callbacks). */
  advisorId?: number;
  /** Held by this advisor (`callbackHolder`): assigned to them, or unassigned and preferred for them (an agent's own). */
  heldBy?: number;
  memberId?: number;
  number?: string;
  createdBefore?: string;
  createdAfter?: string;
  dueBefore?: string;
}

export interface ClaimRequest {
  workerId: string;
  leaseMs: number;
  limit?: number;
  /** Only these callbacks (the dispatcher decided which one an advisor gets). */
  ids?: number[];
  /** Only callbacks this advisor holds (`callbackHolder`): assigned to them, or unassigned and preferred for them. */
  advisorId?: number;
}

export const OPEN_CALLBACK_STATES: readonly CallbackState[] = ['pending', 'reserved', 'dialing'];

export const TRANSITIONS: Record<CallbackState, readonly CallbackState[]> = {
  pending: ['reserved', 'cancelled', 'failed'],
  reserved: ['dialing', 'pending', 'cancelled'],
  dialing: ['completed', 'failed', 'pending'],
  failed: ['pending', 'cancelled'],
  completed: [],
  cancelled: [],
};

export const COLUMN_OF: Record<keyof TransitionPatch, string> = {
  assignedAdvisorId: 'assigned_advisor_id',
  preferredAdvisorId: 'preferred_advisor_id',
  priority: 'priority',
  dueAt: 'due_at',
  ladderFrom: 'ladder_from',
  scheduled: 'scheduled',
  maxAttempts: 'max_attempts',
  pacingOverrideReason: 'pacing_override_reason',
  pacingOverrideBy: 'pacing_override_by',
  note: 'note',
  attempts: 'attempts',
  lastResult: 'last_result',
  callId: 'call_id',
  completedBy: 'completed_by',
  completedAt: 'completed_at',
  cancelReason: 'cancel_reason',
  leaseUntil: 'lease_until',
};

// Most urgent first: priority, then the caller's original place in line.
export const URGENCY: Array<{ column: string; order: 'asc' | 'desc' }> = [
  { column: 'priority', order: 'desc' },
  { column: 'first_call_at', order: 'asc' },
  { column: 'due_at', order: 'asc' },
  { column: 'id', order: 'asc' },
];

export type CallbackRow = Record<string, unknown> & { id: number };

export function toCallback(r: CallbackRow): CallbackRecord {
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: num(r.id),
    memberId: numOrNull(r.member_id),
    number: String(r.number),
    reason: r.reason as CallbackReason,
    state: r.state as CallbackState,
    preferredAdvisorId: numOrNull(r.preferred_advisor_id),
    assignedAdvisorId: numOrNull(r.assigned_advisor_id),
    priority: num(r.priority),
    firstCallAt: String(r.first_call_at),
    dueAt: String(r.due_at),
    // Rows written around the store (SQLite keeps the column nullable) start their ladder at creation.
    ladderFrom: str(r.ladder_from) ?? String(r.created_at),
    attempts: num(r.attempts),
    maxAttempts: num(r.max_attempts),
    lastResult: str(r.last_result),
    reservedBy: str(r.reserved_by),
    leaseUntil: str(r.lease_until),
    callId: numOrNull(r.call_id),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    scheduled: bool(r.scheduled),
    cancelReason: str(r.cancel_reason),
    pacingOverrideReason: str(r.pacing_override_reason),
    pacingOverrideBy: numOrNull(r.pacing_override_by),
    completedBy: numOrNull(r.completed_by),
    completedAt: str(r.completed_at),
    note: String(r.note ?? ''),
  };
}

export function byUrgency(a: CallbackRecord, b: CallbackRecord): number {
  return b.priority - a.priority || a.firstCallAt.localeCompare(b.firstCallAt) || a.dueAt.localeCompare(b.dueAt) || a.id - b.id;
}

export function checkPatch(patch: TransitionPatch): void {
  if (patch.priority !== undefined && !Number.isInteger(patch.priority)) throw new ValidationError('Priority must be a whole number.');
  if (patch.maxAttempts !== undefined && (!Number.isInteger(patch.maxAttempts) || patch.maxAttempts < 1)) {
    throw new ValidationError('Max attempts must be a whole number, at least 1.');
  }
  if (patch.dueAt !== undefined) isoInput(patch.dueAt, 'dueAt');
  if (patch.ladderFrom !== undefined) isoInput(patch.ladderFrom, 'ladderFrom');
}

const ISO_FIELDS: ReadonlySet<keyof TransitionPatch> = new Set(['dueAt', 'ladderFrom', 'completedAt', 'leaseUntil']);

export function toColumns(patch: TransitionPatch): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(COLUMN_OF) as Array<[keyof TransitionPatch, string]>) {
    const value = patch[key];
    if (value === undefined) continue;
    columns[column] = ISO_FIELDS.has(key) ? (value === null ? null : isoInput(value as string, key)) : value;
  }
  return columns;
}
