// The callback engine against the simulator over real AMI/ARI sockets, as the composition
// root wires it: store -> presence -> callback service (the call flow's port) -> telephony
// -> engine. The clock is pinned to a fixed time of day (11:00 in Shanghai, out of quiet
// hours everywhere the demo members live) and runs on from there; tests may jump it.
// One database (SQLite template copy, or a fresh PostgreSQL schema) may be shared by
// several "servers", each with its own connection pool, presence board, ARI app and engine.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../../server/config/config.js';
import type { PhoneBehaviour, Simulator } from '../../../sim/index.js';
import { startSimulator } from '../../../sim/index.js';
import { closeDatabase, migrateLatest, openDatabase, type Db } from '../../../server/store/database.js';
import { createStore, type Store } from '../../../server/store/index.js';
import { migrationSource } from '../../../db/migrations/index.js';
import { seedDemo, DEMO_ADVISORS } from '../../../db/seeds/demo.js';
import { PresenceBoard } from '../../../server/presence/presence-board.js';
import { createPromptLibrary } from '../../../server/prompts/library.js';
import type { RecordedPromptStore } from '../../../server/prompts/recordings.js';
import { createLogger } from '../../../server/shared/logger.js';
import { startTelephony, type Telephony } from '../../../server/pbx/call-flow/telephony.js';
import { CallbackService } from '../../../server/callbacks/callback-service.js';
import { startCallbackEngine, type CallbackEngine, type CallbackEngineOptions } from '../../../server/callbacks/engine.js';
import type { CallbackDesktop } from '../../../server/callbacks/callback-changes.js';
import type { CallbacksChanged, CallbackOffer, ScreenPop } from '../../../server/desktop/contract.js';
import { waitUntil } from '../call-flow/harness.js';

export { waitUntil };

/** 11:00 in Shanghai, Hong Kong and Singapore, 19:00 in Los Angeles: outside quiet hours. */
export const PINNED_START = Date.parse('2026-11-23T03:00:00.000Z');
export const PG_URL = process.env.CTI_TEST_PG_URL;

export class TestTime {
  private readonly realStart = Date.now();
  private offset = 0;
  constructor(private readonly start = PINNED_START) {}
  readonly now = (): number => this.start + (Date.now() - this.realStart) + this.offset;
  readonly clock = (): Date => new Date(this.now());
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** Records what the engine sends to desktops. */
export class RecordingDesktop implements CallbackDesktop {
  readonly changes: Array<{ change: CallbacksChanged; advisorIds: readonly number[] }> = [];
  readonly offers: Array<{ advisorId: number; offer: CallbackOffer }> = [];
  readonly pops: Array<{ advisorId: number; pop: ScreenPop }> = [];
  pushCallbacksChanged(change: CallbacksChanged, advisorIds: readonly number[]): void {
    this.changes.push({ change, advisorIds });
  }
  pushCallbackOffer(advisorId: number, offer: CallbackOffer): void {
    this.offers.push({ advisorId, offer });
  }
  sendScreenPop(advisorId: number, pop: ScreenPop): Promise<unknown> {
    this.pops.push({ advisorId, pop });
    return Promise.resolve();
  }
  updateScreenPop(advisorId: number, pop: ScreenPop): Promise<unknown> {
    this.pops.push({ advisorId, pop });
    return Promise.resolve();
  }
}

let template: string | null = null;

/** Demo data seeded once per process relative to the pinned start; every database copies it. */
async function sqliteTemplate(): Promise<string> {
  if (template) return template;
  const dir = mkdtempSync(join(tmpdir(), 'cti-callbacks-'));
  template = join(dir, 'template.sqlite');
  const db = openDatabase(`sqlite:${template}`);
  await db.migrate.latest({ migrationSource });
  await seedDemo(db, { now: new Date(PINNED_START - 3_600_000) });
  await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  await db.destroy();
  return template;
}

export interface TestDatabase {
  url: string;
  searchPath?: string;
  dialect: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

/** A SQLite copy of the demo template, or an empty migrated PostgreSQL schema. */
export async function createTestDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cti-callbacks-db-'));
    const file = join(dir, 'cti.sqlite');
    copyFileSync(await sqliteTemplate(), file);
    return { url: `sqlite:${file}`, dialect, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!PG_URL) throw new Error('CTI_TEST_PG_URL is not set');
  const searchPath = `cb_${randomBytes(6).toString('hex')}`;
  const admin = openDatabase(PG_URL);
  await admin.raw(`CREATE SCHEMA ${searchPath}`);
  await closeDatabase(admin);
  const db = openDatabase(PG_URL, { searchPath });
  await migrateLatest(db);
  await closeDatabase(db);
  return {
    url: PG_URL,
    searchPath,
    dialect,
    drop: async () => {
      const dropper = openDatabase(PG_URL);
      await dropper.raw(`DROP SCHEMA IF EXISTS ${searchPath} CASCADE`);
      await closeDatabase(dropper);
    },
  };
}

export interface CallbackServer {
  config: Config;
  db: Db;
  store: Store;
  presence: PresenceBoard;
  telephony: Telephony;
  service: CallbackService;
  engine: CallbackEngine | null;
  desktop: RecordingDesktop;
  advisorId(endpoint: string): Promise<number>;
  /** Signs advisors in and makes them ready. */
  ready(endpoints: readonly string[]): Promise<void>;
  startEngine(extra?: Partial<CallbackEngineOptions>): Promise<CallbackEngine>;
  stopEngine(): Promise<void>;
  close(): Promise<void>;
}

export interface ServerOptions {
  database: TestDatabase;
  sim: Simulator;
  time: TestTime;
  /** ARI app name; two servers on one simulator need two apps (Asterisk allows one socket per app). */
  app?: string;
  env?: Record<string, string>;
  engine?: Partial<CallbackEngineOptions> | false;
}

const SILENT_RECORDINGS: RecordedPromptStore = {
  findRecordedPrompt: () => Promise.resolve(null),
  saveRecordedPrompt: () => Promise.resolve(),
  deleteRecordedPrompt: () => Promise.resolve(),
  listRecordedPrompts: () => Promise.resolve([]),
};

export async function startCallbackServer(options: ServerOptions): Promise<CallbackServer> {
  const { sim, time } = options;
  const dir = mkdtempSync(join(tmpdir(), 'cti-callbacks-srv-'));
  const config = loadConfig(
    {
      CTI_AMI_URL: sim.amiUrl,
      CTI_ARI_URL: sim.ariUrl,
      CTI_ARI_APP: options.app ?? 'cti',
      CTI_DB_URL: options.database.url,
      CTI_RING_TIMEOUT: '1s',
      CTI_KEY_TIMEOUT: '300ms',
      CTI_OWNER_MAX_WAIT: '3s',
      CTI_WRAP_UP: '0s',
      CTI_PROMPT_MEDIA: 'sound:cti',
      CTI_OUTBOUND_DIAL: 'PJSIP/{number}@trunk',
      CTI_OUTBOUND_CALLERID: '4008001234',
      CTI_DISPATCH_INTERVAL: '200ms',
      ...options.env,
    },
    join(dir, 'no.env'),
  );
  const db = openDatabase(config.dbUrl, { searchPath: options.database.searchPath });
  const store = createStore(db, { clock: time.clock, defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 });
  const logger = createLogger(process.env.CTI_TEST_LOG ?? 'silent');
  const presence = new PresenceBoard({ now: time.now, wrapUpMs: config.routing.wrapUpMs });
  const audioDir = join(dir, 'audio');
  for (const language of ['zh', 'en']) mkdirSync(join(audioDir, language), { recursive: true });
  writeFileSync(join(audioDir, 'README'), '');
  const prompts = createPromptLibrary({ audioDir, media: config.promptMedia, store: SILENT_RECORDINGS, now: () => new Date(time.now()) });
  const service = new CallbackService({ store, config, logger, now: time.now });
  const telephony = await startTelephony({
    config,
    store,
    presence,
    prompts,
    logger,
    callbacks: service.port,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    keepaliveMs: 0,
    advisorRefreshMs: 0,
    now: time.now,
  });
  await waitUntil('AMI and ARI up', () => telephony.nodes.every((n) => n.connected.ami && n.connected.ari));
  const desktop = new RecordingDesktop();
  let engine: CallbackEngine | null = null;
  const advisorId = async (endpoint: string) => {
    const advisor = await store.advisors.findByEndpoint(endpoint);
    if (!advisor) throw new Error(`no advisor on ${endpoint}`);
    return advisor.id;
  };
  const server: CallbackServer = {
    config,
    db,
    store,
    presence,
    telephony,
    service,
    desktop,
    get engine() {
      return engine;
    },
    advisorId,
    async ready(endpoints) {
      await telephony.directory.reload();
      for (const endpoint of endpoints) {
        const id = await advisorId(endpoint);
        presence.track(id);
        presence.desktopConnected(id);
        presence.requestState(id, 'ready');
      }
      await waitUntil('phone states known', async () => {
        for (const endpoint of endpoints) if (presence.get(await advisorId(endpoint))?.phone === 'unavailable') return false;
        return true;
      });
    },
    async startEngine(extra = {}) {
      engine = await startCallbackEngine({
        config,
        store,
        presence,
        telephony,
        logger,
        now: time.now,
        desktop,
        service,
        agentCoolDownMs: 500,
        memberRingTimeoutMs: 1500,
        drainMs: 5000,
        ...extra,
      });
      return engine;
    },
    async stopEngine() {
      await engine?.stop();
      engine = null;
    },
    async close() {
      await engine?.stop();
      await telephony.stop();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (options.engine !== false) await server.startEngine(options.engine || {});
  return server;
}

/** The simulator with every demo agent answering after 30 ms and members answering after 30 ms. */
export async function startSim(agents: Record<string, PhoneBehaviour> = {}): Promise<Simulator> {
  const phones: Record<string, PhoneBehaviour> = {};
  for (const a of DEMO_ADVISORS) phones[a.endpoint] = { kind: 'answer', ringMs: 30 };
  Object.assign(phones, agents);
  return startSimulator({
    amiPort: 0,
    ariPort: 0,
    agents: phones,
    memberDefault: { kind: 'answer', ringMs: 30, talkMs: 100 },
    defaultMediaMs: 40,
    waitScale: 0.02,
    onError: () => undefined,
  });
}

export const ALL_ENDPOINTS = DEMO_ADVISORS.map((a) => a.endpoint);
