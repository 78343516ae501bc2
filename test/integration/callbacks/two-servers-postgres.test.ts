// Two real CTI server processes (`server/main.ts`) on one PostgreSQL schema and one Redis,
// as several servers run in production, in front of one simulated Asterisk: 1,000 due
// callbacks and 20 free advisors, ten desktops signed in on each server. Asterisk keeps
// one events socket per Stasis app, so each server runs its own app (`cti-a`, `cti-b`)
// and holds that app's node lease; both therefore dial, and only the PostgreSQL claim
// (`FOR UPDATE SKIP LOCKED`) keeps them from dialing a callback twice. The simulator
// counts the Originates and watches every agent phone for a second call while it has one.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startSimulator, type PhoneBehaviour, type Simulator } from '../../../sim/index.js';
import type { Channel } from '../../../sim/core/model.js';
import { closeDatabase, openDatabase, type Db } from '../../../server/store/database.js';
import { createStore } from '../../../server/store/index.js';
import { SYSTEM_ACTOR } from '../../../server/store/callback-audit.js';
import { Desktops, freePort, login, quietHoursFarFromNow, serverEnv, startChild, waitAllAvailable, waitFor, type ChildServer } from '../../reliability/support.js';
import { dropRedisPrefix } from '../scale-out/cluster.js';
import { createTestDatabase, PG_URL, type TestDatabase } from './harness.js';

const REDIS_URL = process.env.CTI_TEST_REDIS_URL;
const CALLBACKS = 1000;
const ADVISORS = 20;
const PASSWORD = 'advisor-pass-1';
const endpoints = Array.from({ length: ADVISORS }, (_, i) => `PJSIP/${2001 + i}`);
const usernameOf = (endpoint: string) => `agent${endpoint.slice('PJSIP/'.length)}`;
const numbers = Array.from({ length: CALLBACKS }, (_, i) => `86137${String(i).padStart(8, '0')}`);
/** Each server completes at least this share: both took part, neither merely watched. */
const MIN_SHARE = 0.2;

const title =
  PG_URL && REDIS_URL
    ? 'callbacks: two server processes on one PostgreSQL database, 1,000 due callbacks, 20 free advisors'
    : 'callbacks: two server processes on one PostgreSQL database (skipped: set CTI_TEST_PG_URL and CTI_TEST_REDIS_URL to run)';

/** A new call to an agent phone that still had one. */
interface Overlap {
  /** Read when reported: the app (so the server) that placed it is known once the originate is through. */
  channel: Channel;
  /** The phone's calls at that moment: `PJSIP/2001-00000009 (cti-b, Up)`. */
  alreadyOn: string[];
}

/** `PJSIP/2001-0000000c (cti-a) while on PJSIP/2001-00000009 (cti-b, Up)`: which server's app rang the phone again. */
function describeOverlap({ channel, alreadyOn }: Overlap): string {
  return `${channel.name} (${[...channel.apps].join(',')}) while on ${alreadyOn.join(', ')}`;
}

/** Records every new channel of an agent phone that already has a live channel. */
function watchAgentPhones(sim: Simulator, agentEndpoints: readonly string[]): { overlaps: Overlap[]; stop: () => void } {
  const watched = new Set(agentEndpoints);
  const overlaps: Overlap[] = [];
  const { pbx } = sim.box;
  const stop = pbx.addSink({
    ami(fields) {
      if (fields[0]?.[1] !== 'Newchannel') return;
      const name = fields.find(([key]) => key === 'Channel')?.[1];
      const channel = name === undefined ? undefined : pbx.findChannel(name);
      if (!channel || !watched.has(channel.device)) return;
      const alreadyOn = [...pbx.channels.values()].filter((c) => c !== channel && c.device === channel.device && !c.hungup);
      if (alreadyOn.length) overlaps.push({ channel, alreadyOn: alreadyOn.map((c) => `${c.name} (${[...c.apps].join(',')}, ${c.state})`) });
    },
  });
  return { overlaps, stop };
}

/** A PostgreSQL URL whose connections use the test's schema (as CTI_DB_URL carries it). */
function urlWithSchema(url: string, schema: string): string {
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema}`);
  return withSchema.toString();
}

describe(title, function () {
  this.timeout(180_000);
  const prefix = `cti-cb-${randomBytes(4).toString('hex')}:`;
  let sim: Simulator | undefined;
  let database: TestDatabase | undefined;
  let db: Db | undefined;
  const servers: ChildServer[] = [];
  const desktops: Desktops[] = [];

  before(async function () {
    if (!PG_URL || !REDIS_URL) return this.skip();
    const agents: Record<string, PhoneBehaviour> = {};
    for (const endpoint of endpoints) agents[endpoint] = { kind: 'answer', ringMs: 5 };
    sim = await startSimulator({
      amiPort: 0,
      ariPort: 0,
      agents,
      // Members stay on long enough to be bridged with their advisor even on a loaded machine.
      memberDefault: { kind: 'answer', ringMs: 5, talkMs: 200 },
      defaultMediaMs: 40,
      waitScale: 0.02,
      onError: () => undefined,
    });
    database = await createTestDatabase('postgres');
    db = openDatabase(PG_URL, { searchPath: database.searchPath });
  });

  after(async () => {
    for (const d of desktops) d.close();
    await Promise.allSettled(servers.map((s) => s.kill('SIGTERM')));
    await sim?.close();
    if (db) await closeDatabase(db);
    await database?.drop();
    if (REDIS_URL) await dropRedisPrefix(REDIS_URL, prefix).catch(() => undefined);
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const [i, server] of servers.entries()) console.log(`--- server ${i + 1} output (tail) ---\n${server.output().slice(-4000)}`);
  });

  it('every callback is dialed exactly once, by both servers, and no agent phone gets a second call (Originates counted in the simulator)', async () => {
    // Arrange, before any server runs: advisors with logins, a supervisor, the due callbacks.
    const store = createStore(db!, { defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 });
    for (const endpoint of endpoints) {
      const advisor = await store.advisors.create({ name: `Agent ${endpoint.slice('PJSIP/'.length)}`, tier: 'vip', endpoint });
      await store.users.create({ username: usernameOf(endpoint), password: PASSWORD, role: 'agent', advisorId: advisor.id });
    }
    await store.users.create({ username: 'supervisor', password: PASSWORD, role: 'supervisor' });
    const firstCallAt = new Date(Date.now() - 60_000).toISOString();
    for (const number of numbers) await store.callbacks.create({ memberId: null, number, reason: 'requested', maxAttempts: 3, firstCallAt }, SYSTEM_ACTOR);

    const phones = watchAgentPhones(sim!, endpoints);
    const dbUrl = urlWithSchema(PG_URL!, database!.searchPath!);
    const serverIds = ['cb-one', 'cb-two'].map((id) => `${id}-${prefix.slice(0, -1)}`);
    const started = await Promise.all(
      serverIds.map(async (serverId, i) =>
        startChild(
          serverEnv(sim!, dbUrl, {
            CTI_REDIS_URL: REDIS_URL!,
            CTI_REDIS_PREFIX: prefix,
            CTI_SERVER_ID: serverId,
            CTI_ARI_APP: `cti-${'ab'[i]}`,
            CTI_DISPATCH_INTERVAL: '200ms',
            // Non-member callers are paced in Shanghai time; requested callbacks skip the cap and the gap.
            CTI_QUIET_HOURS: quietHoursFarFromNow(),
            CTI_LOG_LEVEL: 'warn',
          }),
          await freePort(),
          60_000,
        ),
      ),
    );
    servers.push(...started);
    const startedAt = Date.now();

    // Ten desktops on each server, signed in and ready as the desktop app does it.
    for (const [i, server] of servers.entries()) {
      const floor = new Desktops(server.url);
      desktops.push(floor);
      await floor.signIn(endpoints.slice(i * 10, i * 10 + 10), (endpoint) => ({ username: usernameOf(endpoint), password: PASSWORD }));
    }
    await waitFor(
      `all ${CALLBACKS} callbacks completed`,
      async () => (await store.callbacks.count({ state: 'completed' })) >= CALLBACKS,
      140_000,
      500,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(await store.callbacks.countByState())}`);
    });
    const completedMs = Date.now() - startedAt;
    // The last calls clear, and nothing more is dialed once the queue is empty.
    await waitFor('every call cleared on the PBX', () => sim!.channelCount() === 0, 15_000, 100);
    const supervisor = await login(servers[0]!.url, 'supervisor', PASSWORD);
    for (const server of servers) await waitAllAvailable(server.url, supervisor, ADVISORS, 15_000);
    phones.stop();

    expect(await store.callbacks.countByState()).to.include({ completed: CALLBACKS, pending: 0, reserved: 0, dialing: 0, failed: 0 });
    const notOnce = numbers.filter((n) => sim!.originateCount(`PJSIP/${n}@trunk`) !== 1).map((n) => [n, sim!.originateCount(`PJSIP/${n}@trunk`)]);
    expect(notOnce, 'member numbers not dialed exactly once').to.deep.equal([]);
    const agentLegs = endpoints.reduce((sum, e) => sum + sim!.originateCount(e), 0);
    expect(agentLegs, 'one agent leg per callback').to.equal(CALLBACKS);

    // Each callback was claimed once, and each server completed a substantial share.
    const claims = (await db!('callback_events').where({ action: 'claimed' }).groupBy('callback_id').select('callback_id').select(db!.raw('min(actor) as actor')).count({ n: '*' })) as Array<{
      callback_id: number;
      actor: string;
      n: string | number;
    }>;
    const byServer = Object.fromEntries(serverIds.map((id) => [id, claims.filter((c) => c.actor === id).length]));
    console.log(`      ${CALLBACKS} callbacks completed in ${(completedMs / 1000).toFixed(1)} s, by server: ${JSON.stringify(byServer)}; agent phones rung twice: ${phones.overlaps.length}`);
    expect(claims.filter((c) => Number(c.n) !== 1), 'callbacks claimed more than once').to.deep.equal([]);
    expect(claims).to.have.length(CALLBACKS);
    for (const id of serverIds) expect(byServer[id], `callbacks claimed and completed by ${id}`).to.be.at.least(CALLBACKS * MIN_SHARE);

    // An advisor takes one call at a time: neither server rings a phone the other has on a callback.
    expect(phones.overlaps.slice(0, 5).map(describeOverlap), `agent phones rung while already on a call (${phones.overlaps.length} times)`).to.deep.equal([]);
  });
});
