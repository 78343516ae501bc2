import { expect } from 'chai';
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
    expect(rows.map((r) => r.name)).to.deep.equal(['0001_people', '0002_calls_callbacks', '0003_prompts_dispositions', '0004_callback_override_by', '0005_callbacks_dispatch_index']);
  });

  it('is a no-op when already up to date, and rolls back and up again cleanly', async () => {
    const { db } = get();
    expect(await migrateLatest(db)).to.deep.equal([]);
    const undone = await migrateRollbackAll(db);
    expect(undone).to.have.length(5);
    expect(await db.schema.hasTable('members')).to.equal(false);
    expect(await migrateLatest(db)).to.have.length(5);
    expect(await db.schema.hasTable('members')).to.equal(true);
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
