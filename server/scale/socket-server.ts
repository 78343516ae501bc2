// The desktop Socket.IO server with the Redis adapter: rooms span every CTI server, so a
// screen pop sent by the server that routed the call reaches the agent's sockets
// wherever they are connected, and `fetchSockets` counts them on every server.
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import type { DesktopServer } from '../desktop/gateway.js';
import type { RedisClient } from './redis-connection.js';

/** How long a cross-server request (fetchSockets) waits for the other servers. */
const ADAPTER_REQUEST_TIMEOUT_MS = 2_000;

export function createScaledSocketServer(httpServer: HttpServer, publisher: RedisClient, subscriber: RedisClient, key: string): DesktopServer {
  return new Server(httpServer, {
    serveClient: true,
    adapter: createAdapter(publisher, subscriber, { key, requestsTimeout: ADAPTER_REQUEST_TIMEOUT_MS }),
  });
}

/** Closes the sockets of this server without closing the HTTP server (the API owns it). */
export function closeSocketServer(io: DesktopServer): void {
  io.disconnectSockets(true);
  io.engine.close();
}
