import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { route } from '../route-spec.js';
import { UnauthorizedError, ValidationError } from '../../shared/errors.js';
import { ROLES, type SessionUser } from '../../domain/session.js';
import { newPassword } from './users-routes.js';

const loginBody = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});

const userShape = z.object({
  id: z.number(),
  username: z.string(),
  role: z.enum(ROLES),
  advisorId: z.number().nullable(),
});

// Per address and username, so one agent mistyping cannot lock out the floor behind one NAT.
// Only failed attempts count (signing in again from a new tab is not guessing), and each
// API app gets its own counter.
const createLoginLimiter = () =>
  rateLimit({
    windowMs: 15 * 60_000,
    limit: 10,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? 'unknown')}|${String((req.body as { username?: unknown })?.username ?? '').toLowerCase()}`,
    handler: (_req, res) => {
      res.status(429).json({ error: { code: 'too_many_attempts', message: 'Too many sign-in attempts; wait 15 minutes and try again.' } });
    },
  });

// Someone holding a session could otherwise guess the password behind it (and keep access
// after the token expires). Only wrong current passwords count, per user.
const createPasswordLimiter = () =>
  rateLimit({
    windowMs: 15 * 60_000,
    limit: 10,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.locals.wrongPassword !== true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req, res) => {
      const user = res.locals.user as SessionUser | undefined;
      return user ? `user:${user.id}` : ipKeyGenerator(req.ip ?? 'unknown');
    },
    handler: (_req, res) => {
      res.status(429).json({ error: { code: 'too_many_attempts', message: 'Too many wrong current passwords; wait 15 minutes and try again.' } });
    },
  });

export function authRoutes({ store, logger, sessionEnded }: ApiDeps) {
  const loginLimiter = createLoginLimiter();
  const passwordLimiter = createPasswordLimiter();
  return [
    route({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Sign in; returns a bearer token',
      tag: 'auth',
      access: 'public',
      body: loginBody,
      response: z.object({ token: z.string(), expiresAt: z.string(), user: userShape }),
      before: [loginLimiter],
      handler: async ({ body }) => {
        const user = await store.users.verifyCredentials(body.username, body.password);
        // One answer for unknown user, wrong password and disabled account: no hint which.
        if (!user) throw new UnauthorizedError('Wrong username or password.');
        const issued = await store.tokens.issue(user.id);
        logger.info({ userId: user.id, role: user.role }, 'user signed in');
        return {
          token: issued.token,
          expiresAt: issued.expiresAt,
          user: { id: user.id, username: user.username, role: user.role, advisorId: user.advisorId },
        };
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Revoke the token this request was made with',
      tag: 'auth',
      access: 'signed-in',
      status: 204,
      handler: async ({ user }) => {
        await store.tokens.revoke(user!.tokenId);
        sessionEnded(user!.tokenId);
      },
    }),
    route({
      method: 'get',
      path: '/api/me',
      summary: 'Who the token belongs to',
      tag: 'auth',
      access: 'signed-in',
      response: userShape.extend({ advisor: z.unknown().nullable() }),
      handler: async ({ user }) => {
        const advisor = user!.advisorId ? await store.advisors.get(user!.advisorId) : null;
        return { id: user!.id, username: user!.username, role: user!.role, advisorId: user!.advisorId, advisor };
      },
    }),
    route({
      method: 'post',
      path: '/api/me/password',
      summary: 'Change your own password; your other sessions are signed out, this one stays',
      tag: 'auth',
      access: 'signed-in',
      body: z.object({ currentPassword: z.string().min(1).max(256), newPassword }),
      before: [passwordLimiter],
      status: 204,
      handler: async ({ body, user, res }) => {
        // 400, not 401: the session is fine, and a desktop treats 401 as "sign in again".
        if (!(await store.users.hasPassword(user!.id, body.currentPassword))) {
          res.locals.wrongPassword = true;
          throw new ValidationError('The current password is not right, so nothing was changed: type it again, or ask an administrator to reset it.');
        }
        if (body.newPassword === body.currentPassword) throw new ValidationError('The new password is the one you have now: choose a different one.');
        const result = await store.users.change(user!.id, { password: body.newPassword }, { keepTokenId: user!.tokenId });
        for (const tokenId of result.endedTokenIds) sessionEnded(tokenId);
        logger.info({ userId: user!.id, sessionsEnded: result.endedTokenIds.length }, 'password changed by its user');
      },
    }),
  ];
}
