// The 1,000,000-member SQLite file the decision-path benchmark reads. Generating it takes
// minutes, so it is built once under bench/.cache/ (git-ignored) and reused: a file only
// gets its final name once the seed has finished, so an interrupted run leaves nothing
// half-made behind to be trusted later.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedLarge } from '../../db/seeds/large.js';
import { closeDatabase, migrateLatest, openDatabase } from '../../server/store/database.js';

export const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache');

/** The seed's clock: fixed, so every machine builds the same file. */
export const LARGE_SEED_NOW = new Date('2026-01-05T08:00:00Z');

export interface LargeDbSpec {
  members: number;
  advisors: number;
}

export interface LargeDb {
  path: string;
  /** Milliseconds spent seeding in this run; 0 when the cached file was reused. */
  builtMs: number;
}

export function largeDbPath(spec: LargeDbSpec): string {
  return join(CACHE_DIR, `large-${spec.members}m-${spec.advisors}a.sqlite`);
}

export async function ensureLargeDb(spec: LargeDbSpec, progress: (line: string) => void = () => {}): Promise<LargeDb> {
  const path = largeDbPath(spec);
  if (existsSync(path)) return { path, builtMs: 0 };
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${path}.partial`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(partial + suffix, { force: true });
  progress(`seeding ${spec.members.toLocaleString('en')} members and ${spec.advisors} advisors into ${partial} (once; reused afterwards)`);
  const started = Date.now();
  const db = openDatabase(`sqlite:${partial}`);
  try {
    await migrateLatest(db);
    await seedLarge(db, { members: spec.members, advisors: spec.advisors, now: LARGE_SEED_NOW });
    await db.raw('ANALYZE');
    await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    await closeDatabase(db);
  }
  renameSync(partial, path);
  for (const suffix of ['-wal', '-shm']) rmSync(partial + suffix, { force: true });
  const builtMs = Date.now() - started;
  progress(`seeded in ${(builtMs / 1000).toFixed(0)} s`);
  return { path, builtMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const db = await ensureLargeDb({ members: 1_000_000, advisors: 5_000 }, (line) => console.log(line));
  console.log(db.path);
}
