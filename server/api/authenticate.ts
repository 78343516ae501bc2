import type { RequestHandler } from 'express';
import type { SessionUser } from '../domain/session.js';

export type VerifyToken = (token: string) => Promise<SessionUser | null>;

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1]! : null;
}

/**
 * Resolves the bearer token to a user when one is sent. Whether a route needs
 * one is decided by its spec (route-spec.ts), so public routes stay public.
 */
export function authenticate(verifyToken: VerifyToken): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (token) {
      const user = await verifyToken(token);
      if (user) res.locals.user = user;
    }
    next();
  };
}
