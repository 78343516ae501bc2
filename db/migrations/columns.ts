// Column conventions shared by the migrations. Timestamps are ISO-8601 UTC strings
// (`2026-11-23T14:38:00.000Z`): they sort and compare the same way on SQLite and
// PostgreSQL, and reach the domain unchanged.
import type { Knex } from 'knex';

export const TIMESTAMP_LENGTH = 32;

export function timestamp(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
  return table.string(name, TIMESTAMP_LENGTH);
}

export function createdUpdated(table: Knex.CreateTableBuilder): void {
  timestamp(table, 'created_at').notNullable();
  timestamp(table, 'updated_at').notNullable();
}
