// The callback dialer's own channels on one Asterisk node. Both legs of a callback (the
// agent, then the member) are originated into the Stasis app with the appArgs
// `callback,<callbackId>,<agent|member>`; the call flow leaves those to us. This watches
// the node's ARI events for the channels we originated and settles each leg once:
// answered (StasisStart), or how it ended before (Dial status and hangup cause).
import type { AriEvent } from '../pbx/ari/events.js';
import { ARI_EVENTS, DIAL_STATUSES } from '../pbx/ari/protocol.js';
import { legOutcomeOf } from '../pbx/call-flow/agent-ringer.js';
import type { CallControl } from '../pbx/call-flow/call-control.js';
import { CALLBACK_LEG_TAG } from '../pbx/call-flow/stasis-args.js';

export const CALLBACK_LEGS = { agent: 'agent', member: 'member' } as const;
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

  constructor(readonly node: DialNode) {
    node.ari.on('event', this.listener);
  }

  detach(): void {
    this.node.ari.off('event', this.listener);
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
        const state = this.legs.get(event.channel.id);
        if (!state || event.args[0] !== CALLBACK_LEG_TAG) return;
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
