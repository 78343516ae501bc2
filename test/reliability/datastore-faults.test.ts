import { appendFileSync } from 'node:fs';
import { expect } from 'chai';
import { DEMO_FIRST_MEMBER, seedDemo } from '../../db/seeds/demo.js';
import { migrationSource } from '../../db/migrations/index.js';
import type { RunningServer } from '../../server/app-server.js';
import { openDatabase } from '../../server/store/database.js';
import type { Simulator } from '../../sim/index.js';
import { postgresAvailable, redisAvailable, startPrivatePostgres, startPrivateRedis, type PrivateService } from './private-services.js';
import { api, Desktops, login, promiseCallbacksForTomorrow, routedCall, waitAllAvailable, seededWorkdir, serverEnv, sleep, startInProcess, startPbx, timeUntilRouting, waitFor, type Workdir } from './support.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPORT = process.env.CTI_RELIABILITY_REPORT;
const RECOVERY_LIMIT_MS = 15_000;
const ALICE = DEMO_FIRST_MEMBER.ownerEndpoint;
const UNKNOWN = '8613999990003';

function record(fault: string, figures: Record<string, number>): void {
  if (REPORT) appendFileSync(REPORT, JSON.stringify({ fault, ...figures, at: new Date().toISOString() }) + '\n');
}

describe('reliability: PostgreSQL restarted under the server (private instance on a free port; skipped when the PostgreSQL 15 binaries are missing)', function () {
  this.timeout(120_000);
  let pg: PrivateService | null = null;
  let sim: Simulator | null = null;
  let server: RunningServer | null = null;
  let desktops: Desktops | null = null;
  let dir: string | null = null;

  before(function () {
    if (!postgresAvailable()) this.skip();
  });
  afterEach(async () => {
    desktops?.close();
    await server?.close();
    await sim?.close();
    await pg?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the call in progress is kept and stored, promised callbacks are all there, the API says 503 not 500 while down, routing resumes', async () => {
    pg = await startPrivatePostgres();
    const seed = openDatabase(pg.url);
    await seed.migrate.latest({ migrationSource });
    await seedDemo(seed, { now: new Date() });
    await seed.destroy();
    dir = mkdtempSync(join(tmpdir(), 'cti-pg-fault-'));
    sim = await startPbx();
    server = await startInProcess(serverEnv(sim, pg.url, { CTI_OWNER_MAX_WAIT: '60s', CTI_LOG_LEVEL: process.env.CTI_TEST_LOG ?? 'silent' }), dir);
    await waitFor('AMI and ARI up', () => server!.telephony.nodes.every((n) => n.connected.ami && n.connected.ari));
    desktops = new Desktops(server.url);
    await desktops.signIn();
    const supervisor = await login(server.url, 'supervisor');
    await waitAllAvailable(server.url, supervisor);
    const promised = await promiseCallbacksForTomorrow(server.url, supervisor, ['13900003000', '13900003001', '13900003002'], 'before the outage');
    const inProgress = await routedCall(sim, DEMO_FIRST_MEMBER.phone);
    expect(inProgress.agent).to.equal(ALICE);

    await pg.stop();
    const health = await api(server.url, 'GET', '/healthz');
    expect(health.status, 'health says the database is down').to.equal(503);
    const read = await api(server.url, 'GET', '/api/callbacks', supervisor);
    expect(read.status, `API while the database is down: ${JSON.stringify(read.body)}`).to.equal(503);
    expect(read.body.error.code).to.equal('database_unavailable');
    await sleep(1000);
    expect(inProgress.call.ended, 'the bridged call does not depend on the database').to.equal(false);

    const back = Date.now();
    await pg.start();
    await waitFor('healthz up again', async () => (await api(server!.url, 'GET', '/healthz')).status === 200, RECOVERY_LIMIT_MS);
    const healthMs = Date.now() - back;
    const { ms: routingMs } = await timeUntilRouting(sim, UNKNOWN, back);
    expect(routingMs).to.be.lessThan(RECOVERY_LIMIT_MS);

    for (const id of promised) expect((await api(server.url, 'GET', `/api/callbacks/${id}`, supervisor)).body.state).to.equal('pending');
    expect(desktops.allConnected()).to.equal(true);
    record('PostgreSQL restarted', { healthMs, routingMs });
    inProgress.call.hangup();
    await settled(server.url, supervisor, DEMO_FIRST_MEMBER.phone);
  });
});

/** The call that spanned the outage must end up stored as answered and ended, not "in progress" for ever. */
async function settled(url: string, token: string, phone: string): Promise<void> {
  await waitFor(
    'the call that spanned the outage is stored as answered and ended',
    async () => {
      const calls = await api(url, 'GET', `/api/calls?limit=50`, token);
      return (calls.body.items as Array<{ callerNumber: string; outcome: string; endedAt: string | null }>).some(
        (c) => c.callerNumber === phone && c.outcome === 'answered' && c.endedAt,
      );
    },
    10_000,
  );
}

describe('reliability: Redis restarted under the server (CTI_REDIS_URL, private instance on a free port; skipped when redis-server is missing)', function () {
  this.timeout(120_000);
  let redis: PrivateService | null = null;
  let sim: Simulator | null = null;
  let server: RunningServer | null = null;
  let desktops: Desktops | null = null;
  let work: Workdir | null = null;

  before(function () {
    if (!redisAvailable()) this.skip();
  });
  afterEach(async () => {
    desktops?.close();
    await server?.close();
    await sim?.close();
    await redis?.destroy();
    work?.remove();
  });

  it('desktops stay, pops still reach the ringing agent, the call in progress carries on, routing resumes after Redis returns', async () => {
    redis = await startPrivateRedis();
    work = await seededWorkdir();
    sim = await startPbx();
    server = await startInProcess(serverEnv(sim, work.dbUrl, { CTI_REDIS_URL: redis.url, CTI_OWNER_MAX_WAIT: '60s', CTI_LOG_LEVEL: process.env.CTI_TEST_LOG ?? 'silent' }), work.dir);
    await waitFor('AMI and ARI up', () => server!.telephony.nodes.every((n) => n.connected.ami && n.connected.ari), 15_000);
    desktops = new Desktops(server.url);
    await desktops.signIn();
    const supervisor = await login(server.url, 'supervisor');
    await waitAllAvailable(server.url, supervisor);
    const inProgress = await routedCall(sim, DEMO_FIRST_MEMBER.phone);
    expect(inProgress.agent).to.equal(ALICE);
    await waitFor('Alice got the pop', () => desktops!.pops.get(ALICE)!.length > 0, 5000);

    await redis.stop();
    await sleep(3000);
    expect(inProgress.call.ended).to.equal(false);
    const back = Date.now();
    await redis.start();
    const { ms: routingMs, agent } = await timeUntilRouting(sim, UNKNOWN, back);
    expect(routingMs).to.be.lessThan(RECOVERY_LIMIT_MS);
    await waitFor(`the pop reached ${agent}`, () => (desktops!.pops.get(agent)?.length ?? 0) > 0, 5000);
    expect(desktops.allConnected()).to.equal(true);
    record('Redis restarted (3 s down)', { routingMs });
    inProgress.call.hangup();
    await settled(server.url, supervisor, DEMO_FIRST_MEMBER.phone);
  });
});
