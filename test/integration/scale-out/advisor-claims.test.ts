// Advisor claims over a real Redis: two servers' claims (each its own connection) exclude
// each other, only the holder releases, a lost release lapses, and a Redis that cannot
// be reached grants the claim (routing goes on) with one warning per outage.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createClient } from 'redis';
import { createLogger } from '../../../server/shared/logger.js';
import { scaleKeys } from '../../../server/scale/keys.js';
import { RedisAdvisorClaims } from '../../../server/scale/redis-advisor-claims.js';
import { dropRedisPrefix } from './cluster.js';

const redisUrl = process.env.CTI_TEST_REDIS_URL;
const skipped = redisUrl ? '' : ' (skipped: set CTI_TEST_REDIS_URL)';

describe(`scale-out: advisor claims shared through Redis${skipped}`, function () {
  this.timeout(20_000);
  const prefix = `cti-test-${randomBytes(4).toString('hex')}:`;
  const keys = scaleKeys(prefix);
  const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
  const clients: Array<ReturnType<typeof createClient>> = [];

  before(function () {
    if (!redisUrl) this.skip();
  });

  after(async () => {
    for (const c of clients) if (c.isOpen) await c.quit();
    if (redisUrl) await dropRedisPrefix(redisUrl, prefix);
  });

  async function server(ttlMs?: number): Promise<RedisAdvisorClaims> {
    const client = createClient({ url: redisUrl });
    await client.connect();
    clients.push(client);
    return new RedisAdvisorClaims(client, keys, silent, ttlMs);
  }

  it('one server at a time has an advisor; the same holder claims again; only the holder releases', async () => {
    const [one, two] = [await server(), await server()];
    expect(await one.claim(1, 'call:node0:a:1')).to.equal(true);
    expect(await two.claim(1, 'callback:two:9'), 'the other server may not ring the advisor meanwhile').to.equal(false);
    expect(await one.claim(1, 'call:node0:a:1')).to.equal(true);
    expect(await two.claim(2, 'callback:two:9'), 'another advisor is free').to.equal(true);
    await two.release(1, 'callback:two:9');
    expect(await two.claim(1, 'callback:two:10'), 'a release by someone else changes nothing').to.equal(false);
    await one.release(1, 'call:node0:a:1');
    expect(await two.claim(1, 'callback:two:10')).to.equal(true);
  });

  it('a claim whose server died lapses after its time to live', async () => {
    const [one, two] = [await server(300), await server(300)];
    expect(await one.claim(5, 'call:node0:b:1')).to.equal(true);
    expect(await two.claim(5, 'callback:two:1')).to.equal(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(await two.claim(5, 'callback:two:1')).to.equal(true);
  });

  it('with Redis unreachable a claim is granted, and the outage is logged once', async () => {
    const lines: string[] = [];
    const log = createLogger('warn', new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }));
    const client = createClient({ url: redisUrl });
    await client.connect();
    await client.quit();
    const claims = new RedisAdvisorClaims(client, keys, log);
    expect(await claims.claim(3, 'call:node0:c:1')).to.equal(true);
    expect(await claims.claim(3, 'call:node0:d:1')).to.equal(true);
    await claims.release(3, 'call:node0:c:1');
    expect(lines.filter((l) => l.includes('advisor claims unavailable'))).to.have.length(1);
  });
});
