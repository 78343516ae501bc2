// The callback dialer's own channels on one Asterisk node. Both legs of a callback (the
// agent, then the member) are originated into the Stasis app with the appArgs
// `callback,<callbackId>,<agent|member>`; the call flow leaves those to us. This watches
// the node's ARI events for the channels we originated and settles each leg once:
// answered (StasisStart), or how it ended before (Dial status and hangup cause).
// A callback leg it does not watch belongs to a dial this process never started (the
// server died mid-dial and restarted, or took the node over): its other half is gone or
// unknown, so it cannot be resumed and is hung up, on every ARI (re)connect and when it
// answers late; the callback itself comes back to the queue when its lease expires.
import type { AriEvent } from '../pbx/ari/events.js';
import { ARI_EVENTS, DIAL_STATUSES } from '../pbx/ari/protocol.js';
import { legOutcomeOf } from '../pbx/call-flow/agent-ringer.js';
import type { CallControl } from '../pbx/call-flow/call-control.js';
import type { Logger } from '../shared/logger.js';
import { CALLBACK_LEG_TAG } from '../pbx/call-flow/stasis-args.js';

export const CALLBACK_LEGS = { agent: 'agent', member: 'member' } as const;
/** `dialplan.app_name` of a channel sitting in a Stasis application. */
const STASIS_APP_NAME = 'Stasis';
export type CallbackLegKind = (typeof CALLBACK_LEGS)[keyof typeof CALLBACK_LEGS];

export function callbackLegArgs(callbackId: number, leg: CallbackLegKind): string {
  return `${CALLBACK_LEG_TAG},${callbackId},${leg}`;
}

/** How a leg ended before anyone answered it. */
export type LegFailure = 'no-answer' | 'busy' | 'rejected' | 'failed';

export interface WatchedLeg {
  channelId: string;
  /** Resolves 'answered', or how it failed, exactly once. */
  readonly outcome: Promise<'answered' | LegFailure>;
  /** Resolves when the channel is gone (hung up, destroyed), whoever ended it. */
  readonly gone: Promise<void>;
}

/** What the dialer needs of one node: its ARI call control and its events (AsteriskNodeLink satisfies it). */
export interface DialNode {
  readonly name: string;
  readonly control: CallControl;
  readonly ari: {
    on(event: 'event', listener: (event: AriEvent) => void): unknown;
    off(event: 'event', listener: (event: AriEvent) => void): unknown;
    on(event: 'connected', listener: () => void): unknown;
    off(event: 'connected', listener: () => void): unknown;
  };
  readonly connected: { ami: boolean; ari: boolean };
}

interface LegState {
  dialStatus: string;
  answered: boolean;
  settle: (value: 'answered' | LegFailure) => void;
  settled: boolean;
  markGone: () => void;
}

export class CallbackLegs {
  private readonly legs = new Map<string, LegState>();
  private readonly listener = (event: AriEvent) => this.handle(event);
  private readonly onConnected = () => void this.hangUpOrphans();

  constructor(
    readonly node: DialNode,
    private readonly app: string,
    private readonly log: Logger,
  ) {
    node.ari.on('event', this.listener);
    node.ari.on('connected', this.onConnected);
    if (node.connected.ari) this.onConnected();
  }

  detach(): void {
    this.node.ari.off('event', this.listener);
    this.node.ari.off('connected', this.onConnected);
  }

  /**
   * Hangs up the callback legs in our Stasis app that no dial of this process watches,
   * unless they are bridged with someone (an agent and a member still talking); returns how many.
   */
  async hangUpOrphans(): Promise<number> {
    try {
      const [channels, bridges] = await Promise.all([this.node.control.listChannels(), this.node.control.listBridges()]);
      const talking = new Set(bridges.filter((b) => b.channels.length > 1).flatMap((b) => b.channels));
      const orphans = channels.filter((channel) => {
        if (this.legs.has(channel.id) || talking.has(channel.id)) return false;
        if (channel.dialplan?.app_name !== STASIS_APP_NAME) return false;
        const [app, tag] = (channel.dialplan.app_data ?? '').split(',').map((a) => a.trim());
        return app === this.app && tag === CALLBACK_LEG_TAG;
      });
      await Promise.all(orphans.map((channel) => this.hangUpOrphan(channel.id, channel.dialplan?.app_data ?? '')));
      return orphans.length;
    } catch (err) {
      this.log.warn({ err, node: this.node.name }, 'could not look for callback legs left by a previous server; they stay until their parties hang up');
      return 0;
    }
  }

  private async hangUpOrphan(channelId: string, appData: string): Promise<void> {
    this.log.info({ channelId, node: this.node.name, appData }, 'hanging up a callback leg of a dial this server does not know (server restarted or node taken over)');
    await this.node.control.hangup(channelId).catch((err: unknown) => this.log.warn({ err, channelId }, 'could not hang up an orphaned callback leg'));
  }

  /** Starts watching a channel id before its originate is sent (its events may come first). */
  watch(channelId: string): WatchedLeg {
    let settle!: (value: 'answered' | LegFailure) => void;
    let markGone!: () => void;
    const outcome = new Promise<'answered' | LegFailure>((resolve) => (settle = resolve));
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    const state: LegState = {
      dialStatus: DIAL_STATUSES.inProgress,
      answered: false,
      settled: false,
      settle: (value) => {
        if (state.settled) return;
        state.settled = true;
        settle(value);
      },
      markGone: () => {
        markGone();
        this.legs.delete(channelId);
      },
    };
    this.legs.set(channelId, state);
    return { channelId, outcome, gone };
  }

  /** Settles a leg from outside (ring timeout, failed originate, lost link). */
  fail(channelId: string, failure: LegFailure): void {
    this.legs.get(channelId)?.settle(failure);
  }

  /** Forgets a leg that will never send events (originate refused). */
  forget(channelId: string): void {
    const state = this.legs.get(channelId);
    if (!state) return;
    state.settle('failed');
    state.markGone();
  }

  private handle(event: AriEvent): void {
    switch (event.type) {
      case ARI_EVENTS.StasisStart: {
        if (event.args[0] !== CALLBACK_LEG_TAG) return;
        const state = this.legs.get(event.channel.id);
        if (!state) {
          void this.hangUpOrphan(event.channel.id, event.args.join(','));
          return;
        }
        state.answered = true;
        state.settle('answered');
        return;
      }
      case ARI_EVENTS.Dial: {
        const state = this.legs.get(event.peer.id);
        if (state && event.dialstatus) state.dialStatus = event.dialstatus;
        return;
      }
      case ARI_EVENTS.ChannelHangupRequest:
      case ARI_EVENTS.StasisEnd: {
        const state = this.legs.get(event.channel.id);
        if (state?.answered) state.markGone();
        return;
      }
      case ARI_EVENTS.ChannelDestroyed: {
        const state = this.legs.get(event.channel.id);
        if (!state) return;
        state.settle(legOutcomeOf(state.dialStatus, event.cause));
        state.markGone();
        return;
      }
      default:
        return;
    }
  }
}
