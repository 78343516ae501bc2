// Handshake authentication: every socket carries `auth: { token }` from POST /api/auth/login.
// A refused handshake reaches the client as `connect_error` with the message below and
// `err.data.code`, so the desktop can tell "sign in again" from "try again later".
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
