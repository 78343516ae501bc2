// Users (agents, supervisors, admins) with scrypt password hashes.
import type { Knex } from 'knex';
import { ROLES, type Role } from '../domain/session.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { hashPassword, verifyPassword } from '../shared/password.js';
import { bool, iso, isUniqueViolation, num, numOrNull, type Clock } from './sql.js';

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

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: string;
  advisor_id: number | null;
  active: unknown;
  created_at: string;
}

const COLUMNS = ['id', 'username', 'role', 'advisor_id', 'active', 'created_at'];
const MIN_PASSWORD = 8;
// Compared against when the username is unknown, so both paths cost one scrypt.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$' + Buffer.alloc(64).toString('base64');

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

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD) {
    throw new ValidationError(`A password needs at least ${MIN_PASSWORD} characters.`);
  }
}

export class UserStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock },
  ) {}

  async create(input: NewUser): Promise<User> {
    const username = input.username?.trim().toLowerCase() ?? '';
    if (!/^[a-z0-9._-]{2,64}$/.test(username)) {
      throw new ValidationError('A username has 2-64 letters, digits, dots, dashes or underscores.');
    }
    if (!ROLES.includes(input.role)) throw new ValidationError(`Role must be one of ${ROLES.join(', ')}.`);
    checkPassword(input.password);
    if (input.advisorId != null && !(await this.db('advisors').where({ id: input.advisorId }).first('id'))) {
      throw new ValidationError(`Advisor ${input.advisorId} does not exist.`);
    }
    const passwordHash = await hashPassword(input.password);
    try {
      const [row] = (await this.db('users')
        .insert({
          username,
          password_hash: passwordHash,
          role: input.role,
          advisor_id: input.advisorId ?? null,
          active: true,
          created_at: iso(this.options.clock()),
        })
        .returning(COLUMNS)) as UserRow[];
      return toUser(row!);
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
    const row = (await this.db('users').select(COLUMNS).where({ username: username.trim().toLowerCase() }).first()) as UserRow | undefined;
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

  /** The active user with this username and password, or null (same cost either way). */
  async verifyCredentials(username: string, password: string): Promise<User | null> {
    if (typeof username !== 'string' || typeof password !== 'string') return null;
    const row = (await this.db('users')
      .select([...COLUMNS, 'password_hash'])
      .where({ username: username.trim().toLowerCase() })
      .first()) as UserRow | undefined;
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok || !bool(row.active)) return null;
    return toUser(row);
  }

  async setPassword(id: number, password: string): Promise<void> {
    checkPassword(password);
    const updated = await this.db('users').where({ id }).update({ password_hash: await hashPassword(password) });
    if (updated === 0) throw new NotFoundError(`User ${id}`);
  }

  /** Deactivating also makes every token of the user fail verification at once. */
  async setActive(id: number, active: boolean): Promise<User> {
    const updated = await this.db('users').where({ id }).update({ active });
    if (updated === 0) throw new NotFoundError(`User ${id}`);
    return (await this.get(id))!;
  }

  async update(id: number, patch: { role?: Role; advisorId?: number | null }): Promise<User> {
    const changes: Record<string, unknown> = {};
    if (patch.role !== undefined) {
      if (!ROLES.includes(patch.role)) throw new ValidationError(`Role must be one of ${ROLES.join(', ')}.`);
      changes.role = patch.role;
    }
    if (patch.advisorId !== undefined) changes.advisor_id = patch.advisorId;
    if (Object.keys(changes).length) {
      const updated = await this.db('users').where({ id }).update(changes);
      if (updated === 0) throw new NotFoundError(`User ${id}`);
    }
    const user = await this.get(id);
    if (!user) throw new NotFoundError(`User ${id}`);
    return user;
  }
}
