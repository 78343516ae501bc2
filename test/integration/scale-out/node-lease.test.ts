// Asterisk node ownership: the leases themselves (Redis and PostgreSQL) and the controller
// deciding, on each server, when to take a node, keep it, or step back.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../../server/shared/logger.js';
import { scaleKeys } from '../../../server/scale/keys.js';
import { PgAdvisoryNodeLease, RedisNodeLease, type NodeLease } from '../../../server/scale/node-lease.js';
import { NodeOwnership, type LeasedNode } from '../../../server/scale/node-ownership.js';
import { connectRedis, type RedisConnections } from '../../../server/scale/redis-connection.js';
import { dropRedisPrefix } from './cluster.js';

const redisUrl = process.env.CTI_TEST_REDIS_URL;
const pgUrl = process.env.CTI_TEST_PG_URL;
const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
const LEASE_MS = 1_000;

async function until(what: string, test: () => boolean, timeoutMs = 8_000): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A node as one server sees it: whether this server has its Stasis app open. */
class FakeNode extends EventEmitter implements LeasedNode {
  takingCalls = false;
  takes = 0;
  takenAt = 0;
  releasedAt = 0;
  constructor(
    readonly name: string,
    readonly leaseName: string,
    readonly preferred = true,
  ) {
    super();
  }
  takeCalls(): void {
    this.takingCalls = true;
    this.takes++;
    this.takenAt = Date.now();
    this.emit('took');
  }
  async releaseCalls(): Promise<void> {
    this.takingCalls = false;
    this.releasedAt = Date.now();
  }
  onReplaced(listener: () => void): () => void {
    this.on('replaced', listener);
    return () => this.off('replaced', listener);
  }
}

describe(`scale-out: node leases in Redis${redisUrl ? '' : ' (skipped: set CTI_TEST_REDIS_URL)'}`, function () {
  this.timeout(30_000);
  let prefix: string;
  const connections: RedisConnections[] = [];
  const controllers: NodeOwnership[] = [];

  async function lease(serverId: string): Promise<NodeLease> {
    const redis = await connectRedis(redisUrl!, silent);
    connections.push(redis);
    const keys = scaleKeys(prefix);
    return new RedisNodeLease(redis.commands, (name) => keys.nodeLease('cti', name), serverId, LEASE_MS);
  }

  function controller(serverId: string, nodeLease: NodeLease, nodes: FakeNode[]): NodeOwnership {
    const c = new NodeOwnership({ nodes, lease: nodeLease, serverId, leaseMs: LEASE_MS, logger: silent, now: Date.now });
    controllers.push(c);
    c.start();
    return c;
  }

  before(function () {
    if (!redisUrl) this.skip();
  });
  beforeEach(() => {
    prefix = `cti-test-${randomBytes(4).toString('hex')}:`;
  });
  afterEach(async () => {
    await Promise.allSettled(controllers.splice(0).map((c) => c.stop()));
    await Promise.allSettled(connections.splice(0).map((c) => c.close()));
    if (redisUrl) await dropRedisPrefix(redisUrl, prefix);
  });

  it('gives a lease to one server at a time, renews only for its holder and frees it only by its holder', async () => {
    const [a, b] = [await lease('a'), await lease('b')];
    expect(await a.acquire('pbx1:8088')).to.equal(true);
    expect(await b.acquire('pbx1:8088')).to.equal(false);
    expect(await a.acquire('pbx1:8088'), 'taking it again is keeping it').to.equal(true);
    expect(await b.renew('pbx1:8088')).to.equal(false);
    expect(await a.renew('pbx1:8088')).to.equal(true);
    await b.release('pbx1:8088');
    expect(await a.holder('pbx1:8088')).to.equal('a');
    await a.release('pbx1:8088');
    expect(await b.acquire('pbx1:8088')).to.equal(true);
  });

  it('a node is run by one server; an owner cut off from Redis keeps it until Asterisk hands the app to the server that took the lease', async () => {
    const [nodeOnA, nodeOnB] = [new FakeNode('node0', 'pbx1:8088'), new FakeNode('node0', 'pbx1:8088')];
    // As Asterisk does: the app opened by b replaces a's.
    nodeOnB.on('took', () => nodeOnA.emit('replaced'));
    const a = controller('a', await lease('a'), [nodeOnA]);
    const redisOfA = connections[0]!;
    await until('server a owns the node', () => nodeOnA.takingCalls);
    const b = controller('b', await lease('b'), [nodeOnB]);
    await new Promise((r) => setTimeout(r, LEASE_MS));
    expect(nodeOnB.takingCalls, 'never two owners').to.equal(false);
    expect(b.status()[0]).to.include({ role: 'standby', holder: 'a' });

    const cutAt = Date.now();
    await redisOfA.close();
    await until('server b owns the node', () => nodeOnB.takingCalls, LEASE_MS * 4);
    await until('server a stepped back', () => !nodeOnA.takingCalls);
    expect(a.status()[0]?.role).to.equal('standby');
    expect(nodeOnA.releasedAt - cutAt, 'a kept the calls while nobody else could have them').to.be.at.least(LEASE_MS - 100);
  });

  it('takes its lease again when the store lost it (Redis restarted empty) without dropping the calls', async () => {
    const node = new FakeNode('node0', 'pbx1:8088');
    const c = controller('a', await lease('a'), [node]);
    await until('owning', () => node.takingCalls);
    await connections[0]!.commands.del(scaleKeys(prefix).nodeLease('cti', 'pbx1:8088'));
    await new Promise((r) => setTimeout(r, LEASE_MS));
    expect(node.takingCalls).to.equal(true);
    expect(node.takes, 'calls never released and taken again').to.equal(1);
    expect(await connections[0]!.commands.get(scaleKeys(prefix).nodeLease('cti', 'pbx1:8088'))).to.equal('a');
    expect(c.status()[0]?.role).to.equal('owner');
  });

  it('hands the node over at once on a clean stop', async () => {
    const [nodeOnA, nodeOnB] = [new FakeNode('node0', 'pbx1:8088'), new FakeNode('node0', 'pbx1:8088')];
    const a = controller('a', await lease('a'), [nodeOnA]);
    await until('server a owns the node', () => nodeOnA.takingCalls);
    controller('b', await lease('b'), [nodeOnB]);
    await a.stop();
    expect(nodeOnA.takingCalls, 'calls released before the lease').to.equal(false);
    await until('server b owns the node', () => nodeOnB.takingCalls, LEASE_MS);
  });

  it('steps back when its lease was taken from it, and when the Stasis app was replaced', async () => {
    const node = new FakeNode('node0', 'pbx1:8088');
    const own = await lease('a');
    const c = controller('a', own, [node]);
    await until('owning', () => node.takingCalls);
    const intruder = await lease('intruder');
    await own.release('pbx1:8088');
    expect(await intruder.acquire('pbx1:8088')).to.equal(true);
    await until('stepped back after losing the lease', () => !node.takingCalls, LEASE_MS * 2);
    expect(c.status()[0]?.role).to.equal('standby');
    await intruder.release('pbx1:8088');
    await until('took it again once free', () => node.takingCalls, LEASE_MS * 2);

    node.emit('replaced');
    await until('stepped back after ApplicationReplaced', () => !node.takingCalls);
    await new Promise((r) => setTimeout(r, LEASE_MS));
    expect(node.takingCalls, 'no fight over the app during the cool-down').to.equal(false);
  });

  it('takes its preferred nodes at once and the others only once they stayed free a lease period', async () => {
    const mine = new FakeNode('node0', 'pbx1:8088', true);
    const theirs = new FakeNode('node1', 'pbx2:8088', false);
    const startedAt = Date.now();
    controller('a', await lease('a'), [mine, theirs]);
    await until('preferred node taken', () => mine.takingCalls, LEASE_MS);
    expect(theirs.takingCalls).to.equal(false);
    await until('the other node taken after the grace', () => theirs.takingCalls, LEASE_MS * 3);
    expect(Date.now() - startedAt).to.be.at.least(LEASE_MS);
  });
});

describe(`scale-out: node leases as PostgreSQL advisory locks${pgUrl ? '' : ' (skipped: set CTI_TEST_PG_URL)'}`, function () {
  this.timeout(20_000);
  const leases: PgAdvisoryNodeLease[] = [];
  before(function () {
    if (!pgUrl) this.skip();
  });
  after(async () => {
    await Promise.allSettled(leases.map((l) => l.close()));
  });

  it('holds a node for one server while its connection lives, and frees it when the connection goes', async () => {
    const name = `pbx-${randomBytes(4).toString('hex')}:8088`;
    const a = new PgAdvisoryNodeLease(pgUrl!, silent);
    const b = new PgAdvisoryNodeLease(pgUrl!, silent);
    leases.push(a, b);
    expect(await a.acquire(name)).to.equal(true);
    expect(await b.acquire(name)).to.equal(false);
    expect(await b.holder(name)).to.equal('another server');
    expect(await a.renew(name)).to.equal(true);
    await a.close();
    expect(await b.acquire(name)).to.equal(true);
    await b.release(name);
    expect(await b.holder(name)).to.equal(null);
  });
});
