// Shared presence over a real Redis: three servers' boards (each its own Redis connections
// and heartbeat) follow the desktop of the server holding an agent's sockets, the absence
// mark from any server and phone reports when they have none of their own; a server
// started late reads the snapshot; a dead server's agents are signed out everywhere.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createClient } from 'redis';
import { PresenceBoard } from '../../../server/presence/presence-board.js';
import { createLogger } from '../../../server/shared/logger.js';
import { scaleKeys, type ScaleKeys } from '../../../server/scale/keys.js';
import { PresenceSync } from '../../../server/scale/presence-sync.js';
import { connectRedis, type RedisConnections } from '../../../server/scale/redis-connection.js';
import { ServerHeartbeat } from '../../../server/scale/server-heartbeat.js';
import { dropRedisPrefix } from './cluster.js';

const redisUrl = process.env.CTI_TEST_REDIS_URL;
const skipped = redisUrl ? '' : ' (skipped: set CTI_TEST_REDIS_URL)';
const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
const TTL_MS = 1_000;

interface Peer {
  id: string;
  board: PresenceBoard;
  sync: PresenceSync;
  heartbeat: ServerHeartbeat;
  redis: RedisConnections;
  phoneView: Set<number>;
  /** Stops without saying goodbye: as if the process had been killed. */
  die(): Promise<void>;
  stop(): Promise<void>;
}

async function until(what: string, test: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe(`scale-out: presence shared through Redis${skipped}`, function () {
  this.timeout(30_000);
  let keys: ScaleKeys;
  let prefix: string;
  const peers: Peer[] = [];

  async function peer(id: string): Promise<Peer> {
    const redis = await connectRedis(redisUrl!, silent);
    const board = new PresenceBoard({ now: Date.now, wrapUpMs: 60_000 });
    for (const advisorId of [1, 2, 3]) board.track(advisorId);
    const heartbeat = new ServerHeartbeat({ redis: redis.commands, keys, serverId: id, ttlMs: TTL_MS, logger: silent, now: Date.now });
    await heartbeat.start();
    const phoneView = new Set<number>();
    const sync = new PresenceSync({
      serverId: id,
      board,
      redis: redis.commands,
      subscriber: redis.presenceSubscriber,
      keys,
      liveness: heartbeat,
      resyncMs: 60_000,
      expiryCheckMs: 200,
      hasLocalPhoneView: (advisorId) => phoneView.has(advisorId),
      logger: silent,
      now: Date.now,
    });
    await sync.start();
    let stopped = false;
    const p: Peer = {
      id,
      board,
      sync,
      heartbeat,
      redis,
      phoneView,
      async die() {
        stopped = true;
        await sync.stop();
        // The heartbeat key is left to expire by itself.
        await redis.close();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await sync.stop();
        await heartbeat.stop();
        await redis.close();
      },
    };
    peers.push(p);
    return p;
  }

  /** The home server's gateway saw the agent's first socket: the board and the sync are told, in that order. */
  function signIn(p: Peer, advisorId: number): void {
    p.board.desktopConnected(advisorId);
    p.sync.agentHere(advisorId);
  }

  before(function () {
    if (skipped) this.skip();
  });
  beforeEach(() => {
    prefix = `cti-test-${randomBytes(4).toString('hex')}:`;
    keys = scaleKeys(prefix);
  });
  afterEach(async () => {
    await Promise.allSettled(peers.splice(0).map((p) => p.stop()));
    if (redisUrl) await dropRedisPrefix(redisUrl, prefix);
  });

  it('follows the desktop state set on the server holding the agent’s sockets', async () => {
    const [one, two] = [await peer('one'), await peer('two')];
    signIn(one, 1);
    one.board.requestState(1, 'ready');
    await until('server two sees agent 1 ready', () => two.board.get(1)?.desktop === 'ready');
    one.board.requestState(1, 'not-ready', 'training');
    await until('server two sees the not-ready reason', () => two.board.get(1)?.notReadyReason === 'training');
    expect(two.board.get(1)?.desktop).to.equal('not-ready');
    one.board.desktopDisconnected(1);
    one.sync.agentGone(1);
    await until('server two sees agent 1 signed out', () => two.board.get(1)?.desktop === 'logged-out');
  });

  it('shares the absence mark from any server, and phone reports with servers that have no view of their own', async () => {
    const [one, two] = [await peer('one'), await peer('two')];
    two.board.markAbsent(2, true);
    await until('server one sees agent 2 absent', () => one.board.get(2)?.markedAbsent === true);

    two.phoneView.add(3);
    one.board.phoneState(3, 'ringing');
    one.board.phoneState(2, 'in-use');
    await until('server two takes the phone of agent 2 from server one', () => two.board.get(2)?.phone === 'in-use');
    expect(two.board.get(3)?.phone, 'its own AMI speaks for agent 3').to.equal('unavailable');
  });

  it('gives a server started later the current view from the snapshot', async () => {
    const one = await peer('one');
    signIn(one, 1);
    one.board.requestState(1, 'not-ready', 'lunch');
    one.board.markAbsent(2, true);
    await new Promise((r) => setTimeout(r, 200));
    const late = await peer('late');
    expect(late.board.get(1)).to.include({ desktop: 'not-ready', notReadyReason: 'lunch' });
    expect(late.board.get(2)?.markedAbsent).to.equal(true);
  });

  it('signs out everywhere the agents of a server that died, but not those who moved to a live one', async () => {
    const [one, two, three] = [await peer('one'), await peer('two'), await peer('three')];
    signIn(one, 1);
    one.board.requestState(1, 'ready');
    signIn(one, 2);
    one.board.requestState(2, 'ready');
    await until('both agents ready on the other servers', () => [two, three].every((p) => p.board.get(1)?.desktop === 'ready' && p.board.get(2)?.desktop === 'ready'));

    await one.die();
    // Agent 2's desktop reconnects to server three before server one's heartbeat runs out.
    signIn(three, 2);
    await until('agent 1 signed out on servers two and three', () => [two, three].every((p) => p.board.get(1)?.desktop === 'logged-out'), TTL_MS * 5);
    await new Promise((r) => setTimeout(r, 400));
    expect(two.board.get(2)?.desktop, 'agent 2 lives on server three now').to.equal('ready');
    expect(three.board.get(2)?.desktop).to.equal('ready');
  });

  it('ignores garbage on the channel and in the stored snapshot, and keeps working', async () => {
    const [one, two] = [await peer('one'), await peer('two')];
    const raw = createClient({ url: redisUrl });
    await raw.connect();
    try {
      await raw.publish(keys.presenceChannel, 'not json');
      await raw.publish(keys.presenceChannel, JSON.stringify({ seq: 1, origin: 'x', advisorId: 1, group: 'desktop', value: { desktop: 'dancing' } }));
      await raw.hSet(keys.presence, '1:desktop', '{"broken":');
    } finally {
      await raw.quit();
    }
    await two.sync.resync();
    signIn(one, 1);
    one.board.requestState(1, 'ready');
    await until('server two still follows', () => two.board.get(1)?.desktop === 'ready');
  });
});
