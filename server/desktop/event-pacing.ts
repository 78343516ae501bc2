// Puts the event rate limit in front of every client event of one desktop socket, unknown
// event names included: an event over the budget is answered `rate_limited` (when it has
// an ack) and never reaches a handler; a socket that floods is closed.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { AckResult, ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './contract.js';
import { eventRateLimit, type EventRateLimitOptions } from './event-rate-limit.js';

type DesktopSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

const RATE_LIMITED: AckResult = {
  ok: false,
  error: { code: 'rate_limited', message: 'This desktop is sending too many requests; wait a second and try again.' },
};

/** `clock` is monotonic ms: real elapsed time paces events, whatever business clock a test pins. */
export function paceEvents(socket: DesktopSocket, options: Partial<EventRateLimitOptions> | undefined, log: Logger, clock: () => number = () => performance.now()): void {
  const limit = eventRateLimit(options, clock());
  let closed = false;
  socket.use((packet, next) => {
    const verdict = limit.take(clock());
    if (verdict === 'allowed') {
      next();
      return;
    }
    const ack = packet.at(-1);
    if (typeof ack === 'function') (ack as (r: AckResult) => void)(RATE_LIMITED);
    if (verdict === 'flooding' && !closed) {
      closed = true;
      log.warn('desktop socket flooding events; disconnected');
      socket.disconnect(true);
    }
  });
}
