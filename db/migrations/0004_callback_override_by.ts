// Who let a callback ignore the pacing rules (pacing_override_reason says why).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('callbacks', (t) => {
    t.integer('pacing_override_by').nullable().references('id').inTable('users').onDelete('SET NULL');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('callbacks', (t) => {
    t.dropForeign(['pacing_override_by']);
    t.dropColumn('pacing_override_by');
  });
}
