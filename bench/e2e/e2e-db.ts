// The database the end-to-end benchmark's server runs on: 2,000 advisors, each with an
// agent login, and 100,000 members with owners and delegates. The seeded file is kept as
// a template under bench/.cache/; every run works on a fresh copy (calls get recorded),
// and sign-in tokens are issued through the server's own token store.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { insertChunked } from '../../db/seeds/bulk.js';
import { seedLarge } from '../../db/seeds/large.js';
import { DEMO_PASSWORD } from '../../db/seeds/demo-data.js';
import { hashPassword } from '../../server/shared/password.js';
import { closeDatabase, migrateLatest, openDatabase, type Db } from '../../server/store/database.js';
import { createStore } from '../../server/store/index.js';
import { CACHE_DIR, LARGE_SEED_NOW } from '../support/large-db.js';

export interface FleetMember {
  advisorId: number;
  endpoint: string;
  token: string;
}

export interface E2eSpec {
  advisors: number;
  members: number;
}

/** Agent usernames: agent00001... one per advisor, all with the demo password. */
export function agentUsername(i: number): string {
  return `agent${String(i + 1).padStart(5, '0')}`;
}

/** Seeds advisors, members and one agent login per advisor into an empty database. */
export async function seedFleet(db: Db, spec: E2eSpec): Promise<void> {
  await migrateLatest(db);
  await seedLarge(db, { members: spec.members, advisors: spec.advisors, now: LARGE_SEED_NOW });
  const advisors = (await db('advisors').orderBy('id').select('id')) as Array<{ id: number }>;
  // One scrypt hash for all: hashing 2,000 passwords one by one would take minutes.
  const hash = await hashPassword(DEMO_PASSWORD);
  const createdAt = LARGE_SEED_NOW.toISOString();
  await insertChunked(
    db,
    'users',
    advisors.map((a, i) => ({ username: agentUsername(i), password_hash: hash, role: 'agent', advisor_id: a.id, active: true, created_at: createdAt })),
  );
}

async function templatePath(spec: E2eSpec, progress: (line: string) => void): Promise<string> {
  const path = join(CACHE_DIR, `e2e-${spec.members}m-${spec.advisors}a.sqlite`);
  if (existsSync(path)) return path;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${path}.partial`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(partial + suffix, { force: true });
  progress(`seeding the end-to-end template (${spec.advisors} advisors with logins, ${spec.members} members) once`);
  const db = openDatabase(`sqlite:${partial}`);
  try {
    await seedFleet(db, spec);
    await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    await closeDatabase(db);
  }
  renameSync(partial, path);
  return path;
}

/** A fresh copy of the template in `dir`, with a live token for every agent. */
export async function prepareRunDb(dir: string, spec: E2eSpec, progress: (line: string) => void): Promise<{ dbUrl: string; fleet: FleetMember[] }> {
  const template = await templatePath(spec, progress);
  const file = join(dir, 'cti.sqlite');
  copyFileSync(template, file);
  const db = openDatabase(`sqlite:${file}`);
  try {
    // A template seeded by an older checkout lacks the newer migrations.
    await migrateLatest(db);
    const store = createStore(db, { defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 12 * 3_600_000 });
    const rows = (await db('users as u').join('advisors as a', 'a.id', 'u.advisor_id').orderBy('a.id').select('u.id as user_id', 'a.id as advisor_id', 'a.endpoint')) as Array<{
      user_id: number;
      advisor_id: number;
      endpoint: string;
    }>;
    const fleet: FleetMember[] = [];
    for (const r of rows) fleet.push({ advisorId: r.advisor_id, endpoint: r.endpoint, token: (await store.tokens.issue(r.user_id)).token });
    return { dbUrl: `sqlite:${file}`, fleet };
  } finally {
    await closeDatabase(db);
  }
}
