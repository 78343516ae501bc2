// Logins: admins create them, reset passwords, change roles, link advisors and lock people
// out. Every change that revokes sessions also closes their desktop sockets at once.
import { z } from 'zod';
import { ROLES } from '../../domain/session.js';
import { NotFoundError } from '../../shared/errors.js';
import { PASSWORD_LENGTH } from '../../store/users.js';
import type { ApiDeps } from '../deps.js';
import { route } from '../route-spec.js';
import { idParams, pageQuery, queryBoolean } from '../schemas.js';

const ADMINS = ['admin'] as const;
// Supervisors read the list too: they create advisors and mark them as left, and need to
// see which advisors have a working login and that a leaver's is off. It holds no secrets.
const READERS = ['supervisor', 'admin'] as const;

export const newPassword = z
  .string()
  .min(PASSWORD_LENGTH.min, `a password needs at least ${PASSWORD_LENGTH.min} characters`)
  .max(PASSWORD_LENGTH.max, `a password may have at most ${PASSWORD_LENGTH.max} characters`);

const username = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, dots, dashes or underscores (stored in lower case)');

const advisorId = z.number().int().positive().nullable();

const userView = z.object({
  id: z.number(),
  username: z.string(),
  role: z.enum(ROLES),
  advisorId: z.number().nullable(),
  active: z.boolean(),
  createdAt: z.string(),
});

const listQuery = z.object({
  role: z.enum(ROLES).optional(),
  active: queryBoolean.optional(),
  advisorId: z.coerce.number().int().positive().optional(),
  ...pageQuery,
});

const createBody = z.object({
  username,
  password: newPassword,
  role: z.enum(ROLES),
  advisorId: advisorId.optional(),
});

const patchBody = z
  .object({ role: z.enum(ROLES), advisorId, active: z.boolean(), password: newPassword })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'send at least one of role, advisorId, active, password');

export function userRoutes({ store, logger, sessionEnded }: ApiDeps) {
  const closeSockets = (tokenIds: readonly number[]) => {
    for (const tokenId of tokenIds) sessionEnded(tokenId);
  };

  return [
    route({
      method: 'get',
      path: '/api/users',
      summary: 'Logins with their role, advisor and whether they are active (never a password hash)',
      tag: 'users',
      access: READERS,
      query: listQuery,
      response: z.object({ items: z.array(userView), total: z.number(), limit: z.number(), offset: z.number() }),
      handler: async ({ query }) => {
        const { limit, offset, ...filter } = query;
        return store.users.find(filter, { limit: limit ?? 50, offset: offset ?? 0 });
      },
    }),
    route({
      method: 'post',
      path: '/api/users',
      summary: 'Create a login; an agent is linked to an advisor who has no other active login',
      tag: 'users',
      access: ADMINS,
      body: createBody,
      response: userView,
      status: 201,
      handler: async ({ body, user }) => {
        const created = await store.users.create(body);
        logger.info({ userId: created.id, role: created.role, advisorId: created.advisorId, by: user!.id }, 'user created');
        return created;
      },
    }),
    route({
      method: 'patch',
      path: '/api/users/:id',
      summary: 'Change role, advisor, active or password; all but reactivation sign the user out everywhere',
      tag: 'users',
      access: ADMINS,
      params: idParams,
      body: patchBody,
      response: userView,
      handler: async ({ params, body, user }) => {
        const result = await store.users.change(params.id, body);
        closeSockets(result.endedTokenIds);
        if (result.changed.length || result.endedTokenIds.length) {
          logger.info(
            { userId: params.id, changed: result.changed, sessionsEnded: result.endedTokenIds.length, by: user!.id },
            'user changed',
          );
        }
        return result.user;
      },
    }),
    route({
      method: 'post',
      path: '/api/users/:id/revoke-sessions',
      summary: 'Sign a user out everywhere: their tokens stop working and their desktops are closed',
      tag: 'users',
      access: ADMINS,
      params: idParams,
      response: z.object({ userId: z.number(), sessionsEnded: z.number() }),
      handler: async ({ params, user }) => {
        if (!(await store.users.get(params.id))) throw new NotFoundError(`User ${params.id}`);
        const revoked = await store.tokens.revokeSessions(params.id);
        closeSockets(revoked);
        logger.info({ userId: params.id, sessionsEnded: revoked.length, by: user!.id }, 'user signed out everywhere');
        return { userId: params.id, sessionsEnded: revoked.length };
      },
    }),
  ];
}
