// Advisors record their own name or greeting by phone. The dialplan's feature codes
// (`*71` name, `*72` greeting) enter `Stasis(cti,record=<name|greeting>,lang=<zh|en>)`;
// the call flow leaves those channels to us. We find the advisor by the calling device
// (the channel name, which Asterisk sets from the authenticated endpoint, never the
// caller ID), play the instructions, record with ARI (beep, `#` ends, bounded length),
// play the take back, and on "1 keep" fetch the file over ARI and file it with the
// prompts library, whose recorded prompts beat TTS. Takes are always deleted on
// Asterisk afterwards; a hang-up before "keep" saves nothing.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LANGUAGES, type Advisor, type Language } from '../../domain/model.js';
import { RECORDED_KINDS, type PromptId, type RecordedKind } from '../../../ivr-prompts/catalog.js';
import type { PromptLibrary } from '../../prompts/library.js';
import { ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { AriClient } from '../ari/client.js';
import type { AriEvent } from '../ari/events.js';
import type { AriChannel } from '../ari/models.js';
import { ARI_CHANNEL_STATES, ARI_EVENTS, ARI_HANGUP_REASONS } from '../ari/protocol.js';
import { deviceForEndpoint } from '../device-state/phone-state.js';
import { isGone } from './call-control.js';
import { CallerGoneError, deferred, unlessGone, type Deferred } from './inbound-call.js';

/** Stasis arguments of a self-recording call: `record=<kind>`, `lang=<language>`. */
export const SELF_RECORDING_ARGS = { record: 'record', language: 'lang' } as const;
export const DEFAULT_RECORDING_LANGUAGE: Language = 'zh';

const PROMPTS = {
  name: 'record-name-instructions',
  greeting: 'record-greeting-instructions',
  review: 'record-review',
  saved: 'record-saved',
  goodbye: 'goodbye',
  noKey: 'no-key',
  invalidKey: 'invalid-key',
} as const satisfies Record<string, PromptId>;
const REVIEW_KEYS = { keep: '1', again: '2' } as const;
/** Keys that end a take (`terminateOn`); their events may arrive after the take ended. */
const TAKE_END_KEY = '#';
const RECORDING_FORMAT = 'wav';
/** Names of our takes on Asterisk: takes nobody is working on are swept after a reconnect. */
const TAKE_PREFIX = 'cti-self-';
const RECORDING_MEDIA = 'recording:';
const STASIS_APP_NAME = 'Stasis';
/** After a hang-up, how long Asterisk gets to finish (and store) the take before we delete it. */
const FINISH_GRACE_MS = 2000;
/** Beyond the take's maximum length, how long before we stop a take ourselves. */
const TAKE_OVERRUN_MS = 10_000;
const FETCH_TIMEOUT_MS = 15_000;

export interface SelfRecordingRequest {
  kind: RecordedKind;
  language: Language;
}

export type SelfRecordingArgs = { ok: true; request: SelfRecordingRequest } | { ok: false; problem: string };

const argValue = (args: readonly string[], key: string): string | undefined =>
  args.map((a) => a.trim()).find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1).trim();

/** True when StasisStart arguments ask for a self-recording (the call flow ignores those). */
export function isSelfRecordingArgs(args: readonly string[]): boolean {
  return argValue(args, SELF_RECORDING_ARGS.record) !== undefined;
}

/** `record=name|greeting` is required; `lang` defaults to Mandarin, like the front IVR. */
export function parseSelfRecordingArgs(args: readonly string[]): SelfRecordingArgs {
  const kind = argValue(args, SELF_RECORDING_ARGS.record);
  if (!kind || !(RECORDED_KINDS as readonly string[]).includes(kind)) {
    return { ok: false, problem: `record=${kind ?? ''} is not one of ${RECORDED_KINDS.join(', ')}` };
  }
  const language = argValue(args, SELF_RECORDING_ARGS.language) || DEFAULT_RECORDING_LANGUAGE;
  if (!(LANGUAGES as readonly string[]).includes(language)) {
    return { ok: false, problem: `lang=${language} is not one of ${LANGUAGES.join(', ')}` };
  }
  return { ok: true, request: { kind: kind as RecordedKind, language: language as Language } };
}

/**
 * The device a channel belongs to, from its name: `PJSIP/1001-0000000a` -> `PJSIP/1001`,
 * `SIP/1001-00000001` -> `SIP/1001`, `Local/1001@cti-agents-00000001;2` -> `Local/1001@cti-agents`.
 */
export function deviceOfChannel(channelName: string): string | null {
  const local = /^Local\/(.+)-[0-9a-f]+;[12]$/i.exec(channelName);
  const other = /^([A-Za-z0-9_]+\/.+)-[0-9a-f]+$/i.exec(channelName);
  const device = local ? `Local/${local[1]}` : other?.[1];
  return device ? deviceForEndpoint(device) : null;
}

/** Where advisors are looked up (the AdvisorDirectory satisfies it). */
export interface AdvisorLookup {
  byDevice(device: string): Advisor | undefined;
  all(): Advisor[];
}

/**
 * The advisor whose endpoint is this device; else the one advisor whose endpoint is a Local
 * channel to the same extension (`PJSIP/1001` calling, endpoint `Local/1001@cti-agents`).
 */
export function advisorOfDevice(advisors: AdvisorLookup, device: string): Advisor | undefined {
  const direct = advisors.byDevice(device);
  if (direct || device.startsWith('Local/')) return direct;
  const resource = device.slice(device.indexOf('/') + 1);
  const viaLocal = advisors.all().filter((a) => deviceForEndpoint(a.endpoint)?.startsWith(`Local/${resource}@`));
  return viaLocal.length === 1 ? viaLocal[0] : undefined;
}

/** One Asterisk node as self-recording uses it (AsteriskNodeLink satisfies it). */
export interface SelfRecordingNode {
  readonly name: string;
  readonly ari: Pick<AriClient, 'app' | 'channels' | 'playbacks' | 'recordings' | 'on' | 'off'>;
}

export interface SelfRecordingOptions {
  nodes: readonly SelfRecordingNode[];
  advisors: AdvisorLookup;
  prompts: Pick<PromptLibrary, 'media' | 'fileRecording'>;
  logger: Logger;
  /** Time to press a key after the review prompt (default 6 s, like CTI_KEY_TIMEOUT). */
  keyTimeoutMs?: number;
  /** Takes per call before giving up (default 3). */
  maxTakes?: number;
  /** Longest take in seconds, per kind (default name 10, greeting 30: the library's limit). */
  maxSeconds?: Readonly<Record<RecordedKind, number>>;
  /** Review menu replays after silence or a wrong key (default 1). */
  reviewRetries?: number;
}

export type SelfRecordingOutcome = 'saved' | 'refused' | 'no-choice' | 'gave-up' | 'hung-up' | 'failed';

export interface SelfRecording {
  /** Advisors recording right now. */
  active(): number;
  /** Called with each call's outcome once it has ended and its takes are deleted. */
  onEnded(listener: (outcome: { channelId: string; advisorId: number | null; outcome: SelfRecordingOutcome }) => void): void;
  /** Stops listening; recordings in progress are hung up, their takes deleted. */
  stop(): Promise<void>;
}

interface Session {
  node: SelfRecordingNode;
  channelId: string;
  abort: AbortController;
  keyListener: ((digit: string) => void) | null;
  playbacks: Map<string, () => void>;
  takes: string[];
  /** The caller hung up (the channel needs no hang-up from us). */
  callerGone: boolean;
  language: Language;
  advisorId: number | null;
  saved: boolean;
  log: Logger;
}

interface LiveTake {
  session: Session;
  finished: Deferred<'done' | 'failed'>;
}

type TakeResult = { kind: 'take'; name: string } | { kind: 'unusable' };

/** False when ARI says the resource is not there (any more). */
async function exists(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return true;
  } catch (err) {
    if (isGone(err)) return false;
    throw err;
  }
}

export function attachSelfRecording(options: SelfRecordingOptions): SelfRecording {
  const keyTimeoutMs = options.keyTimeoutMs ?? 6000;
  const maxTakes = options.maxTakes ?? 3;
  const maxSeconds = options.maxSeconds ?? { name: 10, greeting: 30 };
  const reviewRetries = options.reviewRetries ?? 1;
  const log = options.logger.child({ component: 'self-recording' });
  const sessions = new Map<string, Session>();
  const takes = new Map<string, LiveTake>();
  const running = new Set<Promise<void>>();
  const endedListeners: Array<Parameters<SelfRecording['onEnded']>[0]> = [];

  const play = async (s: Session, media: readonly string[], language: Language, bargeIn: boolean): Promise<string | null> => {
    const playbackId = `cti-rec-pb-${randomUUID()}`;
    const finished = deferred<void>();
    let key: string | null = null;
    s.playbacks.set(playbackId, () => finished.resolve());
    if (bargeIn) {
      s.keyListener = (digit) => {
        if (digit === TAKE_END_KEY) return;
        key ??= digit;
        finished.resolve();
        s.node.ari.playbacks.stop(playbackId).catch(() => undefined);
      };
    }
    try {
      await unlessGone(s.abort.signal, s.node.ari.channels.play(s.channelId, media, { playbackId, lang: language }));
      await unlessGone(s.abort.signal, finished.promise);
      return key;
    } catch (err) {
      if (isGone(err)) throw new CallerGoneError('channel gone before the prompt played');
      throw err;
    } finally {
      s.playbacks.delete(playbackId);
      if (bargeIn) s.keyListener = null;
    }
  };

  const prompt = async (s: Session, promptId: PromptId, language: Language): Promise<void> => {
    await play(s, (await options.prompts.media({ promptId, language })).media, language, false);
  };

  const waitKey = (s: Session): Promise<string | null> => {
    const got = deferred<string | null>();
    const timer = setTimeout(() => got.resolve(null), keyTimeoutMs);
    s.keyListener = (digit) => {
      if (digit !== TAKE_END_KEY) got.resolve(digit);
    };
    return unlessGone(s.abort.signal, got.promise).finally(() => {
      clearTimeout(timer);
      s.keyListener = null;
    });
  };

  /** One take: beep, record until `#` or the maximum, wait for Asterisk to store it. */
  const record = async (s: Session, advisorId: number, request: SelfRecordingRequest): Promise<TakeResult> => {
    const name = `${TAKE_PREFIX}${advisorId}-${request.kind}-${request.language}-${randomUUID()}`;
    const finished = deferred<'done' | 'failed'>();
    takes.set(name, { session: s, finished });
    s.takes.push(name);
    const seconds = maxSeconds[request.kind];
    try {
      await s.node.ari.channels.record(s.channelId, {
        name,
        format: RECORDING_FORMAT,
        maxDurationSeconds: seconds,
        beep: true,
        terminateOn: TAKE_END_KEY,
        ifExists: 'fail',
      });
    } catch (err) {
      finished.resolve('failed');
      if (isGone(err) && s.abort.signal.aborted) throw new CallerGoneError('hung up before the take');
      throw err;
    }
    const overrun = setTimeout(() => {
      s.log.warn({ take: name }, 'take ran past its maximum; stopping it');
      s.node.ari.recordings.stopLive(name).catch(() => finished.resolve('failed'));
    }, seconds * 1000 + TAKE_OVERRUN_MS);
    try {
      const state = await unlessGone(s.abort.signal, finished.promise);
      return state === 'done' ? { kind: 'take', name } : { kind: 'unusable' };
    } finally {
      clearTimeout(overrun);
    }
  };

  /** Plays the take back with the keep / record-again menu; null when no valid key came. */
  const review = async (s: Session, take: string, language: Language): Promise<string | null> => {
    const menu = (await options.prompts.media({ promptId: PROMPTS.review, language })).media;
    const valid: readonly string[] = [REVIEW_KEYS.keep, REVIEW_KEYS.again];
    for (let round = 0; round <= reviewRetries; round++) {
      const media = round === 0 ? [`${RECORDING_MEDIA}${take}`, ...menu] : menu;
      const key = (await play(s, media, language, true)) ?? (await waitKey(s));
      if (key !== null && valid.includes(key)) return key;
      if (round < reviewRetries) await prompt(s, key === null ? PROMPTS.noKey : PROMPTS.invalidKey, language);
    }
    return null;
  };

  /** Fetches the take over ARI and files it; false when the library refuses it (too short or long). */
  const save = async (s: Session, advisorId: number, request: SelfRecordingRequest, take: string): Promise<boolean> => {
    const dir = await mkdtemp(join(tmpdir(), 'cti-self-recording-'));
    try {
      const file = await s.node.ari.recordings.fetchStoredFile(take, FETCH_TIMEOUT_MS);
      const sourcePath = join(dir, `${take}.${RECORDING_FORMAT}`);
      await writeFile(sourcePath, file.data);
      const saved = await options.prompts.fileRecording({ advisorId, kind: request.kind, language: request.language, sourcePath });
      s.saved = true;
      s.log.info({ media: saved.media, durationMs: saved.durationMs }, 'advisor recording saved');
      return true;
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      s.log.info({ problem: err.message }, 'take refused by the prompts library; recording again');
      return false;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  const converse = async (s: Session, channel: AriChannel, args: readonly string[]): Promise<{ advisorId: number | null; outcome: SelfRecordingOutcome }> => {
    const parsed = parseSelfRecordingArgs(args);
    const language = parsed.ok ? parsed.request.language : DEFAULT_RECORDING_LANGUAGE;
    const device = deviceOfChannel(channel.name);
    const advisor = device ? advisorOfDevice(options.advisors, device) : undefined;
    s.language = language;
    if (channel.state !== ARI_CHANNEL_STATES.Up) {
      await unlessGone(s.abort.signal, s.node.ari.channels.answer(s.channelId)).catch((err: unknown) => {
        throw isGone(err) ? new CallerGoneError('hung up before the answer') : err;
      });
    }
    if (!parsed.ok || !advisor) {
      s.log.warn({ device, problem: parsed.ok ? 'device is no advisor\'s' : parsed.problem }, 'self-recording refused');
      await prompt(s, PROMPTS.goodbye, language);
      return { advisorId: advisor?.id ?? null, outcome: 'refused' };
    }
    const { request } = parsed;
    s.advisorId = advisor.id;
    s.log = s.log.child({ advisorId: advisor.id, kind: request.kind, language });
    s.log.info('advisor recording their own prompt');
    for (let attempt = 1; attempt <= maxTakes; attempt++) {
      await prompt(s, PROMPTS[request.kind], language);
      const take = await record(s, advisor.id, request);
      if (take.kind === 'unusable') continue;
      const key = await review(s, take.name, language);
      if (key === null) {
        await prompt(s, PROMPTS.goodbye, language);
        return { advisorId: advisor.id, outcome: 'no-choice' };
      }
      if (key === REVIEW_KEYS.again) continue;
      if (await save(s, advisor.id, request, take.name)) {
        await prompt(s, PROMPTS.saved, language);
        return { advisorId: advisor.id, outcome: 'saved' };
      }
    }
    await prompt(s, PROMPTS.goodbye, language);
    return { advisorId: advisor.id, outcome: 'gave-up' };
  };

  /** Deletes every take of the call on Asterisk (a hang-up mid-take still stores it there). */
  const cleanUp = async (s: Session): Promise<void> => {
    for (const name of s.takes) {
      const live = takes.get(name);
      if (live && !live.finished.settled) {
        await Promise.race([live.finished.promise, new Promise((r) => setTimeout(r, FINISH_GRACE_MS).unref())]);
        if (!live.finished.settled) await s.node.ari.recordings.cancelLive(name).catch(() => undefined);
      }
      takes.delete(name);
      await s.node.ari.recordings.deleteStored(name).catch((err: unknown) => {
        if (!isGone(err)) s.log.warn({ err, take: name }, 'could not delete a take on Asterisk');
      });
    }
    if (!s.callerGone) {
      await s.node.ari.channels.hangup(s.channelId, { reason: ARI_HANGUP_REASONS.normal }).catch((err: unknown) => {
        if (!isGone(err)) s.log.warn({ err }, 'could not hang up after self-recording');
      });
    }
  };

  const start = (node: SelfRecordingNode, channel: AriChannel, args: readonly string[]): void => {
    if (sessions.has(channel.id)) return;
    const s: Session = {
      node,
      channelId: channel.id,
      abort: new AbortController(),
      keyListener: null,
      playbacks: new Map(),
      takes: [],
      callerGone: false,
      language: DEFAULT_RECORDING_LANGUAGE,
      advisorId: null,
      saved: false,
      log: log.child({ node: node.name, channelId: channel.id }),
    };
    sessions.set(channel.id, s);
    const run = converse(s, channel, args)
      .catch(async (err: unknown): Promise<{ advisorId: number | null; outcome: SelfRecordingOutcome }> => {
        if (s.saved) return { advisorId: s.advisorId, outcome: 'saved' };
        if (err instanceof CallerGoneError) return { advisorId: s.advisorId, outcome: 'hung-up' };
        s.log.error({ err }, 'self-recording failed; nothing saved');
        // A closing line rather than a silent hang-up; the advisor can simply try again.
        await prompt(s, PROMPTS.goodbye, s.language).catch(() => undefined);
        return { advisorId: s.advisorId, outcome: 'failed' };
      })
      .then(async (result) => {
        await cleanUp(s).catch((err: unknown) => s.log.warn({ err }, 'self-recording cleanup failed'));
        s.log.info({ outcome: result.outcome }, 'self-recording ended');
        for (const listener of endedListeners) listener({ channelId: channel.id, ...result });
      })
      .finally(() => {
        sessions.delete(channel.id);
        running.delete(run);
      });
    running.add(run);
  };

  const gone = (channelId: string, why: string): void => {
    const s = sessions.get(channelId);
    if (!s) return;
    s.callerGone = true;
    s.abort.abort(why);
  };

  const handlers = options.nodes.map((node) => {
    const onEvent = (event: AriEvent): void => {
      switch (event.type) {
        case ARI_EVENTS.StasisStart:
          if (isSelfRecordingArgs(event.args)) start(node, event.channel, event.args);
          return;
        case ARI_EVENTS.ChannelHangupRequest:
        case ARI_EVENTS.StasisEnd:
        case ARI_EVENTS.ChannelDestroyed:
          return gone(event.channel.id, 'hung up');
        case ARI_EVENTS.ChannelDtmfReceived:
          sessions.get(event.channel.id)?.keyListener?.(event.digit);
          return;
        case ARI_EVENTS.PlaybackFinished: {
          const channelId = event.playback.target_uri.replace(/^channel:/, '');
          sessions.get(channelId)?.playbacks.get(event.playback.id)?.();
          return;
        }
        case ARI_EVENTS.RecordingFinished:
          takes.get(event.recording.name)?.finished.resolve('done');
          return;
        case ARI_EVENTS.RecordingFailed:
          takes.get(event.recording.name)?.session.log.warn({ cause: event.recording.cause }, 'take failed on Asterisk');
          takes.get(event.recording.name)?.finished.resolve('failed');
          return;
        default:
          return;
      }
    };
    const onConnected = (): void => {
      resync(node).catch((err: unknown) => log.warn({ err, node: node.name }, 'self-recording resync failed'));
    };
    node.ari.on('event', onEvent);
    node.ari.on('connected', onConnected);
    return { node, onEvent, onConnected };
  });

  /**
   * After a (re)connect: calls of ours whose channel vanished meanwhile end (their takes are
   * deleted); prompts and takes that finished unseen are settled (a take Asterisk stored
   * counts as done); advisors left recording by a previous server are hung up, nothing saved,
   * and takes left on Asterisk by a call that ended while this server was away are deleted.
   */
  const resync = async (node: SelfRecordingNode): Promise<void> => {
    const channels = await node.ari.channels.list();
    const live = new Set(channels.map((c) => c.id));
    for (const s of [...sessions.values()].filter((session) => session.node === node)) {
      if (!live.has(s.channelId)) {
        gone(s.channelId, 'gone while disconnected');
        continue;
      }
      for (const [playbackId, finished] of [...s.playbacks]) if (!(await exists(() => node.ari.playbacks.get(playbackId)))) finished();
      for (const name of s.takes) {
        const take = takes.get(name);
        if (!take || take.finished.settled || (await exists(() => node.ari.recordings.getLive(name)))) continue;
        take.finished.resolve((await exists(() => node.ari.recordings.getStored(name))) ? 'done' : 'failed');
      }
    }
    for (const channel of channels) {
      if (sessions.has(channel.id) || channel.dialplan.app_name !== STASIS_APP_NAME) continue;
      const [app, ...args] = (channel.dialplan.app_data ?? '').split(',');
      if (app !== node.ari.app || !isSelfRecordingArgs(args)) continue;
      log.info({ node: node.name, channelId: channel.id }, 'self-recording call left by a previous server; hanging up');
      await node.ari.channels.hangup(channel.id, { reason: ARI_HANGUP_REASONS.normal }).catch(() => undefined);
    }
    for (const stored of await node.ari.recordings.listStored()) {
      if (!stored.name.startsWith(TAKE_PREFIX) || takes.has(stored.name)) continue;
      await node.ari.recordings.deleteStored(stored.name).catch(() => undefined);
    }
  };

  return {
    active: () => sessions.size,
    onEnded: (listener) => void endedListeners.push(listener),
    async stop() {
      for (const s of sessions.values()) s.abort.abort('server stopping');
      while (running.size > 0) await Promise.allSettled([...running]);
      for (const { node, onEvent, onConnected } of handlers) {
        node.ari.off('event', onEvent);
        node.ari.off('connected', onConnected);
      }
    },
  };
}
