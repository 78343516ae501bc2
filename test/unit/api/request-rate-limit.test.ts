import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createApiApp } from '../../../server/api/app.js';
import { DEFAULT_REQUESTS_PER_MINUTE } from '../../../server/api/request-rate-limit.js';
import { ConfigError, loadConfig } from '../../../server/config/config.js';
import type { SessionUser } from '../../../server/domain/session.js';
import { createMetrics } from '../../../server/shared/metrics.js';
import { silentLogger } from '../../support/wire/log-capture.js';

const USERS: Record<string, SessionUser> = {
  'token-sue': { id: 3, username: 'sue', role: 'supervisor', advisorId: null, tokenId: 103 },
  'token-sue-tab2': { id: 3, username: 'sue', role: 'supervisor', advisorId: null, tokenId: 104 },
  'token-alice': { id: 1, username: 'alice', role: 'agent', advisorId: 11, tokenId: 101 },
};

describe('REST rate limit per signed-in user, or per address without a valid token', () => {
  let http: Server;
  let url: string;

  beforeEach(async () => {
    const app = createApiApp({
      logger: silentLogger(),
      metrics: createMetrics(),
      verifyToken: async (token) => USERS[token] ?? null,
      routes: [],
      health: async () => ({ ok: true }),
      version: 'test',
      requestsPerMinute: 3,
    });
    http = createServer(app);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  const get = (path: string, token?: string) => fetch(url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const statuses = async (count: number, path: string, token?: string) => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push((await get(path, token)).status);
    return out;
  };

  it('answers the request over the limit 429 too_many_requests with Retry-After, and counts every tab of a user together', async () => {
    expect(await statuses(2, '/api/anything', 'token-sue')).to.deep.equal([404, 404]);
    expect((await get('/api/anything', 'token-sue-tab2')).status).to.equal(404);
    const limited = await get('/api/anything', 'token-sue');
    expect(limited.status).to.equal(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 60);
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('too_many_requests');
    expect(body.error.message).to.include(`wait ${retryAfter} s`);
    expect(limited.headers.get('ratelimit-policy')).to.match(/q=3; w=60/);
  });

  it('keeps other users and unauthenticated callers on their own counts', async () => {
    expect(await statuses(4, '/api/anything', 'token-sue')).to.deep.equal([404, 404, 404, 429]);
    expect((await get('/api/anything', 'token-alice')).status).to.equal(404);
    expect((await get('/api/anything')).status).to.equal(404);
  });

  it('counts requests without a valid token per address (a forged token is no way around it), and leaves signed-in users alone', async () => {
    expect(await statuses(2, '/api/anything')).to.deep.equal([404, 404]);
    expect((await get('/api/anything', 'forged')).status).to.equal(404);
    expect((await get('/api/anything', 'another-forged')).status).to.equal(429);
    expect((await get('/api/anything')).status).to.equal(429);
    expect((await get('/api/anything', 'token-alice')).status).to.equal(404);
  });

  it('does not limit the health check and the metrics a load balancer and Prometheus poll', async () => {
    expect(await statuses(6, '/healthz')).to.deep.equal([200, 200, 200, 200, 200, 200]);
    expect(await statuses(6, '/metrics')).to.deep.equal([200, 200, 200, 200, 200, 200]);
  });

  it('defaults to 600 a minute, set with CTI_API_RATE_LIMIT (at least 60)', () => {
    expect(DEFAULT_REQUESTS_PER_MINUTE).to.equal(600);
    expect(loadConfig({}, '/nonexistent/.env').apiRequestsPerMinute).to.equal(600);
    expect(loadConfig({ CTI_API_RATE_LIMIT: '2000' }, '/nonexistent/.env').apiRequestsPerMinute).to.equal(2000);
    expect(() => loadConfig({ CTI_API_RATE_LIMIT: '10' }, '/nonexistent/.env')).to.throw(ConfigError, /CTI_API_RATE_LIMIT must be between 60/);
    expect(() => loadConfig({ CTI_API_RATE_LIMIT: 'lots' }, '/nonexistent/.env')).to.throw(ConfigError, /CTI_API_RATE_LIMIT must be a whole number/);
  });
});
