import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../shared/logger.js';
import { AppError } from '../shared/errors.js';

// Node socket errors, PostgreSQL "admin shutdown / cannot connect now / connection failure"
// SQLSTATEs, and knex's pool timeout: the database is unreachable, not the request wrong.
const DATABASE_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

function isDatabaseDown(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && DATABASE_DOWN_CODES.has(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true;
  return typeof e.message === 'string' && /Connection terminated|not queryable|Connection ended unexpectedly/.test(e.message);
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** The one place where errors become HTTP responses: `{ error: { code, message } }`. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof AppError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
      return;
    }
    const parserError = err as BodyParserError;
    if (parserError?.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'body_too_large', message: 'The request body is too large; send at most 100 kB.' } });
      return;
    }
    if (parserError?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } });
      return;
    }
    if (parserError?.type && parserError.status && parserError.status < 500) {
      res.status(parserError.status).json({ error: { code: 'bad_request', message: 'The request could not be read.' } });
      return;
    }
    if (isDatabaseDown(err)) {
      logger.error({ err, method: req.method, path: req.path }, 'database unreachable during a request');
      res.status(503).json({ error: { code: 'database_unavailable', message: 'The database cannot be reached right now; try again in a moment.' } });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error in request');
    res.status(500).json({ error: { code: 'internal', message: 'Something went wrong on the server; try again, and tell an administrator if it persists.' } });
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `No route ${req.method} ${req.path}.` } });
};
