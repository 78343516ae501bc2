// Paces the API per signed-in user (every tab and device of one login together), or per
// address for requests without a valid token. The default is far above a supervisor
// console polling several views, so only a script or a runaway loop meets it. Counted in
// this process's memory: behind several CTI servers each counts on its own.
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { SessionUser } from '../domain/session.js';

export const DEFAULT_REQUESTS_PER_MINUTE = 600;

/** Mount after `authenticate`, so a signed-in request counts against its user. */
export function requestRateLimit(requestsPerMinute: number = DEFAULT_REQUESTS_PER_MINUTE): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: requestsPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req, res) => {
      const user = res.locals.user as SessionUser | undefined;
      return user ? `user:${user.id}` : `address:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (_req, res) => {
      const retryAfter = Number(res.getHeader('Retry-After')) || 60;
      res.status(429).json({
        error: { code: 'too_many_requests', message: `Too many requests (${requestsPerMinute} a minute); wait ${retryAfter} s and try again.` },
      });
    },
  });
}
