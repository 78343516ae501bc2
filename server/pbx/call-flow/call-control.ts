// What the call flow does to channels and bridges, over ARI. Races where a channel,
// bridge or playback vanished first (404, or 409/422 for a channel that just left
// Stasis) are normal in telephony: the "best effort" operations here report them as
// `false` instead of throwing, so cleanup never fails half-way.
import type { AriBridges } from '../ari/bridges.js';
import type { AriChannels } from '../ari/channels.js';
import { AriHttpError, AriTimeoutError, AriUnreachableError } from '../ari/errors.js';
import type { AriBridge, AriChannel } from '../ari/models.js';
import { ARI_HANGUP_REASONS, BRIDGE_TYPES } from '../ari/protocol.js';
import type { AriPlaybacks } from '../ari/resources.js';

/** The ARI resources the call flow uses (the ARI client's `channels`, `bridges`, `playbacks`). */
export interface AriResources {
  channels: AriChannels;
  bridges: AriBridges;
  playbacks: AriPlaybacks;
}

export interface OriginateAgent {
  endpoint: string;
  app: string;
  appArgs: string;
  callerId: string;
  timeoutSeconds: number;
  channelId: string;
  otherChannelId: string;
}

/** Where a caller the app cannot serve goes: the dialplan's fallback (message, then the plain queue). */
export const DIALPLAN_FALLBACK = { context: 'cti-fallback', extension: 's', priority: 1 } as const;

/** True for ARI answers meaning "that channel / bridge / playback is not there (any more)". */
export function isGone(err: unknown): boolean {
  return err instanceof AriHttpError && (err.status === 404 || err.status === 409 || err.status === 422);
}

/** True when the request may or may not have reached Asterisk (connection refused, reset, timeout). */
export function isUnreachable(err: unknown): boolean {
  return err instanceof AriUnreachableError || err instanceof AriTimeoutError;
}

async function bestEffort(action: () => Promise<void>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (err) {
    if (isGone(err)) return false;
    throw err;
  }
}

export class CallControl {
  /** Hang-ups and bridge removals that could not reach Asterisk: replayed after the reconnect. */
  private readonly cleanupLater = new Map<string, () => Promise<void>>();

  constructor(private readonly ari: AriResources) {}

  /** Replays cleanup that failed while Asterisk was unreachable (idempotent: 404 is fine). */
  async replayCleanup(): Promise<number> {
    const pending = [...this.cleanupLater.entries()];
    this.cleanupLater.clear();
    await Promise.allSettled(pending.map(([key, action]) => this.cleanup(key, action)));
    return pending.length;
  }

  private async cleanup(key: string, action: () => Promise<void>): Promise<boolean> {
    try {
      return await bestEffort(action);
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      this.cleanupLater.set(key, action);
      return false;
    }
  }

  answer(channelId: string): Promise<void> {
    return this.ari.channels.answer(channelId);
  }

  /** Queues media on a channel under our own playback id, so its events can be matched before the reply. */
  async play(channelId: string, playbackId: string, media: readonly string[], language: string): Promise<void> {
    await this.ari.channels.play(channelId, media, { playbackId, lang: language });
  }

  /** False when the playback had already finished. */
  stopPlayback(playbackId: string): Promise<boolean> {
    return bestEffort(() => this.ari.playbacks.stop(playbackId));
  }

  /** True when the playback still exists (queued or playing). */
  async playbackExists(playbackId: string): Promise<boolean> {
    try {
      await this.ari.playbacks.get(playbackId);
      return true;
    } catch (err) {
      if (isGone(err)) return false;
      throw err;
    }
  }

  startMoh(channelId: string): Promise<boolean> {
    return bestEffort(() => this.ari.channels.startMoh(channelId));
  }

  stopMoh(channelId: string): Promise<boolean> {
    return bestEffort(() => this.ari.channels.stopMoh(channelId));
  }

  originateAgent(params: OriginateAgent): Promise<AriChannel> {
    return this.ari.channels.originate(params);
  }

  /** False when the channel was already gone; kept for after the reconnect when Asterisk is unreachable. */
  hangup(channelId: string): Promise<boolean> {
    return this.cleanup(`channel:${channelId}`, () => this.ari.channels.hangup(channelId, { reason: ARI_HANGUP_REASONS.normal }));
  }

  /** Hands the caller to the dialplan fallback (see docs/dialplan.md) when the app cannot go on. */
  returnToDialplan(channelId: string): Promise<boolean> {
    return bestEffort(() => this.ari.channels.continueInDialplan(channelId, { ...DIALPLAN_FALLBACK }));
  }

  async createBridge(bridgeId: string, name: string): Promise<void> {
    await this.ari.bridges.create({ type: BRIDGE_TYPES.mixing, bridgeId, name });
  }

  addToBridge(bridgeId: string, channelIds: readonly string[]): Promise<void> {
    return this.ari.bridges.addChannel(bridgeId, channelIds);
  }

  destroyBridge(bridgeId: string): Promise<boolean> {
    return this.cleanup(`bridge:${bridgeId}`, () => this.ari.bridges.destroy(bridgeId));
  }

  /** The channels in a bridge, or null when the bridge is gone. */
  async bridgeChannels(bridgeId: string): Promise<string[] | null> {
    try {
      return (await this.ari.bridges.get(bridgeId)).channels;
    } catch (err) {
      if (isGone(err)) return null;
      throw err;
    }
  }

  /** Every bridge Asterisk has now (for resync after a reconnect). */
  listBridges(): Promise<AriBridge[]> {
    return this.ari.bridges.list();
  }

  /** Every channel Asterisk has now (for resync after a reconnect). */
  listChannels(): Promise<AriChannel[]> {
    return this.ari.channels.list();
  }
}
