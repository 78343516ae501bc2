// The agents' current screen pops kept in Redis for every server: order of first sending,
// acks that survive later phases, the same keeping rule as in memory, removal.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { ScreenPop } from '../../../server/desktop/contract.js';
import { createLogger } from '../../../server/shared/logger.js';
import { scaleKeys } from '../../../server/scale/keys.js';
import { connectRedis, type RedisConnections } from '../../../server/scale/redis-connection.js';
import { RedisPopStore } from '../../../server/scale/redis-pop-store.js';
import { dropRedisPrefix } from './cluster.js';

const redisUrl = process.env.CTI_TEST_REDIS_URL;
const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

function pop(popId: string, phase: ScreenPop['phase'] = 'ringing'): ScreenPop {
  return {
    popId,
    callId: `node0:${popId}`,
    phase,
    callerNumber: '8613800000001',
    member: null,
    owner: null,
    reason: 'own-advisor',
    reasonText: 'Your member',
    ivr: { language: 'en' },
    waitedSeconds: 3,
    callback: null,
  };
}

describe(`scale-out: screen pops shared in Redis${redisUrl ? '' : ' (skipped: set CTI_TEST_REDIS_URL)'}`, function () {
  const prefix = `cti-test-${randomBytes(4).toString('hex')}:`;
  let redis: RedisConnections;
  let sender: RedisPopStore;
  let holder: RedisPopStore;

  before(async function () {
    if (!redisUrl) this.skip();
    redis = await connectRedis(redisUrl!, silent);
    // Two servers' stores over the same Redis: one sends pops, the other holds the socket.
    sender = new RedisPopStore(redis.commands, scaleKeys(prefix), 3);
    holder = new RedisPopStore(redis.commands, scaleKeys(prefix), 3);
  });
  after(async () => {
    await redis?.close();
    if (redisUrl) await dropRedisPrefix(redisUrl, prefix);
  });

  it('lists pops oldest first, keeps an ack recorded elsewhere through later phases, and forgets removed ones', async () => {
    await sender.save(1, pop('a'));
    await sender.save(1, pop('b'));
    const acked = await holder.markAcked(1, 'a', '2026-11-23T10:00:00.000Z');
    expect(acked).to.include({ popId: 'a', ackedAt: '2026-11-23T10:00:00.000Z' });
    expect(await holder.markAcked(1, 'nope', '2026-11-23T10:00:00.000Z')).to.equal(null);
    await sender.save(1, pop('a', 'answered'));
    const current = await holder.current(1);
    expect(current.map((p) => [p.popId, p.phase, p.ackedAt])).to.deep.equal([
      ['a', 'answered', '2026-11-23T10:00:00.000Z'],
      ['b', 'ringing', null],
    ]);
    await holder.remove(1, 'a');
    expect((await sender.current(1)).map((p) => p.popId)).to.deep.equal(['b']);
    expect(await sender.current(2)).to.deep.equal([]);
  });

  it('keeps calls still going and only the latest ended pop, at most the limit', async () => {
    await sender.save(3, pop('x', 'ended'));
    await sender.save(3, pop('y', 'ended'));
    await sender.save(3, pop('r1'));
    await sender.save(3, pop('r2'));
    await sender.save(3, pop('r3'));
    expect((await holder.current(3)).map((p) => p.popId)).to.deep.equal(['r1', 'r2', 'r3']);
  });
});
