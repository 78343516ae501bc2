// Shared waiting callers over a real Redis: two servers (each its own Redis connections,
// heartbeat and waiting line) see each other's callers shortly after they start or stop
// waiting; a server started late reads the stored lists; a dead server's callers vanish
// from the others' view; garbage and this server's own stored list are never shown.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createClient } from 'redis';
import { WaitingCallers } from '../../../server/pbx/call-flow/waiting-callers.js';
import type { WaitingCaller } from '../../../server/routing/waiting-choice.js';
import { createLogger } from '../../../server/shared/logger.js';
import { scaleKeys, type ScaleKeys } from '../../../server/scale/keys.js';
import { connectRedis, type RedisConnections } from '../../../server/scale/redis-connection.js';
import { ServerHeartbeat } from '../../../server/scale/server-heartbeat.js';
import { WaitingSync } from '../../../server/scale/waiting-sync.js';
import { dropRedisPrefix } from './cluster.js';

const redisUrl = process.env.CTI_TEST_REDIS_URL;
const skipped = redisUrl ? '' : ' (skipped: set CTI_TEST_REDIS_URL)';
const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
const TTL_MS = 1_000;
const NO_HANDLERS = { handOff: () => undefined, interrupt: () => undefined };

interface Peer {
  id: string;
  waiting: WaitingCallers;
  sync: WaitingSync;
  remoteChanges: number;
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

function caller(callId: string, patch: Partial<WaitingCaller> = {}): WaitingCaller {
  const at = Date.now();
  return {
    callId,
    node: 'node-0',
    memberId: 42,
    ownerId: 7,
    waitingFor: { kind: 'pool' },
    firstCallAt: at - 60_000,
    waitingSince: at - 5_000,
    memberLevel: 'gold',
    minimumTier: 'standard',
    triedAdvisorIds: [7],
    ...patch,
  };
}

const ids = (list: readonly WaitingCaller[]) => list.map((c) => c.callId);

describe(`scale-out: waiting callers shared through Redis${skipped}`, function () {
  this.timeout(30_000);
  let keys: ScaleKeys;
  let prefix: string;
  const peers: Peer[] = [];

  async function peer(id: string): Promise<Peer> {
    const redis: RedisConnections = await connectRedis(redisUrl!, silent);
    const heartbeat = new ServerHeartbeat({ redis: redis.commands, keys, serverId: id, ttlMs: TTL_MS, logger: silent, now: Date.now });
    await heartbeat.start();
    // Nobody is handed an advisor here: only the lists travel.
    const waiting = new WaitingCallers(() => null);
    let stopped = false;
    const p: Peer = {
      id,
      waiting,
      sync: null as unknown as WaitingSync,
      remoteChanges: 0,
      async die() {
        stopped = true;
        // The connections go first, so nothing is withdrawn and the heartbeat key expires by itself.
        await redis.close();
        await p.sync.stop();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await p.sync.stop();
        await heartbeat.stop();
        await redis.close();
      },
    };
    p.sync = new WaitingSync({
      serverId: id,
      waiting,
      redis: redis.commands,
      subscriber: redis.presenceSubscriber,
      keys,
      liveness: heartbeat,
      republishMs: 60_000,
      livenessCheckMs: 200,
      onRemoteChange: () => p.remoteChanges++,
      logger: silent,
      now: Date.now,
    });
    await p.sync.start();
    peers.push(p);
    return p;
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

  it('shows a caller waiting on server A in server B’s view, and drops them once they stop waiting', async () => {
    const [a, b] = [await peer('a'), await peer('b')];
    a.waiting.add(caller('node-0:c1', { waitingFor: { kind: 'owner', advisorId: 7 } }), NO_HANDLERS);
    await until('server B sees A’s caller', () => ids(b.sync.remoteWaiting()).includes('node-0:c1'));
    expect(b.sync.remoteWaiting()[0]).to.deep.include({ node: 'node-0', memberId: 42, waitingFor: { kind: 'owner', advisorId: 7 }, memberLevel: 'gold' });
    expect(b.remoteChanges).to.be.greaterThan(0);
    expect(a.sync.remoteWaiting(), 'A does not see its own callers as remote').to.deep.equal([]);

    b.waiting.add(caller('node-1:c2', { node: 'node-1' }), NO_HANDLERS);
    a.waiting.remove('node-0:c1');
    await until('server B no longer sees the caller', () => b.sync.remoteWaiting().length === 0);
    await until('server A sees B’s caller', () => ids(a.sync.remoteWaiting()).includes('node-1:c2'));
  });

  it('writes a burst of changes as one up-to-date list', async () => {
    const [a, b] = [await peer('a'), await peer('b')];
    for (let i = 0; i < 50; i++) a.waiting.add(caller(`node-0:burst-${i}`), NO_HANDLERS);
    for (let i = 0; i < 50; i += 2) a.waiting.remove(`node-0:burst-${i}`);
    await until('server B sees the 25 callers still waiting', () => b.sync.remoteWaiting().length === 25);
    expect(ids(b.sync.remoteWaiting()).every((id) => Number(id.split('-').pop()) % 2 === 1)).to.equal(true);
  });

  it('gives a server started later the others’ waiting callers from Redis', async () => {
    const a = await peer('a');
    a.waiting.add(caller('node-0:early'), NO_HANDLERS);
    await new Promise((r) => setTimeout(r, 400));
    const b = await peer('b');
    await until('late server B sees A’s caller', () => ids(b.sync.remoteWaiting()).includes('node-0:early'));
  });

  it('drops the callers of a server whose heartbeat stopped', async () => {
    const [a, b] = [await peer('a'), await peer('b')];
    a.waiting.add(caller('node-0:orphan'), NO_HANDLERS);
    await until('server B sees A’s caller', () => ids(b.sync.remoteWaiting()).includes('node-0:orphan'));
    await a.die();
    await until('server B forgets the dead server’s caller', () => b.sync.remoteWaiting().length === 0, TTL_MS * 5);
    await b.sync.refresh();
    expect(b.sync.remoteWaiting(), 'the stored list of a dead server is not read back').to.deep.equal([]);
  });

  it('withdraws the callers of a server that stops sharing, though its heartbeat still beats', async () => {
    const [a, b] = [await peer('a'), await peer('b')];
    a.waiting.add(caller('node-0:leaving'), NO_HANDLERS);
    await until('server B sees A’s caller', () => ids(b.sync.remoteWaiting()).includes('node-0:leaving'));
    await a.sync.stop();
    await until('server B no longer lists the caller', () => b.sync.remoteWaiting().length === 0);
  });

  it('ignores garbage, lists stored under another name and its own earlier list, and keeps working', async () => {
    const raw = createClient({ url: redisUrl });
    await raw.connect();
    try {
      // An earlier run of server B left a caller behind; another server is alive for the forged entry.
      await raw.hSet(keys.waiting, 'b', JSON.stringify({ seq: 1, origin: 'b', at: Date.now(), callers: [caller('node-0:ghost')] }));
      await raw.set(keys.server('c'), '{}', { expiration: { type: 'PX', value: 10_000 } });
      await raw.hSet(keys.waiting, 'c', JSON.stringify({ seq: 2, origin: 'a', at: Date.now(), callers: [caller('node-0:forged')] }));
      await raw.hSet(keys.waiting, 'd', '{"broken":');
      await raw.publish(keys.waitingChannel, 'not json');
      await raw.publish(keys.waitingChannel, JSON.stringify({ seq: 99, origin: 'e', at: Date.now(), callers: 'everyone' }));
    } finally {
      await raw.quit();
    }
    const [a, b] = [await peer('a'), await peer('b')];
    await b.sync.refresh();
    expect(b.sync.remoteWaiting()).to.deep.equal([]);
    a.waiting.add(caller('node-0:real'), NO_HANDLERS);
    await until('server B still follows A', () => ids(b.sync.remoteWaiting()).includes('node-0:real'));
    expect(ids(b.sync.remoteWaiting())).to.deep.equal(['node-0:real']);
  });
});
