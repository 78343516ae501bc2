// Calls with their routing trail, the callback queue with its audit log, and the
// contact log that pacing reads.
import type { Knex } from 'knex';
import { createdUpdated, timestamp } from './columns.js';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('calls', (t) => {
    t.increments('id');
    t.string('node', 64).notNullable().defaultTo('');
    t.string('uniqueid', 64).notNullable();
    t.string('channel_id', 128).notNullable().defaultTo('');
    t.string('direction', 16).notNullable().defaultTo('inbound').checkIn(['inbound', 'outbound'], 'calls_direction_check');
    t.string('caller_number', 32).notNullable().defaultTo('');
    t.integer('member_id').nullable().references('id').inTable('members').onDelete('SET NULL');
    t.integer('owner_id').nullable().references('id').inTable('advisors').onDelete('SET NULL');
    t.integer('answered_by').nullable().references('id').inTable('advisors').onDelete('SET NULL');
    t.string('reason', 24).nullable();
    t.text('ivr').notNullable().defaultTo('{}');
    t.string('language', 8).nullable();
    t.string('outcome', 24).notNullable().defaultTo('in-progress');
    t.string('abandoned_at', 32).nullable();
    t.integer('callback_id').nullable();
    timestamp(t, 'started_at').notNullable();
    timestamp(t, 'answered_at');
    timestamp(t, 'ended_at');
    t.integer('waited_ms').nullable();
    t.text('trail').notNullable().defaultTo('[]');
    t.unique(['node', 'uniqueid']);
    t.index(['started_at']);
    t.index(['member_id', 'started_at']);
    t.index(['answered_by', 'started_at']);
  });

  await db.schema.createTable('callbacks', (t) => {
    t.increments('id');
    t.integer('member_id').nullable().references('id').inTable('members').onDelete('SET NULL');
    t.string('number', 32).notNullable();
    t.string('reason', 16).notNullable().checkIn(['requested', 'abandoned', 'peak-offer', 'manual'], 'callbacks_reason_check');
    t.string('state', 16)
      .notNullable()
      .checkIn(['pending', 'reserved', 'dialing', 'completed', 'failed', 'cancelled'], 'callbacks_state_check');
    t.integer('preferred_advisor_id').nullable().references('id').inTable('advisors').onDelete('SET NULL');
    t.integer('assigned_advisor_id').nullable().references('id').inTable('advisors').onDelete('SET NULL');
    t.integer('priority').notNullable().defaultTo(0);
    timestamp(t, 'first_call_at').notNullable();
    timestamp(t, 'due_at').notNullable();
    t.boolean('scheduled').notNullable().defaultTo(false);
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable();
    t.string('last_result', 64).nullable();
    t.string('reserved_by', 128).nullable();
    timestamp(t, 'lease_until');
    t.integer('call_id').nullable().references('id').inTable('calls').onDelete('SET NULL');
    t.integer('completed_by').nullable().references('id').inTable('advisors').onDelete('SET NULL');
    timestamp(t, 'completed_at');
    t.text('cancel_reason').nullable();
    t.text('pacing_override_reason').nullable();
    t.text('note').notNullable().defaultTo('');
    createdUpdated(t);
    t.index(['state', 'due_at']);
    t.index(['preferred_advisor_id', 'state']);
    t.index(['assigned_advisor_id', 'state']);
    t.index(['member_id', 'state']);
    t.index(['state', 'lease_until']);
    t.index(['created_at']);
  });

  await db.schema.createTable('callback_events', (t) => {
    t.increments('id');
    t.integer('callback_id').notNullable().references('id').inTable('callbacks').onDelete('CASCADE');
    timestamp(t, 'at').notNullable();
    t.integer('actor_user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    // `system`, `user` or the dispatcher instance that acted.
    t.string('actor', 128).notNullable();
    t.string('action', 32).notNullable();
    t.text('before').nullable();
    t.text('after').nullable();
    t.text('note').notNullable().defaultTo('');
    t.index(['callback_id', 'id']);
  });

  await db.schema.createTable('contact_log', (t) => {
    t.increments('id');
    t.integer('member_id').nullable().references('id').inTable('members').onDelete('CASCADE');
    t.string('number', 32).notNullable();
    timestamp(t, 'at').notNullable();
    t.string('kind', 16).notNullable().checkIn(['proactive', 'requested', 'abandoned'], 'contact_log_kind_check');
    t.integer('callback_id').nullable().references('id').inTable('callbacks').onDelete('SET NULL');
    t.integer('call_id').nullable().references('id').inTable('calls').onDelete('SET NULL');
    t.string('result', 32).notNullable().defaultTo('');
    t.index(['member_id', 'at']);
    t.index(['number', 'at']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['contact_log', 'callback_events', 'callbacks', 'calls']) {
    await db.schema.dropTableIfExists(table);
  }
}
