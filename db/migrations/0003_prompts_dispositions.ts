// Per-advisor prompts (recorded or TTS) and agents' call dispositions.
import type { Knex } from 'knex';
import { timestamp } from './columns.js';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('prompts', (t) => {
    t.increments('id');
    t.string('kind', 64).notNullable();
    t.string('language', 8).notNullable();
    t.integer('advisor_id').nullable().references('id').inTable('advisors').onDelete('CASCADE');
    t.string('source', 16).notNullable().checkIn(['tts', 'recorded'], 'prompts_source_check');
    t.string('path', 500).notNullable();
    t.text('text').notNullable().defaultTo('');
    timestamp(t, 'updated_at').notNullable();
  });
  // One prompt per (kind, language, advisor or generic, source); NULLs are distinct in
  // a plain unique index, hence two partial ones.
  await db.raw('CREATE UNIQUE INDEX prompts_generic_unique ON prompts (kind, language, source) WHERE advisor_id IS NULL');
  await db.raw(
    'CREATE UNIQUE INDEX prompts_advisor_unique ON prompts (kind, language, advisor_id, source) WHERE advisor_id IS NOT NULL',
  );

  await db.schema.createTable('dispositions', (t) => {
    t.increments('id');
    t.integer('call_id').nullable().references('id').inTable('calls').onDelete('CASCADE');
    t.integer('member_id').nullable().references('id').inTable('members').onDelete('SET NULL');
    t.integer('advisor_id').nullable().references('id').inTable('advisors').onDelete('SET NULL');
    t.string('code', 64).notNullable();
    t.text('note').notNullable().defaultTo('');
    timestamp(t, 'at').notNullable();
    t.index(['call_id']);
    t.index(['member_id', 'at']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['dispositions', 'prompts']) {
    await db.schema.dropTableIfExists(table);
  }
}
