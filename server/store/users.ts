// Users (agents, supervisors, admins) with scrypt password hashes. Every change that could
// leave a session with rights the user no longer has also ends their sessions, in the same
// transaction; the caller closes the desktop sockets of the token ids it gets back.
import type { Knex } from 'knex';
import { ROLES, type Role } from '../domain/session.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { hashPassword, verifyPassword } from '../shared/password.js';
import { isPostgres } from './database.js';
import { revokeSessionsOf } from './tokens.js';
import { bool, countOf, iso, isUniqueViolation, num, numOrNull, pageOf, transact, type Clock, type Page, type PageResult } from './sql.js';

export interface User {
  id: number;
  username: string;
  role: Role;
  advisorId: number | null;
  active: boolean;
  createdAt: string;
}

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  advisorId?: number | null;
}

export interface UserFilter {
  role?: Role;
  active?: boolean;
  advisorId?: number;
}

/** What an administrator may change on a login; absent fields stay as they are. */
export interface UserChange {
  role?: Role;
  advisorId?: number | null;
  active?: boolean;
  password?: string;
}

export interface UserChangeResult {
  user: User;
  /** The fields whose value changed (a password sent always counts). */
  changed: Array<keyof UserChange>;
  /** Tokens revoked by the change: close their desktop sockets. */
  endedTokenIds: number[];
}

export interface AdvisorLoginsDeactivated {
  userIds: number[];
  endedTokenIds: number[];
}

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: string;
  advisor_id: number | null;
  active: unknown;
  created_at: string;
}

type Db = Knex | Knex.Transaction;

const COLUMNS = ['id', 'username', 'role', 'advisor_id', 'active', 'created_at'];
export const PASSWORD_LENGTH = { min: 8, max: 256 } as const;
// Compared against when the username is unknown, so both paths cost one scrypt.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$' + Buffer.alloc(64).toString('base64');
const LAST_ADMIN =
  'is the last active admin: without one nobody could manage logins. Make another user an admin first, then change this one.';

function toUser(row: Omit<UserRow, 'password_hash'>): User {
  return {
    id: num(row.id),
    username: row.username,
    role: row.role as Role,
    advisorId: numOrNull(row.advisor_id),
    active: bool(row.active),
    createdAt: row.created_at,
  };
}

function normalUsername(username: string): string {
  return typeof username === 'string' ? username.trim().toLowerCase() : '';
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < PASSWORD_LENGTH.min) {
    throw new ValidationError(`A password needs at least ${PASSWORD_LENGTH.min} characters.`);
  }
  if (password.length > PASSWORD_LENGTH.max) {
    throw new ValidationError(`A password may have at most ${PASSWORD_LENGTH.max} characters.`);
  }
}

function checkRole(role: Role): void {
  if (!ROLES.includes(role)) throw new ValidationError(`Role must be one of ${ROLES.join(', ')}.`);
}

function checkAgentLinked(role: Role, advisorId: number | null): void {
  if (role === 'agent' && advisorId === null) {
    throw new ValidationError('An agent login must be linked to an advisor: send advisorId (see GET /api/advisors).');
  }
}

/**
 * A login may be linked only to an advisor who still works here, and only one active
 * login per advisor: the desktop, presence and every call record speak for the advisor,
 * so two people signed in as Alice could not be told apart.
 */
async function checkAdvisorLink(db: Db, advisorId: number, userId: number | null): Promise<void> {
  const advisor = (await db('advisors').where({ id: advisorId }).first('id', 'active')) as { id: number; active: unknown } | undefined;
  if (!advisor) throw new ValidationError(`Advisor ${advisorId} does not exist (see GET /api/advisors).`);
  if (!bool(advisor.active)) throw new ValidationError(`Advisor ${advisorId} has left: link the login to a current advisor.`);
  const other = db('users').where({ advisor_id: advisorId, active: true });
  if (userId !== null) other.whereNot({ id: userId });
  const taken = (await other.first('id')) as { id: number } | undefined;
  if (taken) {
    throw new ConflictError(`Advisor ${advisorId} already has an active login (user ${num(taken.id)}): deactivate that one first.`);
  }
}

/**
 * The active admins, locked on PostgreSQL so that two admins stepping down at once cannot
 * both see the other still there. Taken before any other row, in id order: one lock order
 * for every transaction means they queue instead of deadlocking.
 */
async function lockActiveAdmins(db: Db, postgres: boolean): Promise<number[]> {
  const admins = db('users').where({ role: 'admin', active: true }).orderBy('id').select('id');
  if (postgres) admins.forUpdate();
  return ((await admins) as Array<{ id: number }>).map((r) => num(r.id));
}

/** Refuses a change that would leave no active admin. */
function keepAnAdmin(activeAdmins: readonly number[], leaving: readonly number[]): void {
  if (activeAdmins.every((id) => leaving.includes(id))) {
    throw new ConflictError(`${leaving.length === 1 ? `User ${leaving[0]}` : 'Among these logins one'} ${LAST_ADMIN}`);
  }
}

export class UserStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock },
  ) {}

  async create(input: NewUser): Promise<User> {
    const username = normalUsername(input.username);
    if (!/^[a-z0-9._-]{2,64}$/.test(username)) {
      throw new ValidationError('A username has 2-64 letters, digits, dots, dashes or underscores.');
    }
    checkRole(input.role);
    checkPassword(input.password);
    const advisorId = input.advisorId ?? null;
    // Hashed before the transaction: scrypt takes tens of milliseconds.
    const passwordHash = await hashPassword(input.password);
    try {
      return await transact(this.db, async (trx) => {
        if (await trx('users').where({ username }).first('id')) throw new ConflictError(`Username ${username} is already taken.`);
        checkAgentLinked(input.role, advisorId);
        if (advisorId !== null) await checkAdvisorLink(trx, advisorId, null);
        const [row] = (await trx('users')
          .insert({
            username,
            password_hash: passwordHash,
            role: input.role,
            advisor_id: advisorId,
            active: true,
            created_at: iso(this.options.clock()),
          })
          .returning(COLUMNS)) as UserRow[];
        return toUser(row!);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Username ${username} is already taken.`);
      throw err;
    }
  }

  async get(id: number): Promise<User | null> {
    const row = (await this.db('users').select(COLUMNS).where({ id }).first()) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async getByUsername(username: string): Promise<User | null> {
    const row = (await this.db('users').select(COLUMNS).where({ username: normalUsername(username) }).first()) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async getByAdvisor(advisorId: number): Promise<User[]> {
    const rows = (await this.db('users').select(COLUMNS).where({ advisor_id: advisorId }).orderBy('id')) as UserRow[];
    return rows.map(toUser);
  }

  async list(): Promise<User[]> {
    const rows = (await this.db('users').select(COLUMNS).orderBy('id')) as UserRow[];
    return rows.map(toUser);
  }

  /** One page of users matching every filter given, by id. */
  async find(filter: UserFilter, page?: Page): Promise<PageResult<User>> {
    const { limit, offset } = pageOf(page);
    const query = this.db('users');
    if (filter.role !== undefined) query.where({ role: filter.role });
    if (filter.active !== undefined) query.where({ active: filter.active });
    if (filter.advisorId !== undefined) query.where({ advisor_id: filter.advisorId });
    const [total, rows] = await Promise.all([countOf(query), query.clone().select(COLUMNS).orderBy('id').limit(limit).offset(offset)]);
    return { items: (rows as UserRow[]).map(toUser), total, limit, offset };
  }

  /** The active user with this username and password, or null (same cost either way). */
  async verifyCredentials(username: string, password: string): Promise<User | null> {
    if (typeof username !== 'string' || typeof password !== 'string') return null;
    const row = (await this.db('users')
      .select([...COLUMNS, 'password_hash'])
      .where({ username: normalUsername(username) })
      .first()) as UserRow | undefined;
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok || !bool(row.active)) return null;
    return toUser(row);
  }

  /** Whether this is the user's password (for a user changing their own). */
  async hasPassword(id: number, password: string): Promise<boolean> {
    const row = (await this.db('users').where({ id }).first('password_hash')) as { password_hash: string } | undefined;
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    return ok && row !== undefined;
  }

  /** Deactivating also revokes every token of the user. */
  async setActive(id: number, active: boolean): Promise<User> {
    return (await this.change(id, { active })).user;
  }

  /**
   * Changes a login. A new password, deactivation, a new role or a new advisor revokes the
   * user's sessions (but `keepTokenId`): a desktop socket keeps the rooms its role and
   * advisor gave it, so it must sign in again to get the new ones.
   */
  async change(id: number, patch: UserChange, options: { keepTokenId?: number } = {}): Promise<UserChangeResult> {
    if (patch.role !== undefined) checkRole(patch.role);
    if (patch.password !== undefined) checkPassword(patch.password);
    const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
    const postgres = isPostgres(this.db);
    const mayStepDown = patch.active === false || (patch.role !== undefined && patch.role !== 'admin');
    return transact(this.db, async (trx) => {
      const activeAdmins = mayStepDown ? await lockActiveAdmins(trx, postgres) : [];
      const read = trx('users').select(COLUMNS).where({ id }).first();
      if (postgres) read.forUpdate();
      const row = (await read) as UserRow | undefined;
      if (!row) throw new NotFoundError(`User ${id}`);
      const before = toUser(row);
      const after = {
        role: patch.role ?? before.role,
        advisorId: patch.advisorId !== undefined ? patch.advisorId : before.advisorId,
        active: patch.active ?? before.active,
      };
      const changed: Array<keyof UserChange> = [];
      if (after.role !== before.role) changed.push('role');
      if (after.advisorId !== before.advisorId) changed.push('advisorId');
      if (after.active !== before.active) changed.push('active');
      if (passwordHash !== undefined) changed.push('password');

      checkAgentLinked(after.role, after.advisorId);
      const linking = after.active && after.advisorId !== null && (changed.includes('advisorId') || changed.includes('active'));
      if (linking) await checkAdvisorLink(trx, after.advisorId!, id);
      const wasAdmin = before.role === 'admin' && before.active;
      if (wasAdmin && !(after.role === 'admin' && after.active)) keepAnAdmin(activeAdmins, [id]);

      const columns: Record<string, unknown> = {};
      if (changed.includes('role')) columns.role = after.role;
      if (changed.includes('advisorId')) columns.advisor_id = after.advisorId;
      if (changed.includes('active')) columns.active = after.active;
      if (passwordHash !== undefined) columns.password_hash = passwordHash;
      if (Object.keys(columns).length) await trx('users').where({ id }).update(columns);

      // An inactive login keeps no live token, so reactivating it never revives an old session.
      const signOut = !after.active || changed.some((field) => field !== 'active');
      const endedTokenIds = signOut ? await revokeSessionsOf(trx, id, this.options.clock(), options.keepTokenId) : [];
      return { user: { ...before, ...after }, changed, endedTokenIds };
    });
  }

  /** An advisor left: every active login linked to them is deactivated and signed out. */
  async deactivateForAdvisor(advisorId: number): Promise<AdvisorLoginsDeactivated> {
    const postgres = isPostgres(this.db);
    return transact(this.db, async (trx) => {
      const activeAdmins = await lockActiveAdmins(trx, postgres);
      const read = trx('users').where({ advisor_id: advisorId, active: true }).orderBy('id').select('id', 'role');
      if (postgres) read.forUpdate();
      const rows = (await read) as Array<{ id: number; role: string }>;
      const userIds = rows.map((r) => num(r.id));
      if (rows.some((r) => r.role === 'admin')) keepAnAdmin(activeAdmins, userIds);
      if (userIds.length === 0) return { userIds, endedTokenIds: [] };
      await trx('users').whereIn('id', userIds).update({ active: false });
      const endedTokenIds: number[] = [];
      for (const userId of userIds) endedTokenIds.push(...(await revokeSessionsOf(trx, userId, this.options.clock())));
      return { userIds, endedTokenIds };
    });
  }
}
