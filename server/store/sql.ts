// Small helpers every repository uses: the clock, timestamps, JSON columns,
// constraint-violation detection and pagination.
import type { Knex } from 'knex';
import { ValidationError } from '../shared/errors.js';

/** Repositories never read the system clock themselves: tests pin it. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export function iso(at: Date): string {
  return at.toISOString();
}

/** A caller-supplied date-time as stored (ISO UTC), or a ValidationError naming the field. */
export function isoInput(value: string, field: string): string {
  const at = new Date(value);
  if (typeof value !== 'string' || Number.isNaN(at.getTime())) {
    throw new ValidationError(`${field} must be an ISO date-time such as 2026-11-23T09:30:00Z, got "${String(value)}".`);
  }
  return at.toISOString();
}

export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** SQLite answers booleans as 0/1, PostgreSQL as true/false. */
export function bool(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
}

export function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(err: unknown): boolean {
  const code = errorCode(err);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

export interface Page {
  limit?: number;
  offset?: number;
}

export interface PageResult<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export const MAX_PAGE = 500;
const DEFAULT_PAGE = 50;

export function pageOf(page: Page | undefined): { limit: number; offset: number } {
  const limit = Math.min(Math.max(Math.trunc(page?.limit ?? DEFAULT_PAGE), 1), MAX_PAGE);
  const offset = Math.max(Math.trunc(page?.offset ?? 0), 0);
  return { limit, offset };
}

/** `count(*)` as a number on both databases. */
export async function countOf(query: Knex.QueryBuilder): Promise<number> {
  const row = (await query.clone().clearSelect().clearOrder().count({ n: '*' }).first()) as { n: unknown } | undefined;
  return num(row?.n);
}

/** Escapes LIKE wildcards in user input (used with `ESCAPE '\'`). */
export function likeFragment(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const RETRYABLE = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', '40001', '40P01']);
const MAX_TRIES = 5;

/**
 * A transaction that is retried when the database reports a lock conflict: SQLite
 * refuses to upgrade a reader to a writer while another connection writes
 * (SQLITE_BUSY_SNAPSHOT), PostgreSQL may pick a deadlock victim. The body must be
 * safe to run again, which a rolled-back transaction body is.
 */
export async function transact<T>(db: Knex, body: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction(body);
    } catch (err) {
      if (attempt >= MAX_TRIES || !RETRYABLE.has(errorCode(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
    }
  }
}
