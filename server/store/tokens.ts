// Opaque bearer tokens: the client holds 32 random bytes (base64url); the database holds
// only their SHA-256, so a leaked database does not leak sessions.
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Role, SessionUser } from '../domain/session.js';
import { NotFoundError } from '../shared/errors.js';
import { bool, iso, num, numOrNull, type Clock } from './sql.js';

export interface IssuedToken {
  token: string;
  tokenId: number;
  expiresAt: string;
}

const TOKEN_BYTES = 32;
// Writing last_used_at on every request would turn each API call into a write.
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Revokes every live token of a user but `keepTokenId` and returns their ids (whose desktop
 * sockets to close). Takes the caller's transaction so that a password or role change and
 * the sign-out commit together.
 */
export async function revokeSessionsOf(db: Knex | Knex.Transaction, userId: number, at: Date, keepTokenId?: number): Promise<number[]> {
  const now = iso(at);
  const live = db('access_tokens').where({ user_id: userId }).whereNull('revoked_at').where('expires_at', '>', now);
  if (keepTokenId !== undefined) live.whereNot({ id: keepTokenId });
  const rows = (await live.update({ revoked_at: now }).returning('id')) as Array<{ id: number }>;
  return rows.map((r) => num(r.id));
}

export class TokenStore {
  constructor(
    private readonly db: Knex,
    private readonly options: { clock: Clock; ttlMs: number },
  ) {}

  async issue(userId: number, ttlMs: number = this.options.ttlMs): Promise<IssuedToken> {
    const now = this.options.clock();
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const expiresAt = iso(new Date(now.getTime() + ttlMs));
    if (!(await this.db('users').where({ id: userId }).first('id'))) throw new NotFoundError(`User ${userId}`);
    const [row] = (await this.db('access_tokens')
      .insert({ user_id: userId, token_hash: hashToken(token), created_at: iso(now), expires_at: expiresAt })
      .returning('id')) as Array<{ id: number }>;
    return { token, tokenId: num(row!.id), expiresAt };
  }

  /** The session behind a token, or null when unknown, expired, revoked or the user is inactive. */
  async verify(token: string): Promise<SessionUser | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) return null;
    const now = this.options.clock();
    const row = (await this.db('access_tokens as t')
      .join('users as u', 'u.id', 't.user_id')
      .where('t.token_hash', hashToken(token))
      .whereNull('t.revoked_at')
      .where('t.expires_at', '>', iso(now))
      .first('t.id as token_id', 't.expires_at', 't.last_used_at', 'u.id', 'u.username', 'u.role', 'u.advisor_id', 'u.active')) as
      | { token_id: number; expires_at: string; last_used_at: string | null; id: number; username: string; role: string; advisor_id: number | null; active: unknown }
      | undefined;
    if (!row || !bool(row.active)) return null;
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
      await this.db('access_tokens').where({ id: row.token_id }).update({ last_used_at: iso(now) });
    }
    return {
      id: num(row.id),
      username: row.username,
      role: row.role as Role,
      advisorId: numOrNull(row.advisor_id),
      tokenId: num(row.token_id),
      expiresAt: row.expires_at,
    };
  }

  /** True when the token was live and is now revoked. */
  async revoke(tokenId: number): Promise<boolean> {
    const updated = await this.db('access_tokens').where({ id: tokenId }).whereNull('revoked_at').update({ revoked_at: iso(this.options.clock()) });
    return updated > 0;
  }

  async revokeToken(token: string): Promise<boolean> {
    const updated = await this.db('access_tokens')
      .where({ token_hash: hashToken(token) })
      .whereNull('revoked_at')
      .update({ revoked_at: iso(this.options.clock()) });
    return updated > 0;
  }

  /** Signs a user out everywhere (but `keepTokenId`); returns the revoked token ids, whose desktop sockets to close. */
  async revokeSessions(userId: number, keepTokenId?: number): Promise<number[]> {
    return revokeSessionsOf(this.db, userId, this.options.clock(), keepTokenId);
  }

  /** Housekeeping: drops tokens expired or revoked before `before`. */
  async purge(before: Date): Promise<number> {
    const cutoff = iso(before);
    return this.db('access_tokens')
      .where('expires_at', '<', cutoff)
      .orWhere((w) => w.whereNotNull('revoked_at').where('revoked_at', '<', cutoff))
      .delete();
  }
}
