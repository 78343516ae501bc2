// The PBX simulator: a stand-in Asterisk speaking real AMI (TCP) and ARI (HTTP + WS),
// scripted by tests, benchmarks and the demo mode.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Box } from './box.js';
import type { PhoneBehaviour } from './core/model.js';
import type { DeviceState } from './core/protocol.js';
import { PhoneBook, deviceOf, idleStateOf } from './scenario/phones.js';
import { placeCall, type CallHandle, type CallOptions } from './scenario/callers.js';
import { parseQueueMembers, type QueueMember } from './dialplan/queues-conf.js';
import { CAUSES } from './core/protocol.js';

export type { PhoneBehaviour } from './core/model.js';
export type { CallOptions } from './scenario/callers.js';
export { CallHandle } from './scenario/callers.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The project's own dialplan, used when no files are given. */
export const DEFAULT_DIALPLAN = join(here, '..', 'dialplan', 'extensions.conf');
const DEFAULT_MEDIA_MS = 3000;

export interface SimulatorOptions {
  host?: string;
  /** 0 = ephemeral port; read the bound one from `simulator.amiPort`. */
  amiPort?: number;
  ariPort?: number;
  username?: string;
  secret?: string;
  /** extensions.conf files; a queues.conf beside the first one is read too. */
  dialplanFiles?: string[];
  /** Extra dialplan text (same syntax), loaded after the files. */
  dialplan?: string;
  queueMembers?: Record<string, string[]>;
  /** Agent phones by dial string (`PJSIP/1001`, `SIP/1001`, `Local/1001@agents`). */
  agents?: Record<string, PhoneBehaviour>;
  /** Member numbers reached through a trunk dial string (`PJSIP/{number}@trunk`). */
  members?: Record<string, PhoneBehaviour>;
  /** What any other member number does; `null` = allocation fails. */
  memberDefault?: PhoneBehaviour | null;
  /** Playback duration per media URI, and for all others. */
  mediaMs?: Record<string, number>;
  defaultMediaMs?: number;
  /** Recordings already on disk (`GET /recordings/stored`). */
  storedRecordings?: Array<{ name: string; format: string }>;
  /** Multiplies dialplan waits (WaitExten, Read, Wait): tests use e.g. 0.05. */
  waitScale?: number;
  onError?: (err: unknown) => void;
}

export interface Simulator {
  readonly host: string;
  readonly amiPort: number;
  readonly ariPort: number;
  readonly username: string;
  readonly secret: string;
  /** `ami://user:secret@host:port` and `http://user:secret@host:port` for CTI_AMI_URL / CTI_ARI_URL. */
  readonly amiUrl: string;
  readonly ariUrl: string;
  /** The current box; replaced by `restart()`. */
  readonly box: Box;
  setAgent(dialString: string, behaviour: PhoneBehaviour): void;
  /** The agent's phone hangs up every call it has. */
  agentHangup(dialString: string): void;
  setMember(number: string, behaviour: PhoneBehaviour): void;
  setMediaDuration(uri: string, ms: number): void;
  setDeviceState(device: string, state: DeviceState): void;
  deviceState(device: string): DeviceState | undefined;
  call(options: CallOptions): CallHandle;
  originateCount(endpoint: string): number;
  channelCount(): number;
  waitForChannelCount(n: number, timeoutMs?: number): Promise<void>;
  stopAmi(): Promise<void>;
  startAmi(): Promise<void>;
  stopAri(): Promise<void>;
  startAri(): Promise<void>;
  /** "Asterisk restarted": both faces drop, every call is gone, fresh uptime. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const username = options.username ?? 'cti';
  const secret = options.secret ?? 'cti';
  const dialplanFiles = options.dialplanFiles ?? (existsSync(DEFAULT_DIALPLAN) ? [DEFAULT_DIALPLAN] : []);
  const queueMembers = new Map<string, QueueMember[]>();
  const firstDialplan = dialplanFiles[0];
  const queuesConf = firstDialplan ? join(dirname(firstDialplan), 'queues.conf') : undefined;
  if (queuesConf && existsSync(queuesConf)) {
    for (const [q, m] of parseQueueMembers(readFileSync(queuesConf, 'utf8'))) queueMembers.set(q, m);
  }
  for (const [q, m] of Object.entries(options.queueMembers ?? {})) {
    queueMembers.set(q, m.map((iface) => ({ iface, name: iface, stateInterface: iface.replace(/\/n$/, '') })));
  }

  const phones = new PhoneBook();
  for (const [d, b] of Object.entries(options.agents ?? {})) phones.agents.set(deviceOf(d), b);
  for (const [n, b] of Object.entries(options.members ?? {})) phones.numbers.set(n, b);
  if (options.memberDefault !== undefined) phones.memberDefault = options.memberDefault ?? undefined;
  const mediaMs = new Map(Object.entries(options.mediaMs ?? {}));
  const defaultMediaMs = options.defaultMediaMs ?? DEFAULT_MEDIA_MS;
  const RECORDING_MEDIA = 'recording:';
  const media = {
    // A stored recording plays for as long as it was recorded.
    durationMs: (uri: string): number =>
      mediaMs.get(uri) ??
      mediaMs.get(uri.replace(/^sound:/, '')) ??
      (uri.startsWith(RECORDING_MEDIA) ? box.pbx.storedRecordings.get(uri.slice(RECORDING_MEDIA.length))?.durationMs : undefined) ??
      defaultMediaMs,
  };
  const makeBox = () => {
    const box = new Box({
      host,
      username,
      secret,
      dialplanFiles,
      dialplanText: options.dialplan,
      phones,
      media,
      queueMembers,
      onError: options.onError ?? ((err) => console.error('simulator error', err)),
    });
    box.runner.waitScale = options.waitScale ?? 1;
    for (const rec of options.storedRecordings ?? []) box.pbx.storedRecordings.set(rec.name, { ...rec });
    return box;
  };

  let box = makeBox();
  const amiPort = await box.startAmi(options.amiPort ?? 5038);
  const ariPort = await box.startAri(options.ariPort ?? 8088);

  const sim: Simulator = {
    host,
    amiPort,
    ariPort,
    username,
    secret,
    amiUrl: `ami://${username}:${secret}@${host}:${amiPort}`,
    ariUrl: `http://${username}:${secret}@${host}:${ariPort}`,
    get box() {
      return box;
    },
    setAgent(dialString, behaviour) {
      const device = deviceOf(dialString);
      phones.agents.set(device, behaviour);
      box.setIdleState(device, idleStateOf(behaviour));
    },
    agentHangup(dialString) {
      const device = deviceOf(dialString);
      for (const ch of [...box.pbx.channels.values()]) {
        if (ch.device !== device || ch.hungup) continue;
        // The phone is the far end: for a Local agent that is the ;2 half.
        if (ch.localHalf === 1) continue;
        box.tel.hangup(ch, CAUSES.normal, 'far');
      }
    },
    setMember(number, behaviour) {
      phones.numbers.set(number, behaviour);
    },
    setMediaDuration(uri, ms) {
      mediaMs.set(uri, ms);
    },
    setDeviceState(device, state) {
      box.pbx.publishDevice(device, state, false);
    },
    deviceState(device) {
      return box.pbx.deviceStates.get(device);
    },
    call(opts) {
      return placeCall(box, opts);
    },
    originateCount(endpoint) {
      return phones.originates.get(deviceOf(endpoint)) ?? 0;
    },
    channelCount() {
      return box.pbx.channels.size;
    },
    waitForChannelCount(n, timeoutMs = 10_000) {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const poll = () => {
          if (box.pbx.channels.size === n) return resolve();
          if (Date.now() - started > timeoutMs) {
            return reject(new Error(`channel count is ${box.pbx.channels.size}, expected ${n} within ${timeoutMs} ms`));
          }
          setTimeout(poll, 10);
        };
        poll();
      });
    },
    async stopAmi() {
      await box.stopAmi();
    },
    async startAmi() {
      await box.startAmi(amiPort);
    },
    async stopAri() {
      await box.stopAri();
    },
    async startAri() {
      await box.startAri(ariPort);
    },
    async restart() {
      await box.shutdown();
      box = makeBox();
      await box.startAmi(amiPort);
      await box.startAri(ariPort);
    },
    async close() {
      await box.shutdown();
    },
  };
  return sim;
}
