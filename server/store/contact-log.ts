// Every outbound contact and every member-initiated one that pacing must count.
import type { Knex } from 'knex';
import type { CallbackReason } from '../domain/model.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { iso, isoInput, num, numOrNull, type Clock } from './sql.js';

export const CONTACT_KINDS = ['proactive', 'requested', 'abandoned'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export interface ContactEntry {
  id: number;
  memberId: number | null;
  number: string;
  at: string;
  kind: ContactKind;
  callbackId: number | null;
  callId: number | null;
  /** `answered`, `no-answer`, `busy`, `failed`... */
  result: string;
}

export interface ContactWithReason extends ContactEntry {
  /** The reason of the callback the contact belonged to; null outside callbacks. */
  callbackReason: CallbackReason | null;
}

export type NewContact = Omit<ContactEntry, 'id' | 'at' | 'callbackId' | 'callId' | 'result'> &
  Partial<Pick<ContactEntry, 'at' | 'callbackId' | 'callId' | 'result'>>;

interface ContactRow {
  id: number;
  member_id: number | null;
  number: string;
  at: string;
  kind: string;
  callback_id: number | null;
  call_id: number | null;
  result: string;
}

function toContact(r: ContactRow): ContactEntry {
  return {
    id: num(r.id),
    memberId: numOrNull(r.member_id),
    number: r.number,
    at: r.at,
    kind: r.kind as ContactKind,
    callbackId: numOrNull(r.callback_id),
    callId: numOrNull(r.call_id),
    result: r.result,
  };
}

export class ContactLogStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock },
  ) {}

  async insert(entry: NewContact): Promise<ContactEntry> {
    if (!CONTACT_KINDS.includes(entry.kind)) throw new ValidationError(`Contact kind must be one of ${CONTACT_KINDS.join(', ')}.`);
    const [row] = (await this.db('contact_log')
      .insert({
        member_id: entry.memberId,
        number: entry.number,
        at: entry.at ? isoInput(entry.at, 'at') : iso(this.options.clock()),
        kind: entry.kind,
        callback_id: entry.callbackId ?? null,
        call_id: entry.callId ?? null,
        result: entry.result ?? '',
      })
      .returning('*')) as ContactRow[];
    return toContact(row!);
  }

  /** Records how a contact written before its outcome was known ended. */
  async setResult(id: number, result: string): Promise<void> {
    if (!result.trim()) throw new ValidationError('A contact result cannot be empty.');
    const updated = await this.db('contact_log').where({ id }).update({ result });
    if (updated === 0) throw new NotFoundError(`Contact ${id}`);
  }

  /** Contacts with the member (or, for unknown callers, the number) since `since`, newest first. */
  async listRecent(target: { memberId: number | null; number?: string }, since: string): Promise<ContactEntry[]> {
    const query = this.db('contact_log').where('at', '>=', since);
    if (target.memberId !== null) query.where('member_id', target.memberId);
    else if (target.number) query.where('number', target.number);
    else return [];
    const rows = (await query.orderBy([
      { column: 'at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])) as ContactRow[];
    return rows.map(toContact);
  }

  /**
   * `listRecent` for many callers who are not members at once (one query per 500 numbers),
   * for the dispatcher's pacing snapshot. Newest first, by number; numbers with no contact
   * have no entry.
   */
  async listRecentForNumbers(numbers: string[], since: string): Promise<Map<string, ContactEntry[]>> {
    const result = new Map<string, ContactEntry[]>();
    const unique = [...new Set(numbers.filter((n) => n !== ''))];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = (await this.db('contact_log')
        .whereIn('number', unique.slice(i, i + 500))
        .where('at', '>=', since)
        .orderBy([
          { column: 'at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])) as ContactRow[];
      for (const row of rows) {
        const entry = toContact(row);
        const list = result.get(entry.number) ?? [];
        list.push(entry);
        result.set(entry.number, list);
      }
    }
    return result;
  }

  /**
   * Contacts since `since` of many members at once, with their callbacks' reasons, for the
   * dispatcher's pacing snapshot (one query instead of one per member). Oldest first.
   */
  async listRecentForMembers(memberIds: number[], since: string): Promise<Map<number, ContactWithReason[]>> {
    const result = new Map<number, ContactWithReason[]>();
    const ids = [...new Set(memberIds)];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = (await this.db('contact_log as l')
        .leftJoin('callbacks as c', 'c.id', 'l.callback_id')
        .whereIn('l.member_id', ids.slice(i, i + 500))
        .where('l.at', '>=', since)
        .orderBy([{ column: 'l.at' }, { column: 'l.id' }])
        .select('l.*', 'c.reason as callback_reason')) as Array<ContactRow & { callback_reason: string | null }>;
      for (const row of rows) {
        const entry: ContactWithReason = { ...toContact(row), callbackReason: row.callback_reason as CallbackReason | null };
        const list = result.get(entry.memberId!) ?? [];
        list.push(entry);
        result.set(entry.memberId!, list);
      }
    }
    return result;
  }
}
