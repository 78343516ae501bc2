// A real HTTP server on port 0 with the gateway attached, and real socket.io-client
// sockets: the wire is what is tested, nothing is stubbed below Socket.IO.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { Registry } from 'prom-client';
import { createLogger } from '../../../server/shared/logger.js';
import type { SessionUser } from '../../../server/domain/session.js';
import { createDesktopGateway, type DesktopGateway, type DesktopGatewayOptions } from '../../../server/desktop/gateway.js';
import type { ScreenPop, Wallboard } from '../../../server/desktop/contract.js';

export const USERS = {
  alice: { id: 1, username: 'alice', role: 'agent', advisorId: 11, tokenId: 101 },
  bob: { id: 2, username: 'bob', role: 'agent', advisorId: 12, tokenId: 102 },
  sue: { id: 3, username: 'sue', role: 'supervisor', advisorId: null, tokenId: 103 },
  orphan: { id: 4, username: 'orphan', role: 'agent', advisorId: null, tokenId: 104 },
} as const satisfies Record<string, SessionUser>;

export type UserName = keyof typeof USERS;

export interface Harness {
  url: string;
  http: HttpServer;
  gateway: DesktopGateway;
  registry: Registry;
  connectAs(user: UserName | null, token?: string): ClientSocket;
  connected(user: UserName): Promise<ClientSocket>;
  close(): Promise<void>;
}

const silent = new Writable({ write: (_chunk, _enc, done) => done() });

export async function startHarness(extra: Partial<DesktopGatewayOptions> = {}): Promise<Harness> {
  const http = createServer();
  const registry = new Registry();
  const gateway = createDesktopGateway({
    httpServer: http,
    verifyToken: async (token) => Object.values(USERS).find((u) => `token-${u.username}` === token) ?? null,
    logger: createLogger('silent', silent),
    registry,
    ...extra,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: ClientSocket[] = [];

  function connectAs(user: UserName | null, token?: string): ClientSocket {
    const auth = token !== undefined ? { token } : user ? { token: `token-${user}` } : {};
    const socket = connect(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(socket);
    return socket;
  }

  return {
    url,
    http,
    gateway,
    registry,
    connectAs,
    async connected(user) {
      const socket = connectAs(user);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await gateway.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export function connectError(socket: ClientSocket): Promise<Error & { data?: { code?: string } }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, but the handshake should have been refused')));
    socket.once('connect_error', resolve);
  });
}

/** Resolves after a server round trip on this socket, so anything sent to it earlier has arrived. */
export async function roundTrip(socket: ClientSocket): Promise<void> {
  await socket.timeout(2000).emitWithAck('screen-pop:ack', { popId: 'round-trip-probe' });
}

export async function until<T>(predicate: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 3000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function aPop(overrides: Partial<ScreenPop> = {}): ScreenPop {
  return {
    popId: 'pop-1',
    callId: 'call-1',
    phase: 'ringing',
    callerNumber: '+8613800138000',
    member: {
      id: 501,
      memberNo: 'M000501',
      name: '张伟',
      level: 'gold',
      phones: ['+8613800138000'],
      lifecycle: { stage: 'active', atRisk: false },
      lastPurchaseAt: '2026-10-01T02:00:00.000Z',
      purchaseCount: 6,
      totalSpend: 4820,
      tags: ['tea'],
      notes: 'Prefers afternoon calls.',
      servicePlan: 'Quarterly tasting kit',
    },
    owner: { id: 11, name: 'Alice', nameZh: '王丽', tier: 'senior', state: 'ready' },
    reason: 'own-advisor',
    reasonText: 'Your own member',
    ivr: { language: 'zh', choice: '1' },
    waitedSeconds: 12,
    callback: null,
    ...overrides,
  };
}

export function aWallboard(at: string): Wallboard {
  return {
    at,
    advisors: [],
    waiting: [],
    callbacks: [],
    today: {
      affinity: { own: 0, delegate: 0, pool: 0, rate: 0 },
      serviceLevel: 1,
      abandonment: 0,
      offered: 0,
      answered: 0,
      abandoned: 0,
    },
  };
}
