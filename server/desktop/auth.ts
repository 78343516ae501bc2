// Handshake authentication: every socket carries `auth: { token }` from POST /api/auth/login.
// A refused handshake reaches the client as `connect_error` with the message below and
// `err.data.code`, so the desktop can tell "sign in again" from "try again later".
// A socket lives no longer than its token: it is closed when the token expires.
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { SessionUser } from '../domain/session.js';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './contract.js';

export const AUTH_ERROR_CODES = {
  missingToken: 'missing_token',
  invalidToken: 'invalid_token',
  noAdvisorProfile: 'no_advisor_profile',
  unavailable: 'auth_unavailable',
} as const;

export class HandshakeError extends Error {
  readonly data: { code: string };
  constructor(code: string, message: string) {
    super(message);
    this.name = 'HandshakeError';
    this.data = { code };
  }
}

type DesktopSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export function socketAuth(verifyToken: (token: string) => Promise<SessionUser | null>, logger: Logger) {
  return async (socket: DesktopSocket, next: (err?: Error) => void): Promise<void> => {
    const auth: unknown = socket.handshake.auth;
    const token = typeof auth === 'object' && auth !== null ? (auth as { token?: unknown }).token : undefined;
    if (typeof token !== 'string' || token.trim() === '') {
      next(new HandshakeError(AUTH_ERROR_CODES.missingToken, 'Sign in first: connect with auth: { token } from POST /api/auth/login.'));
      return;
    }
    let user: SessionUser | null;
    try {
      user = await verifyToken(token.trim());
    } catch (err) {
      logger.error({ err }, 'desktop token check failed');
      next(new HandshakeError(AUTH_ERROR_CODES.unavailable, 'Could not check your session right now; the desktop retries by itself.'));
      return;
    }
    if (!user) {
      next(new HandshakeError(AUTH_ERROR_CODES.invalidToken, 'Your session has expired or the token is not valid: sign in again.'));
      return;
    }
    if (user.role === 'agent' && user.advisorId === null) {
      next(
        new HandshakeError(
          AUTH_ERROR_CODES.noAdvisorProfile,
          'This agent account is not linked to an advisor: ask an administrator to link it before taking calls.',
        ),
      );
      return;
    }
    socket.data.user = user;
    next();
  };
}

/** Timers the gateway arms per socket; injected so a test can fire them. */
export interface SessionTimers {
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const systemTimers: SessionTimers = {
  set: (fire, ms) => setTimeout(fire, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

// Node fires a longer timeout at once; a longer session re-arms until it is due.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `end` once the session's token has expired by `now`; returns the cancel to call
 * when the socket goes first. The time left is read again when the timer fires, so a
 * timer that fired early (or a clock that moved) re-arms instead of ending too soon.
 */
export function endAtExpiry(expiresAt: string | undefined, end: () => void, clock: { now: () => number; timers: SessionTimers }): () => void {
  const endsAt = expiresAt === undefined ? Number.NaN : Date.parse(expiresAt);
  if (Number.isNaN(endsAt)) return () => undefined;
  let handle: unknown = null;
  const arm = (): void => {
    const left = endsAt - clock.now();
    if (left <= 0) {
      handle = null;
      end();
      return;
    }
    handle = clock.timers.set(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  return () => {
    if (handle !== null) clock.timers.clear(handle);
    handle = null;
  };
}

/** Closes the socket when the token it was opened with expires (the timer goes with the socket). */
export function closeAtTokenExpiry(socket: DesktopSocket, clock: { now: () => number; timers: SessionTimers }, logger: Logger): void {
  const cancel = endAtExpiry(
    socket.data.user.expiresAt,
    () => {
      logger.info('desktop session expired; socket closed');
      socket.disconnect(true);
    },
    clock,
  );
  socket.once('disconnect', cancel);
}
