// `npm run migrate` and `npm run seed` (demo set), `npm run seed -- --members 1000000`
// (large set), `npm run migrate -- --rollback` (undo every migration). Uses CTI_DB_URL.
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config/config.js';
import { createLogger } from '../server/shared/logger.js';
import { closeDatabase, migrateLatest, migrateRollbackAll, openDatabase, type Db } from '../server/store/database.js';
import { DEMO_PASSWORD, seedDemoIfEmpty } from './seeds/demo.js';
import { seedLarge } from './seeds/large.js';

const USAGE = `Usage:
  npm run migrate                         apply pending migrations
  npm run migrate -- --rollback           undo every migration (drops all tables)
  npm run seed                            migrate, then seed the demo data set into an empty database
  npm run seed -- --members 1000000 [--advisors 5000]
                                          migrate, then seed a large data set into an empty database`;

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`--${name} must be a whole number above 0, got "${raw}".`);
  return Number(raw);
}

async function run(db: Db, command: string, values: Record<string, string | boolean | undefined>): Promise<void> {
  if (command === 'migrate') {
    if (values.rollback) {
      const undone = await migrateRollbackAll(db);
      console.log(undone.length ? `Rolled back: ${undone.join(', ')}` : 'Nothing to roll back.');
      return;
    }
    const applied = await migrateLatest(db);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    return;
  }
  await migrateLatest(db);
  const members = positiveInt('members', values.members as string | undefined);
  const advisors = positiveInt('advisors', values.advisors as string | undefined);
  if (members !== undefined) {
    const summary = await seedLarge(db, { members, advisors, logger: createLogger('info') });
    console.log(
      `Seeded ${summary.members} members (${summary.phones} phones) and ${summary.advisors} advisors in ${(summary.ms / 1000).toFixed(1)} s.`,
    );
    return;
  }
  const config = loadConfig();
  const summary = await seedDemoIfEmpty(db, { capacity: config.allocation.defaultCapacity });
  if (!summary) {
    console.log('The database already holds advisors or members: nothing seeded (the demo set goes only into an empty database).');
    return;
  }
  console.log(
    `Seeded the demo set: ${summary.advisors} advisors, ${summary.members} members, ${summary.phones} phones, ${summary.users} users ` +
      `in ${(summary.ms / 1000).toFixed(1)} s. Sign in as supervisor, admin or alice..leo with password ${DEMO_PASSWORD}.`,
  );
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { members: { type: 'string' }, advisors: { type: 'string' }, rollback: { type: 'boolean' }, help: { type: 'boolean' } },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const command = parsed.positionals[0];
  if (parsed.values.help || (command !== 'migrate' && command !== 'seed')) {
    console.log(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const config = loadConfig();
  const db = openDatabase(config.dbUrl);
  try {
    await run(db, command, parsed.values);
    return 0;
  } catch (err) {
    // Driver errors can quote a whole multi-row statement: keep the console readable.
    const message = (err as Error).message;
    console.error(message.length > 600 ? `${message.slice(0, 300)} ... ${message.slice(-300)}` : message);
    return 1;
  } finally {
    await closeDatabase(db);
  }
}

process.exitCode = await main();
