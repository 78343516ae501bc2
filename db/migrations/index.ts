// Migrations are TypeScript modules imported here and handed to knex through a custom
// source, so `knex_migrations` records extension-less names: the history stays the
// same whether the server runs from .ts (tsx) or from compiled .js.
import type { Knex } from 'knex';
import * as initialPeople from './0001_people.js';
import * as callsAndCallbacks from './0002_calls_callbacks.js';
import * as promptsAndDispositions from './0003_prompts_dispositions.js';
import * as callbackOverrideBy from './0004_callback_override_by.js';
import * as callbacksDispatchIndex from './0005_callbacks_dispatch_index.js';
import * as callbackLadderFrom from './0006_callback_ladder_from.js';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['0001_people', initialPeople],
  ['0002_calls_callbacks', callsAndCallbacks],
  ['0003_prompts_dispositions', promptsAndDispositions],
  ['0004_callback_override_by', callbackOverrideBy],
  ['0005_callbacks_dispatch_index', callbacksDispatchIndex],
  ['0006_callback_ladder_from', callbackLadderFrom],
];

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(MIGRATIONS.map(([name]) => name)),
  getMigrationName: (name) => name,
  getMigration: (name) => {
    const found = MIGRATIONS.find(([candidate]) => candidate === name);
    if (!found) throw new Error(`Unknown migration "${name}": the database is newer than this server.`);
    return Promise.resolve(found[1]);
  },
};
