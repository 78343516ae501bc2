// When a callback's ladder (owner window, delegates, pool) starts: the moment it became
// workable as the member or a person asked. Measured from creation, a callback booked at
// 09:00 "for after 15:00" reached 15:00 with its owner window long over and went straight
// to the pool. The store sets it at creation (the later of now and the due time) and on an
// explicit reschedule, never on a dialer retry.
//
// Existing rows: a scheduled callback not yet attempted starts at its due time (the time
// asked for) when that is after its creation; every other row at its creation, as before.
// A scheduled row already attempted has a due time set by the retry backoff, not by a
// person, so it keeps the creation time rather than reopening its owner's window.
//
// PostgreSQL enforces NOT NULL once filled. SQLite cannot add the constraint without
// rebuilding the table, which inside the migration's transaction (foreign keys still on)
// would cascade-delete the audit trail; there the store fills the column and the row
// mapping reads a missing one as the creation time.
import type { Knex } from 'knex';
import { TIMESTAMP_LENGTH } from './columns.js';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('callbacks', (t) => {
    t.string('ladder_from', TIMESTAMP_LENGTH).nullable();
  });
  await db('callbacks').update({ ladder_from: db.ref('created_at') });
  await db('callbacks').where({ scheduled: true, attempts: 0 }).whereRaw('due_at > created_at').update({ ladder_from: db.ref('due_at') });
  if (db.client.config.client === 'pg') await db.raw('alter table callbacks alter column ladder_from set not null');
}

export async function down(db: Knex): Promise<void> {
  // Raw: knex drops a SQLite column by rebuilding the table, the cascade described above.
  await db.raw('alter table callbacks drop column ladder_from');
}
