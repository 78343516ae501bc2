// The production shape for fault tests: a standalone simulator (a stand-in Asterisk that
// outlives the CTI server), a demo-seeded database, and the real server started from
// configuration, in this process or as a child process that can be killed with -9.
// Agents sign in over Socket.IO and go ready, as the desktop does. Loopback only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '../../server/config/config.js';
import { startServer, type RunningServer, type StartOptions } from '../../server/app-server.js';
import { openDatabase } from '../../server/store/database.js';
import { migrationSource } from '../../db/migrations/index.js';
import { DEMO_ADVISORS, DEMO_PASSWORD, demoUsername, seedDemo } from '../../db/seeds/demo.js';
import { startSimulator, type PhoneBehaviour, type Simulator, type CallHandle } from '../../sim/index.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** Settings that keep a call short without changing what happens in it. */
export const FAST_CALLS: Record<string, string> = {
  CTI_RING_TIMEOUT: '1s',
  CTI_KEY_TIMEOUT: '300ms',
  CTI_OWNER_MAX_WAIT: '3s',
  CTI_WRAP_UP: '0s',
  CTI_PROMPT_MEDIA: 'sound:cti',
  CTI_DEMO_TRAFFIC: 'false',
  CTI_LOG_LEVEL: 'silent',
  CTI_HOST: '127.0.0.1',
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Workdir {
  dir: string;
  dbUrl: string;
  remove(): void;
}

/** A temp dir with a migrated, demo-seeded SQLite database (production mode never seeds by itself). */
export async function seededWorkdir(now = new Date()): Promise<Workdir> {
  const dir = mkdtempSync(join(tmpdir(), 'cti-reliability-'));
  const dbUrl = `sqlite:${join(dir, 'cti.sqlite')}`;
  const db = openDatabase(dbUrl);
  await db.migrate.latest({ migrationSource });
  await seedDemo(db, { now });
  await db.destroy();
  return { dir, dbUrl, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface PbxOptions {
  agents?: Record<string, PhoneBehaviour>;
  username?: string;
  secret?: string;
}

/** Every demo agent answers after 100 ms and talks until hung up; member numbers answer too. */
export function startPbx(options: PbxOptions = {}): Promise<Simulator> {
  const agents: Record<string, PhoneBehaviour> = {};
  for (const a of DEMO_ADVISORS) agents[a.endpoint] = { kind: 'answer', ringMs: 100 };
  Object.assign(agents, options.agents ?? {});
  return startSimulator({
    amiPort: 0,
    ariPort: 0,
    agents,
    memberDefault: { kind: 'answer', ringMs: 100, talkMs: 300 },
    defaultMediaMs: 40,
    waitScale: 0.02,
    ...(options.username ? { username: options.username } : {}),
    ...(options.secret ? { secret: options.secret } : {}),
    onError: () => undefined,
  });
}

/** The fault tests poll REST in tight loops with one token, far over the production limit (600 a minute): they get a higher one. */
const POLLING_RATE_LIMIT = '1000000';

export function serverEnv(sim: Simulator, dbUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...FAST_CALLS, CTI_AMI_URL: sim.amiUrl, CTI_ARI_URL: sim.ariUrl, CTI_DB_URL: dbUrl, CTI_PORT: '0', CTI_API_RATE_LIMIT: POLLING_RATE_LIMIT, ...extra };
}

export async function startInProcess(env: Record<string, string>, dir: string, options: StartOptions = {}): Promise<RunningServer> {
  return startServer(loadConfig(env, join(dir, 'no.env')), options);
}

export interface ChildServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `node --import tsx server/main.ts` on a chosen port; resolves once /healthz answers. */
export async function startChild(env: Record<string, string>, port: number, timeoutMs = 30_000): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, CTI_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const handle: ChildServer = {
    url,
    child,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`CTI server exited with ${child.exitCode}: ${output}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return handle;
    if (Date.now() - started > timeoutMs) {
      await handle.kill();
      throw new Error(`CTI server did not answer /healthz within ${timeoutMs} ms: ${output}`);
    }
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, test: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 10_000, stepMs = 25): Promise<T> {
  const started = Date.now();
  for (;;) {
    // A probe that throws (a server still down) counts as "not yet".
    const value = await Promise.resolve()
      .then(test)
      .catch(() => undefined);
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

export async function api(url: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

export async function login(url: string, username: string, password = 'demo1234'): Promise<string> {
  const res = await api(url, 'POST', '/api/auth/login', undefined, { username, password });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/**
 * Callbacks promised through the API (as an agent or the IVR would), for a caller who asked
 * to be called tomorrow: the dispatcher leaves them alone whatever the time of day, so a
 * test can check that every promise outlives a fault without quiet hours deciding whether
 * free advisors dial them meanwhile. Returns their ids.
 */
export async function promiseCallbacksForTomorrow(url: string, token: string, numbers: readonly string[], note: string): Promise<number[]> {
  const dueAt = new Date(Date.now() + 24 * 3_600_000).toISOString();
  const ids: number[] = [];
  for (const number of numbers) {
    const res = await api(url, 'POST', '/api/callbacks', token, { memberId: null, number, note, dueAt });
    if (res.status !== 201) throw new Error(`promising a callback to ${number}: ${res.status} ${JSON.stringify(res.body)}`);
    ids.push(res.body.id as number);
  }
  return ids;
}

/**
 * Quiet hours of one minute, twelve hours away in Shanghai (the zone of callers who are
 * not members): a test that dials callbacks never depends on the time of day it runs at.
 */
export function quietHoursFarFromNow(): string {
  const shanghai = new Date(Date.now() + 8 * 3_600_000 + 12 * 3_600_000);
  const hh = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${hh(shanghai)}-${hh(new Date(shanghai.getTime() + 60_000))}`;
}

export interface DesktopLogin {
  username: string;
  password: string;
}

/** The demo seed's login of the advisor on this endpoint. */
export function demoLogin(endpoint: string): DesktopLogin {
  const advisor = DEMO_ADVISORS.find((a) => a.endpoint === endpoint);
  if (!advisor) throw new Error(`no demo advisor on ${endpoint}`);
  return { username: demoUsername(advisor), password: DEMO_PASSWORD };
}

/** Desktops of agents that sign in and go ready, and go ready again after every reconnect (as the desktop app does). */
export class Desktops {
  readonly sockets = new Map<string, Socket>();
  readonly pops = new Map<string, unknown[]>();
  readonly disconnects = new Map<string, number>();
  private urlOf: () => string;

  constructor(url: string | (() => string)) {
    this.urlOf = typeof url === 'string' ? () => url : url;
  }

  /** Signs in the advisors on these endpoints (the twelve demo advisors by default) and makes them ready. */
  async signIn(endpoints: readonly string[] = DEMO_ADVISORS.map((a) => a.endpoint), loginOf: (endpoint: string) => DesktopLogin = demoLogin): Promise<void> {
    for (const endpoint of endpoints) {
      const account = loginOf(endpoint);
      const token = await login(this.urlOf(), account.username, account.password);
      const socket = connect(this.urlOf(), { transports: ['websocket'], auth: { token }, reconnectionDelay: 100, reconnectionDelayMax: 500 });
      this.pops.set(endpoint, []);
      this.disconnects.set(endpoint, 0);
      socket.on('screen-pop', (pop: unknown, ack?: (r: unknown) => void) => {
        this.pops.get(endpoint)!.push(pop);
        ack?.({ ok: true });
      });
      socket.on('screen-pop:update', (_pop: unknown, ack?: (r: unknown) => void) => ack?.({ ok: true }));
      socket.on('disconnect', () => this.disconnects.set(endpoint, this.disconnects.get(endpoint)! + 1));
      socket.on('connect', () => {
        socket.emit('agent:state', { state: 'ready' }, () => undefined);
      });
      this.sockets.set(endpoint, socket);
    }
    await waitFor('desktops connected', () => [...this.sockets.values()].every((s) => s.connected), 10_000);
  }

  allConnected(): boolean {
    return [...this.sockets.values()].every((s) => s.connected);
  }

  close(): void {
    for (const s of this.sockets.values()) s.disconnect();
    this.sockets.clear();
  }
}

/** Waits until the server sees every signed-in desktop ready with an idle phone (GET /api/advisors). */
export async function waitAllAvailable(url: string, token: string, count = 12, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    `${count} advisors available`,
    async () => {
      const res = await api(url, 'GET', '/api/advisors', token);
      const items = (res.body?.items ?? res.body) as Array<{ availability?: string }>;
      return Array.isArray(items) && items.filter((a) => a.availability === 'available').length >= count;
    },
    timeoutMs,
    100,
  ).catch(async (err: unknown) => {
    const res = await api(url, 'GET', '/api/advisors', token);
    const items = (res.body?.items ?? res.body) as Array<{ endpoint: string; availability?: string; presence?: unknown }>;
    throw new Error(`${String(err)}: ${JSON.stringify(items.map((a) => [a.endpoint, a.availability, a.presence]))}`);
  });
}

/** Places a member call that keys through the front IVR; resolves with the agent it was bridged to and how long that took. */
export async function routedCall(sim: Simulator, from: string, timeoutMs = 15_000): Promise<{ call: CallHandle; agent: string; ms: number }> {
  const started = Date.now();
  const call = sim.call({ from, keys: ['2', '1'] });
  const agent = await call.waitBridged(timeoutMs);
  if (!call.stasisApp || call.queue) throw new Error(`call from ${from} was not routed by the CTI server (dialplan fallback to ${call.queue ?? 'nothing'})`);
  return { call, agent, ms: Date.now() - started };
}

/** Tries a fresh call every `everyMs` until one is bridged; returns ms from `since` to that bridge and the agent. */
export async function timeUntilRouting(sim: Simulator, from: string, since: number, timeoutMs = 20_000, everyMs = 250): Promise<{ ms: number; agent: string }> {
  const deadline = since + timeoutMs;
  const calls: CallHandle[] = [];
  try {
    for (;;) {
      const call = sim.call({ from, keys: ['2', '1'] });
      calls.push(call);
      const agent = await call.waitBridged(everyMs * 8).then(
        (a) => a,
        () => null,
      );
      // Without the Stasis app the dialplan falls back to a plain queue: that is not the CTI server routing.
      if (agent && call.stasisApp && !call.queue) return { ms: Date.now() - since, agent };
      if (Date.now() > deadline) throw new Error(`no call was routed within ${timeoutMs} ms`);
      call.hangup();
      await sleep(everyMs);
    }
  } finally {
    for (const c of calls) c.hangup();
  }
}
