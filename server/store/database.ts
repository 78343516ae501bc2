// Opens the one knex instance the server uses, on SQLite (default) or PostgreSQL,
// and runs the migrations in-process. Everything dialect-specific about connections
// lives here; the repositories ask `isPostgres(db)` for the few SQL differences.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import knexModule from 'knex';
import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../shared/logger.js';
import { migrationSource } from '../../db/migrations/index.js';

export type Db = Knex;

export interface OpenDatabaseOptions {
  logger?: Logger;
  /** PostgreSQL only: the schema to work in (tests use a fresh one per run). */
  searchPath?: string;
  /** PostgreSQL pool size (SQLite always uses one connection). */
  poolMax?: number;
}

const SQLITE_PREFIX = 'sqlite:';

// pg returns int8 (count, sum of integers) and numeric as strings to avoid precision
// loss; our counts and money amounts fit a double, and the domain wants numbers.
const PG_INT8 = 20;
const PG_NUMERIC = 1700;
const pgTypes = {
  getTypeParser(oid: number, format: string): unknown {
    if (oid === PG_INT8 || oid === PG_NUMERIC) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
};

/** `sqlite:./data/cti.sqlite`, `sqlite:///abs/path.sqlite`, `sqlite::memory:` -> file path. */
export function sqlitePath(dbUrl: string): string {
  const rest = dbUrl.slice(SQLITE_PREFIX.length);
  if (rest === ':memory:' || rest === '') return ':memory:';
  return rest.startsWith('//') ? rest.slice(2) : rest;
}

export function openDatabase(dbUrl: string, options: OpenDatabaseOptions = {}): Db {
  const log = options.logger?.child({ component: 'store' });
  if (dbUrl.startsWith(SQLITE_PREFIX)) {
    const filename = sqlitePath(dbUrl);
    if (filename !== ':memory:') mkdirSync(dirname(resolve(filename)), { recursive: true });
    log?.info({ filename }, 'opening SQLite database');
    return knexModule({
      client: 'better-sqlite3',
      connection: { filename },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqlitePragmas, done: (err: Error | null, conn: unknown) => void) {
          try {
            applySqlitePragmas(conn);
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    });
  }
  if (/^postgres(ql)?:\/\//.test(dbUrl)) {
    const host = safeHost(dbUrl);
    log?.info({ host, searchPath: options.searchPath }, 'opening PostgreSQL database');
    return knexModule({
      client: 'pg',
      connection: { connectionString: dbUrl, types: pgTypes },
      searchPath: options.searchPath ? [options.searchPath] : undefined,
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
  }
  throw new Error(`Unsupported database URL "${dbUrl.split(':')[0]}:...": use sqlite:<path> or postgres://user@host/db.`);
}

interface SqlitePragmas {
  pragma(source: string): unknown;
}

function applySqlitePragmas(conn: SqlitePragmas): void {
  conn.pragma('busy_timeout = 5000');
  conn.pragma('journal_mode = WAL');
  conn.pragma('foreign_keys = ON');
  conn.pragma('synchronous = NORMAL');
  // SQLite's default page cache is 2 MB: with a million members the caller-lookup
  // indexes do not fit, and every miss is a read through the kernel. 64 MB and a
  // memory-mapped file keep the hot pages in the process.
  conn.pragma('cache_size = -65536');
  conn.pragma('mmap_size = 1073741824');
}

const sqliteReaders = new WeakMap<Db, BetterSqlite3.Database>();

/**
 * A second, query-only connection to the same SQLite file, for the read every inbound call
 * makes before it rings anyone (the caller lookup). Its statements are prepared once, where
 * knex prepares each query anew, and it reads committed data only (WAL snapshot), never a
 * transaction the main connection has half written. null on PostgreSQL and in memory (a
 * second connection to `:memory:` is another, empty database). Closed by closeDatabase().
 */
export function sqliteReader(db: Db): BetterSqlite3.Database | null {
  if (isPostgres(db)) return null;
  const existing = sqliteReaders.get(db);
  if (existing) return existing;
  const filename = (db.client.config.connection as { filename?: string } | undefined)?.filename;
  if (!filename || filename === ':memory:') return null;
  const reader = new BetterSqlite3(filename);
  applySqlitePragmas(reader);
  reader.pragma('query_only = ON');
  sqliteReaders.set(db, reader);
  return reader;
}

function safeHost(dbUrl: string): string {
  try {
    const url = new URL(dbUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

export function isPostgres(db: Knex): boolean {
  return db.client.config.client === 'pg';
}

/** Applies every migration not yet applied; returns the names it ran. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** Rolls back everything (tests and `db/cli.ts rollback`). */
export async function migrateRollbackAll(db: Db): Promise<string[]> {
  const [, undone] = (await db.migrate.rollback({ migrationSource }, true)) as [number, string[]];
  return undone;
}

export async function closeDatabase(db: Db): Promise<void> {
  sqliteReaders.get(db)?.close();
  sqliteReaders.delete(db);
  await db.destroy();
}
