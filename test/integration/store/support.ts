// Runs a store suite on SQLite (temp file) and on PostgreSQL (fresh schema) when
// CTI_TEST_PG_URL is set. Each suite gets its own empty, migrated database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { closeDatabase, migrateLatest, openDatabase } from '../../../server/store/database.js';
import { createStore, type Store } from '../../../server/store/index.js';

export const PG_URL = process.env.CTI_TEST_PG_URL;

export class TestClock {
  constructor(public now: Date = new Date('2026-03-10T04:00:00.000Z')) {}
  readonly clock = (): Date => new Date(this.now.getTime());
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  url: string;
  searchPath?: string;
  db: Knex;
  store: Store;
  time: TestClock;
  /**
   * A second connection pool on the same database, for concurrency tests. On SQLite it
   * is the same single connection: better-sqlite3 is synchronous, so two connections in
   * one process would block each other's event loop inside SQLite's busy handler, and a
   * SQLite deployment runs one server process anyway.
   */
  openAnother(): Knex;
}

export function describeEachDatabase(title: string, body: (get: () => TestDatabase) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const suffix = dialect === 'postgres' && !PG_URL ? ' (skipped: set CTI_TEST_PG_URL to run on PostgreSQL)' : '';
    describe(`${title} [${dialect}]${suffix}`, function () {
      let current: TestDatabase | undefined;
      const extra: Knex[] = [];
      let cleanup: () => Promise<void> = async () => {};

      before(async function () {
        if (dialect === 'postgres' && !PG_URL) return this.skip();
        const time = new TestClock();
        let url: string;
        let searchPath: string | undefined;
        if (dialect === 'sqlite') {
          const dir = mkdtempSync(join(tmpdir(), 'cti-store-'));
          url = `sqlite:${join(dir, 'test.sqlite')}`;
          cleanup = async () => rmSync(dir, { recursive: true, force: true });
        } else {
          url = PG_URL!;
          searchPath = `t_${randomBytes(6).toString('hex')}`;
          const admin = openDatabase(url);
          await admin.raw(`CREATE SCHEMA ${searchPath}`);
          await closeDatabase(admin);
          cleanup = async () => {
            const dropper = openDatabase(url);
            await dropper.raw(`DROP SCHEMA IF EXISTS ${searchPath} CASCADE`);
            await closeDatabase(dropper);
          };
        }
        const db = openDatabase(url, { searchPath });
        await migrateLatest(db);
        const openAnother = () => {
          if (dialect === 'sqlite') return db;
          const another = openDatabase(url, { searchPath });
          extra.push(another);
          return another;
        };
        const store = createStore(db, { clock: time.clock, defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 });
        current = { dialect, url, searchPath, db, store, time, openAnother };
      });

      after(async function () {
        for (const another of extra) await closeDatabase(another);
        if (current) await closeDatabase(current.db);
        await cleanup();
      });

      body(() => {
        if (!current) throw new Error('database not opened');
        return current;
      });
    });
  }
}

let serial = 0;
/** A unique suffix for member numbers and phones within one test process. */
export function unique(): number {
  serial += 1;
  return serial;
}
