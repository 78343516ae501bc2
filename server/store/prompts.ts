// Prompt media per kind and language, generic or for one advisor, recorded or TTS.
import type { Knex } from 'knex';
import type { Language } from '../domain/model.js';
import { ValidationError } from '../shared/errors.js';
import { iso, isUniqueViolation, num, numOrNull, type Clock, transact } from './sql.js';

export const PROMPT_SOURCES = ['tts', 'recorded'] as const;
export type PromptSource = (typeof PROMPT_SOURCES)[number];

export interface PromptRecord {
  id: number;
  /** What the prompt says, e.g. `owner-busy`, `owner-away`, `callback-offer`. */
  kind: string;
  language: Language;
  advisorId: number | null;
  source: PromptSource;
  /** Media path or URL as the prompt service stores it. */
  path: string;
  text: string;
  updatedAt: string;
}

export type PromptInput = Omit<PromptRecord, 'id' | 'updatedAt' | 'text'> & { text?: string };

interface PromptRow {
  id: number;
  kind: string;
  language: string;
  advisor_id: number | null;
  source: string;
  path: string;
  text: string;
  updated_at: string;
}

function toPrompt(r: PromptRow): PromptRecord {
  return {
    id: num(r.id),
    kind: r.kind,
    language: r.language as Language,
    advisorId: numOrNull(r.advisor_id),
    source: r.source as PromptSource,
    path: r.path,
    text: r.text,
    updatedAt: r.updated_at,
  };
}

export class PromptStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock },
  ) {}

  /** Inserts or replaces the prompt with the same kind, language, advisor and source. */
  async upsert(input: PromptInput): Promise<PromptRecord> {
    if (!PROMPT_SOURCES.includes(input.source)) throw new ValidationError(`Prompt source must be one of ${PROMPT_SOURCES.join(', ')}.`);
    if (!input.kind?.trim() || !input.path?.trim()) throw new ValidationError('A prompt needs a kind and a media path.');
    const values = {
      kind: input.kind.trim(),
      language: input.language,
      advisor_id: input.advisorId,
      source: input.source,
      path: input.path.trim(),
      text: input.text ?? '',
      updated_at: iso(this.options.clock()),
    };
    const write = () =>
      transact(this.db, async (trx) => {
        const existing = (await this.match(trx, values.kind, values.language, values.advisor_id).where('source', values.source).first('id')) as
          | { id: number }
          | undefined;
        const [row] = (existing
          ? await trx('prompts').where({ id: existing.id }).update(values).returning('*')
          : await trx('prompts').insert(values).returning('*')) as PromptRow[];
        return toPrompt(row!);
      });
    try {
      return await write();
    } catch (err) {
      // Two writers raced to insert the same prompt: the second one updates instead.
      if (isUniqueViolation(err)) return write();
      throw err;
    }
  }

  private match(db: Knex | Knex.Transaction, kind: string, language: string, advisorId: number | null): Knex.QueryBuilder {
    const query = db('prompts').where({ kind, language });
    return advisorId === null ? query.whereNull('advisor_id') : query.where('advisor_id', advisorId);
  }

  /** Advisor-specific beats generic; within each, recorded beats TTS. */
  async findBest(kind: string, language: Language, advisorId: number | null): Promise<PromptRecord | null> {
    const query = this.db('prompts').where({ kind, language });
    if (advisorId === null) query.whereNull('advisor_id');
    else query.where((w) => w.whereNull('advisor_id').orWhere('advisor_id', advisorId));
    const rows = (await query) as PromptRow[];
    const rank = (r: PromptRow) => (r.advisor_id !== null ? 2 : 0) + (r.source === 'recorded' ? 1 : 0);
    const best = rows.sort((a, b) => rank(b) - rank(a))[0];
    return best ? toPrompt(best) : null;
  }

  async list(filter: { advisorId?: number | null; kind?: string } = {}): Promise<PromptRecord[]> {
    const query = this.db('prompts').orderBy(['kind', 'language', 'advisor_id', 'source']);
    if (filter.kind) query.where('kind', filter.kind);
    if (filter.advisorId === null) query.whereNull('advisor_id');
    else if (filter.advisorId !== undefined) query.where('advisor_id', filter.advisorId);
    return ((await query) as PromptRow[]).map(toPrompt);
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db('prompts').where({ id }).delete()) > 0;
  }
}
