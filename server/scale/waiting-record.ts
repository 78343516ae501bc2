// What one server tells the others about the callers waiting on its nodes: the whole list,
// replaced on every change, so the wallboard and the expected waits see the floor's queue.
// Only what routing and the wallboard read travels (no names, no phone numbers). Pure:
// building, reading and combining records is decided here, Redis stays outside.
import { z } from 'zod';
import { ADVISOR_TIERS, MEMBER_LEVELS } from '../domain/model.js';
import type { WaitingCaller } from '../routing/waiting-choice.js';

/** A floor never has this many callers waiting on one server: a larger record is refused whole. */
export const MAX_WAITING_PER_SERVER = 5_000;

const id = z.number().int().positive();
const epochMs = z.number().int().nonnegative();

const waitingCallerSchema = z.object({
  callId: z.string().min(1).max(300),
  node: z.string().min(1).max(100),
  memberId: id.nullable(),
  ownerId: id.nullable(),
  waitingFor: z.discriminatedUnion('kind', [z.object({ kind: z.literal('owner'), advisorId: id }), z.object({ kind: z.literal('pool') })]),
  firstCallAt: epochMs,
  waitingSince: epochMs,
  memberLevel: z.enum(MEMBER_LEVELS).nullable(),
  minimumTier: z.enum(ADVISOR_TIERS).optional(),
  triedAdvisorIds: z.array(id).max(1_000),
});

const waitingRecordSchema = z.object({
  /** Order across all servers (a Redis counter): an older record never replaces a newer one. */
  seq: z.number().int().positive(),
  origin: z.string().min(1).max(100),
  /** The origin's clock when it wrote the list (for logs and debugging). */
  at: epochMs,
  // Each caller is checked on its own: one a newer server writes differently costs only that caller.
  callers: z.array(z.unknown()).max(MAX_WAITING_PER_SERVER),
});

export interface WaitingRecord {
  seq: number;
  origin: string;
  at: number;
  callers: WaitingCaller[];
}

/** A record before Redis numbered it. */
export type UnsequencedWaitingRecord = Omit<WaitingRecord, 'seq'>;

/** The shared fields only, so a field later added to WaitingCaller is not sent by accident. */
export function waitingRecord(origin: string, callers: readonly WaitingCaller[], at: number): UnsequencedWaitingRecord {
  return {
    origin,
    at,
    callers: callers.map((c) => ({
      callId: c.callId,
      node: c.node,
      memberId: c.memberId,
      ownerId: c.ownerId,
      waitingFor: c.waitingFor.kind === 'owner' ? { kind: 'owner', advisorId: c.waitingFor.advisorId } : { kind: 'pool' },
      firstCallAt: c.firstCallAt,
      waitingSince: c.waitingSince,
      memberLevel: c.memberLevel,
      ...(c.minimumTier ? { minimumTier: c.minimumTier } : {}),
      triedAdvisorIds: [...c.triedAdvisorIds],
    })),
  };
}

export type ParsedWaitingRecord =
  | { ok: true; record: WaitingRecord; /** Callers left out because they could not be read. */ dropped: number }
  | { ok: false; problem: string };

export function parseWaitingRecord(text: string): ParsedWaitingRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = waitingRecordSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: issues(parsed.error) };
  const callers: WaitingCaller[] = [];
  for (const candidate of parsed.data.callers) {
    const caller = waitingCallerSchema.safeParse(candidate);
    if (caller.success) callers.push(caller.data);
  }
  const { seq, origin, at } = parsed.data;
  return { ok: true, record: { seq, origin, at, callers }, dropped: parsed.data.callers.length - callers.length };
}

/**
 * The other servers' waiting callers, oldest first-call time first: only records of
 * servers known alive count, and this server's own record never does (it has the truth).
 */
export function remoteCallers(records: Iterable<WaitingRecord>, alive: ReadonlySet<string>, self: string): WaitingCaller[] {
  const out: WaitingCaller[] = [];
  for (const record of records) {
    if (record.origin === self || !alive.has(record.origin)) continue;
    out.push(...record.callers);
  }
  return out.sort((a, b) => a.firstCallAt - b.firstCallAt);
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}
