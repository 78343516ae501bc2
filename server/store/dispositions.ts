// What the agent recorded about a call (wrap-up code and note).
import type { Knex } from 'knex';
import { ValidationError } from '../shared/errors.js';
import { iso, isoInput, isForeignKeyViolation, num, numOrNull, type Clock } from './sql.js';

export interface Disposition {
  id: number;
  callId: number | null;
  memberId: number | null;
  advisorId: number | null;
  code: string;
  note: string;
  at: string;
}

export type NewDisposition = Omit<Disposition, 'id' | 'at' | 'note'> & { note?: string; at?: string };

interface DispositionRow {
  id: number;
  call_id: number | null;
  member_id: number | null;
  advisor_id: number | null;
  code: string;
  note: string;
  at: string;
}

function toDisposition(r: DispositionRow): Disposition {
  return {
    id: num(r.id),
    callId: numOrNull(r.call_id),
    memberId: numOrNull(r.member_id),
    advisorId: numOrNull(r.advisor_id),
    code: r.code,
    note: r.note,
    at: r.at,
  };
}

export class DispositionStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock },
  ) {}

  async insert(input: NewDisposition): Promise<Disposition> {
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(input.code ?? '')) throw new ValidationError('A disposition code has 1-64 letters, digits, - or _.');
    try {
      const [row] = (await this.db('dispositions')
        .insert({
          call_id: input.callId,
          member_id: input.memberId,
          advisor_id: input.advisorId,
          code: input.code,
          note: input.note ?? '',
          at: input.at ? isoInput(input.at, 'at') : iso(this.options.clock()),
        })
        .returning('*')) as DispositionRow[];
      return toDisposition(row!);
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new ValidationError('The call, member or advisor of this disposition does not exist.');
      throw err;
    }
  }

  async listForMember(memberId: number, limit = 20): Promise<Disposition[]> {
    const rows = (await this.db('dispositions')
      .where({ member_id: memberId })
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit)) as DispositionRow[];
    return rows.map(toDisposition);
  }

  async listForCall(callId: number): Promise<Disposition[]> {
    const rows = (await this.db('dispositions').where({ call_id: callId }).orderBy('id')) as DispositionRow[];
    return rows.map(toDisposition);
  }
}
