// The one model behind both faces: channels, bridges, playbacks, recordings.
import type { ChannelStateName } from './protocol.js';

export interface PartyId {
  num: string;
  name: string;
}

/** What the far end of a dialled channel does; decided by the scenario. */
export type PhoneBehaviour =
  | { kind: 'answer'; ringMs: number; talkMs?: number }
  | { kind: 'no-answer' }
  | { kind: 'busy'; afterMs?: number }
  | { kind: 'reject'; afterMs?: number }
  | { kind: 'unregistered' };

export interface Channel {
  readonly id: string;
  readonly name: string;
  /** Device this channel counts towards (`PJSIP/1001`, `Local/1001@agents`). */
  readonly device: string;
  readonly createdMs: number;
  linkedid: string;
  /** Creation order of the linkedid's channel: the oldest wins when calls are bridged. */
  linkedSeq: number;
  /** Caller ID handed over by the other Local half; applied at the next dialplan step or hang-up. */
  pendingCaller?: PartyId;
  /** Runs dialplan priorities (not an originate's application); its app shows empty once destroyed. */
  inDialplan?: boolean;
  state: ChannelStateName;
  caller: PartyId;
  connected: PartyId;
  context: string;
  exten: string;
  priority: number;
  appName: string;
  appData: string;
  readonly vars: Map<string, string>;
  /** The other half of a Local pair. */
  localPeer?: Channel;
  localHalf?: 1 | 2;
  bridge?: Bridge;
  stasis?: { app: string; args: string[]; leave: (how: 'continue' | 'hangup') => void };
  /** Where ARI `continue` sends the channel (`context,exten,priority`); next priority when unset. */
  continueAt?: string;
  /** Apps that get this channel's events (Stasis membership or an ARI originate). */
  readonly apps: Set<string>;
  /** Apps that keep the subscription after StasisEnd because they originated the channel. */
  readonly originatedBy: Set<string>;
  playback?: Playback;
  recording?: LiveRecording;
  mohClass?: string;
  hungup: boolean;
  /** Aborted when the channel hangs up: every wait inside apps listens to it. */
  readonly abort: AbortController;
  /** DTMF arriving while the dialplan reads digits. */
  digitSink?: (digit: string) => void;
  /** Scripted caller: the digits keyed at the next prompt, '' or undefined for none. */
  scriptedInput?: () => string | undefined;
  /** Scenario hooks (callers and phones) keyed by the channel. */
  onDestroyed: Array<(cause: number) => void>;
  onEvent?: (what: ChannelHookEvent) => void;
}

export type ChannelHookEvent =
  | { type: 'playback'; media: string }
  | { type: 'bridged'; peer: Channel }
  | { type: 'stasis'; app: string; args: string[] }
  | { type: 'queue'; queue: string }
  | { type: 'state'; state: ChannelStateName };

export interface Bridge {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly createdMs: number;
  readonly channels: Channel[];
  readonly apps: Set<string>;
  playback?: Playback;
  mohClass?: string;
}

export interface Playback {
  readonly id: string;
  readonly mediaUris: string[];
  readonly targetUri: string;
  readonly language: string;
  state: 'queued' | 'playing' | 'done' | 'failed' | 'cancelled';
  mediaIndex: number;
  timer?: NodeJS.Timeout;
  readonly target: { channel?: Channel; bridge?: Bridge };
}

export interface LiveRecording {
  readonly name: string;
  readonly format: string;
  readonly targetUri: string;
  readonly startedMs: number;
  state: 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';
  readonly channel: Channel;
  /** Ends the recording as Asterisk does when its channel hangs up: finished and kept. */
  channelGone?: () => void;
  /** A key on the channel while recording (`terminateOn` ends the take). */
  keyed?: (digit: string) => void;
}

export interface StoredRecording {
  readonly name: string;
  readonly format: string;
  /** How long the take lasts (its file is generated with this length); 0 for preloaded ones. */
  readonly durationMs?: number;
}
