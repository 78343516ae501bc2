// The call flow against the simulator over its real AMI/ARI sockets: a fresh SQLite file
// per test (copied from one migrated, demo-seeded template), the presence board with the
// chosen agents signed in and ready, telephony started as the composition root does.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { loadConfig } from '../../../server/config/config.js';
import type { Config } from '../../../server/config/config.js';
import type { PhoneBehaviour } from '../../../sim/index.js';
import { startSimulator } from '../../../sim/index.js';
import type { Simulator } from '../../../sim/index.js';
import { openDatabase } from '../../../server/store/database.js';
import type { Db } from '../../../server/store/database.js';
import { createStore } from '../../../server/store/index.js';
import type { Store } from '../../../server/store/index.js';
import type { CallRecord } from '../../../server/store/calls.js';
import { migrationSource } from '../../../db/migrations/index.js';
import { seedDemo, DEMO_ADVISORS } from '../../../db/seeds/demo.js';
import { PresenceBoard } from '../../../server/presence/presence-board.js';
import { createPromptLibrary } from '../../../server/prompts/library.js';
import type { RecordedPromptStore } from '../../../server/prompts/recordings.js';
import { advisorNameClipName } from '../../../ivr-prompts/clips.js';
import { createLogger } from '../../../server/shared/logger.js';
import { startTelephony } from '../../../server/pbx/call-flow/telephony.js';
import type { Telephony } from '../../../server/pbx/call-flow/telephony.js';
import { CallFlowEvents } from '../../../server/pbx/call-flow/events.js';
import type { CallFlowEventMap } from '../../../server/pbx/call-flow/events.js';
import type { CallbackPort } from '../../../server/pbx/call-flow/callback-port.js';

let templateDir: string | null = null;

/** Migrates and seeds the demo data once per process; every test copies the file. */
async function template(): Promise<string> {
  if (templateDir) return join(templateDir, 'template.sqlite');
  templateDir = mkdtempSync(join(tmpdir(), 'cti-callflow-'));
  const file = join(templateDir, 'template.sqlite');
  const db = openDatabase(`sqlite:${file}`);
  await db.migrate.latest({ migrationSource });
  await seedDemo(db, { now: new Date('2026-11-23T08:00:00Z') });
  await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  await db.destroy();
  return file;
}

export type RecordedEvent = { [K in keyof CallFlowEventMap]: { name: K; payload: CallFlowEventMap[K][0] } }[keyof CallFlowEventMap];

export interface HarnessOptions {
  /** Agent phones; every demo endpoint answers after 50 ms unless given here. */
  agents?: Record<string, PhoneBehaviour>;
  /** Extra CTI_* settings. */
  env?: Record<string, string>;
  /** Endpoints signed in and ready (default: all twelve). */
  ready?: string[];
  callbacks?: (store: Store) => CallbackPort;
  /** Asterisk nodes (simulators), default 1. */
  nodes?: number;
  /** Fault injection: the caller lookup fails as if the database were down. */
  failCallerLookup?: boolean;
}

export interface Harness {
  /** The first node's simulator. */
  sim: Simulator;
  /** Every node's simulator, in node order (`node0`, `node1`...). */
  sims: Simulator[];
  db: Db;
  store: Store;
  config: Config;
  presence: PresenceBoard;
  readonly telephony: Telephony;
  registry: Registry;
  /** The CTI server dies (links drop, memory lost) and a new one starts on the same database. */
  crashAndRestartTelephony(): Promise<void>;
  events: RecordedEvent[];
  /** Advisor id by endpoint (`PJSIP/1001`). */
  advisorId(endpoint: string): number;
  /** The stored call for a simulator caller channel. */
  storedCall(channelId: string, node?: string): Promise<CallRecord | null>;
  /** Waits until the stored call is no longer in progress. */
  settledCall(channelId: string, timeoutMs?: number, node?: string): Promise<CallRecord>;
  /** Bridges the simulator still has. */
  bridgeCount(): number;
  /** Waits until the simulator has no channel and no bridge left. */
  allClear(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function waitUntil<T>(what: string, test: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await test();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'cti-callflow-test-'));
  const dbFile = join(dir, 'cti.sqlite');
  copyFileSync(await template(), dbFile);
  const agents: Record<string, PhoneBehaviour> = {};
  for (const a of DEMO_ADVISORS) agents[a.endpoint] = { kind: 'answer', ringMs: 50 };
  Object.assign(agents, options.agents ?? {});
  const sims: Simulator[] = [];
  for (let i = 0; i < (options.nodes ?? 1); i++) {
    sims.push(await startSimulator({ amiPort: 0, ariPort: 0, agents, defaultMediaMs: 40, waitScale: 0.02, onError: () => undefined }));
  }
  const sim = sims[0]!;
  const config = loadConfig(
    {
      CTI_AMI_URL: sims.map((s) => s.amiUrl).join(','),
      CTI_ARI_URL: sims.map((s) => s.ariUrl).join(','),
      CTI_DB_URL: `sqlite:${dbFile}`,
      CTI_RING_TIMEOUT: '600ms',
      CTI_KEY_TIMEOUT: '300ms',
      CTI_OWNER_MAX_WAIT: '3s',
      CTI_WRAP_UP: '0s',
      CTI_PROMPT_MEDIA: 'sound:cti',
      ...options.env,
    },
    join(dir, 'no.env'),
  );
  const db = openDatabase(config.dbUrl);
  const store = createStore(db, { defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 });
  const logger = createLogger(process.env.CTI_TEST_LOG ?? 'silent');
  const presence = new PresenceBoard({ now: Date.now, wrapUpMs: config.routing.wrapUpMs });
  // Name clips for every advisor, so prompts name them instead of the generic wording.
  const audioDir = join(dir, 'audio');
  const advisors = await store.advisors.list();
  for (const language of ['zh', 'en']) {
    mkdirSync(join(audioDir, language), { recursive: true });
    for (const a of advisors) writeFileSync(join(audioDir, language, `${advisorNameClipName(a.id)}.wav`), '');
  }
  const noRecordings: RecordedPromptStore = {
    findRecordedPrompt: () => Promise.resolve(null),
    saveRecordedPrompt: () => Promise.resolve(),
    deleteRecordedPrompt: () => Promise.resolve(),
    listRecordedPrompts: () => Promise.resolve([]),
  };
  const prompts = createPromptLibrary({ audioDir, media: config.promptMedia, store: noRecordings, now: () => new Date() });
  const registry = new Registry();
  const failing = () => Promise.reject(new Error('database unavailable (injected)'));
  const callers = options.failCallerLookup ? { findCallerContext: failing, findCallerContextByMemberNo: failing } : store.callers;
  const events: RecordedEvent[] = [];
  const record = (event: RecordedEvent) => events.push(event);
  const flowEvents = new CallFlowEvents();
  const launch = () =>
    startTelephony({
      config,
      store: { ...store, callers },
      presence,
      prompts,
      logger,
      registry,
      events: flowEvents,
      callbacks: options.callbacks?.(store),
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      keepaliveMs: 0,
      advisorRefreshMs: 0,
    });
  let telephony = await launch();
  const crashed: Telephony[] = [];
  telephony.events.on('agent-ringing', (payload) => record({ name: 'agent-ringing', payload }));
  telephony.events.on('call-answered', (payload) => record({ name: 'call-answered', payload }));
  telephony.events.on('call-ended', (payload) => record({ name: 'call-ended', payload }));
  telephony.events.on('caller-abandoned', (payload) => record({ name: 'caller-abandoned', payload }));
  telephony.events.on('callback-requested', (payload) => record({ name: 'callback-requested', payload }));
  const byEndpoint = new Map(advisors.map((a) => [a.endpoint, a.id]));
  const advisorId = (endpoint: string) => {
    const id = byEndpoint.get(endpoint);
    if (id === undefined) throw new Error(`no advisor on ${endpoint}`);
    return id;
  };
  for (const endpoint of options.ready ?? DEMO_ADVISORS.map((a) => a.endpoint)) {
    presence.desktopConnected(advisorId(endpoint));
    presence.requestState(advisorId(endpoint), 'ready');
  }
  await waitUntil('both links up', () => telephony.nodes.every((n) => n.connected.ami && n.connected.ari));
  await waitUntil('phone states known', () =>
    advisors.filter((a) => a.endpoint.startsWith('PJSIP/')).every((a) => presence.get(a.id)?.phone !== 'unavailable' || agents[a.endpoint]?.kind === 'unregistered'),
  );

  const storedCall = async (channelId: string, node = 'node0') => store.calls.getByUniqueid(node, channelId);
  return {
    get telephony() {
      return telephony;
    },
    async crashAndRestartTelephony() {
      // The old server dies without a word: its links drop, its memory is gone.
      crashed.push(telephony);
      for (const node of telephony.nodes) {
        node.ari.removeAllListeners('event');
        await Promise.all([node.ari.stop(), node.ami.stop()]);
      }
      presence.removeAllListeners('change');
      telephony = await launch();
      await waitUntil('new server links up', () => telephony.nodes.every((n) => n.connected.ami && n.connected.ari));
    },
    sim,
    sims,
    db,
    store,
    config,
    presence,
    registry,
    events,
    advisorId,
    storedCall,
    settledCall: (channelId, timeoutMs = 5000, node = 'node0') =>
      waitUntil(`call ${channelId} stored as ended`, async () => {
        const call = await storedCall(channelId, node);
        return call && call.endedAt !== null ? call : null;
      }, timeoutMs),
    bridgeCount: () => sim.box.pbx.bridges.size,
    async allClear(timeoutMs = 5000) {
      await waitUntil('no channel and no bridge left in the simulator', () => sim.box.pbx.channels.size === 0 && sim.box.pbx.bridges.size === 0, timeoutMs);
    },
    async close() {
      await telephony.stop();
      for (const old of crashed) await old.stop();
      for (const s of sims) await s.close();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
