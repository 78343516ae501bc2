// Self-recording against the simulator over its real AMI/ARI sockets, wired as the
// composition root does: the store's `prompts` table behind the prompts library (sox
// converts the takes), telephony with its call flow, and self-recording on every node.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationSource } from '../../../db/migrations/index.js';
import { DEMO_ADVISORS, seedDemo } from '../../../db/seeds/demo.js';
import { advisorNameClipName } from '../../../ivr-prompts/clips.js';
import { loadConfig } from '../../../server/config/config.js';
import { attachSelfRecording } from '../../../server/pbx/call-flow/self-recording.js';
import type { SelfRecording, SelfRecordingOutcome } from '../../../server/pbx/call-flow/self-recording.js';
import { startTelephony } from '../../../server/pbx/call-flow/telephony.js';
import type { Telephony } from '../../../server/pbx/call-flow/telephony.js';
import { PresenceBoard } from '../../../server/presence/presence-board.js';
import { createPromptLibrary } from '../../../server/prompts/library.js';
import type { PromptLibrary } from '../../../server/prompts/library.js';
import { recordedPromptStore } from '../../../server/prompts/store-adapter.js';
import { createLogger } from '../../../server/shared/logger.js';
import { openDatabase } from '../../../server/store/database.js';
import type { Db } from '../../../server/store/database.js';
import { createStore } from '../../../server/store/index.js';
import type { Store } from '../../../server/store/index.js';
import { startSimulator } from '../../../sim/index.js';
import type { CallHandle, PhoneBehaviour, Simulator } from '../../../sim/index.js';

let templateDir: string | null = null;

async function template(): Promise<string> {
  if (templateDir) return join(templateDir, 'template.sqlite');
  templateDir = mkdtempSync(join(tmpdir(), 'cti-selfrec-'));
  const file = join(templateDir, 'template.sqlite');
  const db = openDatabase(`sqlite:${file}`);
  await db.migrate.latest({ migrationSource });
  await seedDemo(db, { now: new Date('2026-11-23T08:00:00Z') });
  await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  await db.destroy();
  return file;
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

export interface Ended {
  channelId: string;
  advisorId: number | null;
  outcome: SelfRecordingOutcome;
}

export interface Harness {
  sim: Simulator;
  db: Db;
  store: Store;
  presence: PresenceBoard;
  prompts: PromptLibrary;
  audioDir: string;
  telephony: Telephony;
  selfRecording: SelfRecording;
  ended: Ended[];
  advisorId(endpoint: string): number;
  /** A call from an advisor's phone (`PJSIP/1001`) to a feature code. */
  dialFromPhone(device: string, exten: string): CallHandle;
  /** Resolves when the self-recording call on this channel has ended (cleanup done). */
  endedOn(channelId: string, timeoutMs?: number): Promise<Ended>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'cti-selfrec-test-'));
  const dbFile = join(dir, 'cti.sqlite');
  copyFileSync(await template(), dbFile);
  const agents: Record<string, PhoneBehaviour> = {};
  for (const a of DEMO_ADVISORS) agents[a.endpoint] = { kind: 'answer', ringMs: 50 };
  const sim = await startSimulator({ amiPort: 0, ariPort: 0, agents, defaultMediaMs: 40, waitScale: 0.02, onError: () => undefined });
  const config = loadConfig(
    {
      CTI_AMI_URL: sim.amiUrl,
      CTI_ARI_URL: sim.ariUrl,
      CTI_DB_URL: `sqlite:${dbFile}`,
      CTI_RING_TIMEOUT: '600ms',
      CTI_KEY_TIMEOUT: '300ms',
      CTI_WRAP_UP: '0s',
      CTI_PROMPT_MEDIA: 'sound:cti',
    },
    join(dir, 'no.env'),
  );
  const db = openDatabase(config.dbUrl);
  const store = createStore(db, { defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 });
  const logger = createLogger(process.env.CTI_TEST_LOG ?? 'silent');
  const presence = new PresenceBoard({ now: Date.now, wrapUpMs: config.routing.wrapUpMs });
  const audioDir = join(dir, 'audio');
  const advisors = await store.advisors.list();
  // TTS name clips for every advisor: without a recording, prompts name them with these.
  for (const language of ['zh', 'en']) {
    mkdirSync(join(audioDir, language), { recursive: true });
    for (const a of advisors) writeFileSync(join(audioDir, language, `${advisorNameClipName(a.id)}.wav`), '');
  }
  const prompts = createPromptLibrary({
    audioDir,
    media: config.promptMedia,
    store: recordedPromptStore(store.prompts, audioDir),
    now: () => new Date(),
    logger,
  });
  const telephony = await startTelephony({
    config,
    store,
    presence,
    prompts,
    logger,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    keepaliveMs: 0,
    advisorRefreshMs: 0,
  });
  const selfRecording = attachSelfRecording({ nodes: telephony.nodes, advisors: telephony.directory, prompts, logger, keyTimeoutMs: config.routing.keyTimeoutMs });
  const ended: Ended[] = [];
  selfRecording.onEnded((e) => ended.push(e));
  const byEndpoint = new Map(advisors.map((a) => [a.endpoint, a.id]));
  const advisorId = (endpoint: string) => {
    const id = byEndpoint.get(endpoint);
    if (id === undefined) throw new Error(`no advisor on ${endpoint}`);
    return id;
  };
  for (const a of advisors) {
    presence.desktopConnected(a.id);
    presence.requestState(a.id, 'ready');
  }
  await waitUntil('links up', () => telephony.nodes.every((n) => n.connected.ami && n.connected.ari));
  await waitUntil('phone states known', () => advisors.every((a) => presence.get(a.id)?.phone !== 'unavailable'));

  return {
    sim,
    db,
    store,
    presence,
    prompts,
    audioDir,
    telephony,
    selfRecording,
    ended,
    advisorId,
    dialFromPhone: (device, exten) => {
      const [, resource] = device.split('/');
      return sim.call({ from: resource ?? device, trunk: resource, context: 'cti-from-agents', to: exten });
    },
    endedOn: (channelId, timeoutMs = 5000) => waitUntil(`self-recording on ${channelId} ended`, () => ended.find((e) => e.channelId === channelId), timeoutMs),
    async close() {
      await selfRecording.stop();
      await telephony.stop();
      await sim.close();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
