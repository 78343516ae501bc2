import { expect } from 'chai';
import { migrationSource } from '../../../db/migrations/index.js';
import { migrateLatest, migrateRollbackAll } from '../../../server/store/database.js';
import { describeEachDatabase } from './support.js';

const TABLES = [
  'advisors',
  'advisor_delegates',
  'members',
  'member_phones',
  'member_ownership',
  'users',
  'access_tokens',
  'calls',
  'callbacks',
  'callback_events',
  'contact_log',
  'prompts',
  'dispositions',
];

describeEachDatabase('migrations', (get) => {
  it('creates every table from an empty database', async () => {
    const { db } = get();
    for (const table of TABLES) expect(await db.schema.hasTable(table), table).to.equal(true);
  });

  it('records extension-less names, so .ts and compiled .js runs share one history', async () => {
    const rows = (await get().db('knex_migrations').orderBy('id').select('name')) as Array<{ name: string }>;
    expect(rows.map((r) => r.name)).to.deep.equal(['0001_people', '0002_calls_callbacks', '0003_prompts_dispositions', '0004_callback_override_by', '0005_callbacks_dispatch_index', '0006_callback_ladder_from']);
  });

  it('is a no-op when already up to date, and rolls back and up again cleanly', async () => {
    const { db } = get();
    expect(await migrateLatest(db)).to.deep.equal([]);
    const undone = await migrateRollbackAll(db);
    expect(undone).to.have.length(6);
    expect(await db.schema.hasTable('members')).to.equal(false);
    expect(await migrateLatest(db)).to.have.length(6);
    expect(await db.schema.hasTable('members')).to.equal(true);
  });

  it('0006 starts the ladder of existing callbacks where the member asked, and rolls back keeping callbacks and their audit trail', async () => {
    const { db } = get();
    const name = '0006_callback_ladder_from';
    await db.migrate.down({ migrationSource, name });
    expect(await db.schema.hasColumn('callbacks', 'ladder_from')).to.equal(false);
    const row = (over: Record<string, unknown>) => ({
      number: '8613900000601',
      reason: 'requested',
      state: 'pending',
      first_call_at: '2026-03-10T01:00:00.000Z',
      due_at: '2026-03-10T01:00:00.000Z',
      scheduled: false,
      attempts: 0,
      max_attempts: 3,
      created_at: '2026-03-10T01:00:00.000Z',
      updated_at: '2026-03-10T01:00:00.000Z',
      ...over,
    });
    const later = '2026-03-10T07:00:00.000Z';
    const inserted = (await db('callbacks')
      .insert([
        row({}),
        // "after 15:00", booked at 09:00, not yet attempted: its ladder starts at 15:00.
        row({ scheduled: true, due_at: later }),
        // Scheduled, but already attempted: the due time came from the retry backoff.
        row({ scheduled: true, due_at: later, attempts: 1 }),
        // Due later without being scheduled (a retry of an unscheduled callback).
        row({ due_at: later, attempts: 1 }),
        // Scheduled for a time before it was created ("as soon as possible").
        row({ scheduled: true, due_at: '2026-03-10T00:00:00.000Z' }),
      ])
      .returning('id')) as Array<{ id: number } | number>;
    const ids = inserted.map((r) => (typeof r === 'number' ? r : r.id));
    await db('callback_events').insert({ callback_id: ids[1], at: '2026-03-10T01:00:00.000Z', actor: 'system', action: 'created', note: '' });

    await db.migrate.up({ migrationSource, name });
    const ladders = (await db('callbacks').whereIn('id', ids).orderBy('id').select('ladder_from')) as Array<{ ladder_from: string }>;
    const created = '2026-03-10T01:00:00.000Z';
    expect(ladders.map((l) => l.ladder_from)).to.deep.equal([created, later, created, created, created]);

    await db.migrate.down({ migrationSource, name });
    expect(await db.schema.hasColumn('callbacks', 'ladder_from')).to.equal(false);
    const count = async (query: ReturnType<typeof db>) => Number(((await query.count({ n: '*' })) as Array<{ n: unknown }>)[0]!.n);
    expect(await count(db('callbacks').whereIn('id', ids))).to.equal(5);
    expect(await count(db('callback_events').where('callback_id', ids[1])), 'the audit trail survives the rollback').to.equal(1);
    await migrateLatest(db);
    expect(await db.schema.hasColumn('callbacks', 'ladder_from')).to.equal(true);
  });

  it('enforces foreign keys', async () => {
    const { db } = get();
    let failed = false;
    try {
      await db('member_phones').insert({ member_id: 999_999, phone: '8613900000000', label: '' });
    } catch {
      failed = true;
    }
    expect(failed, 'a phone of a missing member must be refused').to.equal(true);
  });
});
