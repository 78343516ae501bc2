// Multi-row inserts in chunks that fit both databases' bind-parameter limits
// (SQLite 32766, PostgreSQL 65535).
import type { Knex } from 'knex';
import { isPostgres } from '../../server/store/database.js';

const MAX_PARAMETERS = 30_000;

/**
 * Inserts rows (all with the same keys) as `INSERT ... VALUES (...), (...)` statements of
 * up to 30,000 parameters. Knex's own multi-row insert on SQLite compiles to
 * `SELECT ... UNION ALL ...`, which SQLite caps at 500 terms and runs slower.
 */
export async function insertChunked(db: Knex | Knex.Transaction, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  if (!rows.length) return;
  const columns = Object.keys(rows[0]!);
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const head = `insert into ?? (${columns.map(() => '??').join(', ')}) values `;
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size);
    const bindings: unknown[] = [table, ...columns];
    for (const row of chunk) for (const column of columns) bindings.push(row[column] ?? null);
    await db.raw(head + Array(chunk.length).fill(tuple).join(', '), bindings as Knex.RawBinding[]);
  }
}

/** After inserting explicit ids, PostgreSQL's serial sequence must move past them. */
export async function syncSequence(db: Knex | Knex.Transaction, table: string): Promise<void> {
  if (!isPostgres(db as Knex)) return;
  await db.raw(`SELECT setval(pg_get_serial_sequence(?, 'id'), GREATEST((SELECT coalesce(max(id), 0) FROM ??), 1))`, [table, table]);
}

export async function maxId(db: Knex | Knex.Transaction, table: string): Promise<number> {
  const row = (await db(table).max({ id: 'id' }).first()) as { id: unknown } | undefined;
  return Number(row?.id ?? 0);
}
