// Two CTI servers sharing the Socket.IO Redis adapter: a pop sent by one server reaches the
// agent whose socket is held by the other, with its ack, and still never another agent.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createClient } from 'redis';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { createLogger } from '../../../server/shared/logger.js';
import { createDesktopGateway, type DesktopGateway, type DesktopServer } from '../../../server/desktop/gateway.js';
import type { ScreenPop } from '../../../server/desktop/contract.js';
import { USERS, aPop, roundTrip, until } from './support.js';

const redisUrl = process.env.CTI_TEST_REDIS_URL;
const silent = new Writable({ write: (_c, _e, done) => done() });

interface Node {
  http: HttpServer;
  io: DesktopServer;
  gateway: DesktopGateway;
  url: string;
  close(): Promise<void>;
}

async function startNode(key: string): Promise<Node> {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const io: DesktopServer = new Server(http, { adapter: createAdapter(pub, sub, { key, requestsTimeout: 2000 }) });
  const gateway = createDesktopGateway({
    io,
    otherServers: true,
    verifyToken: async (token) => Object.values(USERS).find((u) => `token-${u.username}` === token) ?? null,
    logger: createLogger('silent', silent),
    popAckTimeoutMs: 2000,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    http,
    io,
    gateway,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      await gateway.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

describe('desktop gateway behind the Redis adapter, two servers (needs CTI_TEST_REDIS_URL)', function () {
  let one: Node;
  let two: Node;
  const clients: ClientSocket[] = [];

  before(async function () {
    if (!redisUrl) {
      this.skip();
    }
    const key = `cti-test-${randomUUID()}`;
    [one, two] = await Promise.all([startNode(key), startNode(key)]);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    if (!one) return;
    await until(async () => (await one.io.fetchSockets()).length === 0);
  });
  after(async () => {
    await Promise.all([one?.close(), two?.close()]);
  });

  async function connected(node: Node, user: keyof typeof USERS): Promise<ClientSocket> {
    const socket = connect(node.url, { auth: { token: `token-${user}` }, transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  }

  it('delivers a pop sent on one server to the agent on the other, with its ack, and to no other agent', async () => {
    const alice = await connected(one, 'alice');
    const bob = await connected(two, 'bob');
    const sue = await connected(two, 'sue');
    const seen: Record<string, ScreenPop[]> = { alice: [], bob: [], sue: [] };
    for (const [name, s] of [['alice', alice], ['bob', bob], ['sue', sue]] as const) {
      s.on('screen-pop', (pop: ScreenPop, ack: (r: { popId: string }) => void) => {
        seen[name]!.push(pop);
        ack({ popId: pop.popId });
      });
    }

    const delivery = await two.gateway.sendScreenPop(11, aPop({ popId: 'across' }));
    await until(() => seen.sue!.length === 1);
    await roundTrip(bob);

    // Server two holds no socket of Alice's: server one delivers it to hers and takes her ack.
    expect(delivery).to.deep.equal({ popId: 'across', sockets: 0, acknowledged: 0 });
    expect(seen.alice!.map((p) => p.popId)).to.deep.equal(['across']);
    expect(seen.bob).to.be.empty;
    const local = await one.gateway.sendScreenPop(11, aPop({ popId: 'here' }));
    expect(local).to.deep.equal({ popId: 'here', sockets: 1, acknowledged: 1 });
    await until(() => seen.sue!.length === 2);
    expect(seen.alice!.map((p) => p.popId), 'each pop once, whichever server sent it').to.deep.equal(['across', 'here']);
  });

  it('reports the agent gone only when their last socket anywhere has closed', async () => {
    const events: string[] = [];
    one.gateway.on('agent-disconnected', (id) => {
      events.push(`one:${id}`);
    });
    const onOne = await connected(one, 'bob');
    const onTwo = await connected(two, 'bob');
    onOne.disconnect();
    await roundTrip(onTwo);
    await new Promise((r) => setTimeout(r, 300));
    expect(events).to.deep.equal([]);

    onTwo.disconnect();
    const again = await connected(one, 'bob');
    again.disconnect();
    await until(() => events.length === 1);
    expect(events).to.deep.equal(['one:12']);
  });
});
