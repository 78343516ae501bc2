// Advisors, their delegates, members with phones and ownership history, users and tokens.
import type { Knex } from 'knex';
import { createdUpdated, timestamp } from './columns.js';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('advisors', (t) => {
    t.increments('id');
    t.string('name', 100).notNullable();
    t.string('name_zh', 100).notNullable().defaultTo('');
    t.string('tier', 16).notNullable().checkIn(['standard', 'senior', 'vip'], 'advisors_tier_check');
    t.string('endpoint', 200).notNullable().unique();
    t.boolean('active').notNullable().defaultTo(true);
    timestamp(t, 'left_at');
    t.integer('capacity').notNullable();
    createdUpdated(t);
  });

  await db.schema.createTable('advisor_delegates', (t) => {
    t.integer('advisor_id').notNullable().references('id').inTable('advisors').onDelete('CASCADE');
    t.integer('delegate_id').notNullable().references('id').inTable('advisors').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.primary(['advisor_id', 'delegate_id']);
    t.unique(['advisor_id', 'position']);
    t.check('?? <> ??', ['advisor_id', 'delegate_id'], 'advisor_delegates_not_self');
  });
  await db.schema.alterTable('advisor_delegates', (t) => t.index(['delegate_id']));

  await db.schema.createTable('members', (t) => {
    t.increments('id');
    t.string('member_no', 32).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('level', 16).notNullable().checkIn(['regular', 'gold', 'vip'], 'members_level_check');
    t.string('time_zone', 64).notNullable().defaultTo('Asia/Shanghai');
    t.string('language', 8).notNullable().defaultTo('zh');
    timestamp(t, 'joined_at').notNullable();
    timestamp(t, 'last_purchase_at');
    t.integer('purchase_count').notNullable().defaultTo(0);
    t.decimal('total_spend', 14, 2).notNullable().defaultTo(0);
    t.text('notes').notNullable().defaultTo('');
    t.text('service_plan').notNullable().defaultTo('');
    t.text('tags').notNullable().defaultTo('[]');
    createdUpdated(t);
    t.index(['level']);
    t.index(['last_purchase_at']);
    t.index(['joined_at']);
  });

  await db.schema.createTable('member_phones', (t) => {
    t.increments('id');
    t.integer('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    // E.164 digits without "+": one number belongs to one member.
    t.string('phone', 16).notNullable().unique();
    t.string('label', 32).notNullable().defaultTo('');
    t.index(['member_id']);
  });

  await db.schema.createTable('users', (t) => {
    t.increments('id');
    t.string('username', 64).notNullable().unique();
    t.string('password_hash', 255).notNullable();
    t.string('role', 16).notNullable().checkIn(['agent', 'supervisor', 'admin'], 'users_role_check');
    t.integer('advisor_id').nullable().references('id').inTable('advisors').onDelete('SET NULL');
    t.boolean('active').notNullable().defaultTo(true);
    timestamp(t, 'created_at').notNullable();
    t.index(['advisor_id']);
  });

  await db.schema.createTable('access_tokens', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    timestamp(t, 'created_at').notNullable();
    timestamp(t, 'expires_at').notNullable();
    timestamp(t, 'revoked_at');
    timestamp(t, 'last_used_at');
    t.index(['user_id']);
  });

  await db.schema.createTable('member_ownership', (t) => {
    t.increments('id');
    t.integer('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.integer('advisor_id').notNullable().references('id').inTable('advisors').onDelete('RESTRICT');
    timestamp(t, 'since').notNullable();
    timestamp(t, 'until');
    t.string('reason', 64).notNullable().defaultTo('');
    t.text('handover_note').notNullable().defaultTo('');
    t.integer('changed_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.index(['member_id', 'since']);
  });
  // Exactly one current owner per member (or none): partial indexes, same SQL on both databases.
  await db.raw('CREATE UNIQUE INDEX member_ownership_one_current ON member_ownership (member_id) WHERE until IS NULL');
  await db.raw('CREATE INDEX member_ownership_current_by_advisor ON member_ownership (advisor_id) WHERE until IS NULL');
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['member_ownership', 'access_tokens', 'users', 'member_phones', 'members', 'advisor_delegates', 'advisors']) {
    await db.schema.dropTableIfExists(table);
  }
}
