// `npm run user -- create|password|deactivate --username NAME`: manages logins straight in
// the database at CTI_DB_URL, for the first admin of a fresh production database (which is
// never seeded) or an admin locked out. The password comes from CTI_NEW_PASSWORD or stdin,
// never from the command line, where `ps` would show it.
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../server/config/config.js';
import { ROLES, type Role } from '../server/domain/session.js';
import { AppError } from '../server/shared/errors.js';
import { createLogger } from '../server/shared/logger.js';
import { closeDatabase, migrateLatest, openDatabase } from '../server/store/database.js';
import { createStore, type Store } from '../server/store/index.js';
import type { Logger } from '../server/shared/logger.js';

const USAGE = `Usage (the password is read from CTI_NEW_PASSWORD, or from stdin: typed hidden, or piped):
  npm run user -- create --username NAME --role agent|supervisor|admin [--advisor-id N]
                                          create a login (migrates a fresh database first)
  npm run user -- password --username NAME
                                          set a new password; the user's sessions are revoked
  npm run user -- deactivate --username NAME
                                          lock a login out; its sessions are revoked
Desktops open on a running server with a revoked session stay connected until they
reconnect; PATCH /api/users/:id closes them at once.`;

class UsageError extends Error {}

async function readHidden(question: string): Promise<string> {
  let muted = false;
  // readline echoes what is typed through its output: a muted one hides the password.
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    process.stderr.write(question);
    muted = true;
    return await rl.question('');
  } finally {
    muted = false;
    process.stderr.write('\n');
    rl.close();
  }
}

async function readPiped(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  // Only the line end goes: spaces may be part of the password.
  return text.replace(/\r?\n$/, '');
}

async function readNewPassword(): Promise<string> {
  const fromEnv = process.env.CTI_NEW_PASSWORD;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) {
    const piped = await readPiped();
    if (!piped) throw new UsageError('No password given: set CTI_NEW_PASSWORD or send it on stdin.');
    return piped;
  }
  const first = await readHidden('New password: ');
  const second = await readHidden('Type it again: ');
  if (first !== second) throw new UsageError('The two passwords differ; nothing was changed.');
  return first;
}

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required.`);
  return value;
}

async function userNamed(store: Store, username: string): Promise<number> {
  const user = await store.users.getByUsername(username);
  if (!user) throw new AppError(404, 'not_found', `There is no user ${username.trim().toLowerCase()}.`);
  return user.id;
}

async function run(store: Store, log: Logger, command: string, values: Record<string, string | boolean | undefined>): Promise<string> {
  const username = required(values, 'username');
  if (command === 'create') {
    const role = required(values, 'role') as Role;
    if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}.`);
    const rawAdvisor = values['advisor-id'];
    if (rawAdvisor !== undefined && !/^[1-9]\d*$/.test(String(rawAdvisor))) throw new UsageError('--advisor-id must be an advisor id (a whole number).');
    const advisorId = rawAdvisor === undefined ? null : Number(rawAdvisor);
    const user = await store.users.create({ username, role, advisorId, password: await readNewPassword() });
    log.info({ userId: user.id, role: user.role, advisorId: user.advisorId, by: 'cli' }, 'user created');
    return `Created user ${user.id}: ${user.username} (${user.role}${user.advisorId === null ? '' : `, advisor ${user.advisorId}`}).`;
  }
  const id = await userNamed(store, username);
  const patch = command === 'password' ? { password: await readNewPassword() } : { active: false };
  const result = await store.users.change(id, patch);
  log.info({ userId: id, changed: result.changed, sessionsEnded: result.endedTokenIds.length, by: 'cli' }, 'user changed');
  const signedOut = `${result.endedTokenIds.length} session(s) revoked`;
  return command === 'password' ? `New password set for ${result.user.username}; ${signedOut}.` : `Deactivated ${result.user.username}; ${signedOut}.`;
}

async function main(): Promise<number> {
  if (process.argv.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    console.error('A password is never taken on the command line (ps would show it): set CTI_NEW_PASSWORD or send it on stdin.');
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { username: { type: 'string' }, role: { type: 'string' }, 'advisor-id': { type: 'string' }, help: { type: 'boolean' } },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const command = parsed.positionals[0];
  if (parsed.values.help || !['create', 'password', 'deactivate'].includes(command ?? '')) {
    console.log(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const config = loadConfig();
  // Audit lines on stderr, so stdout carries only the answer.
  const log = createLogger(config.logLevel, pino.destination({ dest: 2, sync: true }));
  const db = openDatabase(config.dbUrl);
  try {
    // A fresh production database has no tables until the server first starts.
    if (command === 'create') await migrateLatest(db);
    const store = createStore(db, {
      defaultCountry: config.outbound.defaultCountry,
      defaultCapacity: config.allocation.defaultCapacity,
      tokenTtlMs: config.tokenTtlMs,
    });
    console.log(await run(store, log, command!, parsed.values));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      return 2;
    }
    console.error(err instanceof AppError ? err.message : `Failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await closeDatabase(db);
  }
}

process.exitCode = await main();
