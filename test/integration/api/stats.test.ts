import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server-harness.js';

// 07:30 on 23 November in Shanghai, still 22 November in UTC.
const MORNING_IN_SHANGHAI = Date.parse('2026-11-22T23:30:00Z');

describe("stats API: 'today' is the center's day (CTI_TIME_ZONE)", function () {
  this.timeout(30_000);
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function todayFrom(env: Record<string, string>): Promise<{ status: number; from: string; to: string }> {
    const server = await startTestServer(env, { now: () => MORNING_IN_SHANGHAI });
    servers.push(server);
    const res = await server.request('GET', '/api/stats', { token: await server.login('supervisor') });
    return { status: res.status, from: res.body.range?.from, to: res.body.range?.to };
  }

  it('starts at local midnight of the center, not UTC midnight, by default and when set', async () => {
    const shanghai = await todayFrom({});
    expect(shanghai).to.include({ status: 200, from: '2026-11-22T16:00:00.000Z' });
    expect(Date.parse(shanghai.to)).to.be.greaterThan(MORNING_IN_SHANGHAI);
    expect(await todayFrom({ CTI_TIME_ZONE: 'UTC' })).to.include({ status: 200, from: '2026-11-22T00:00:00.000Z' });
  });
});
