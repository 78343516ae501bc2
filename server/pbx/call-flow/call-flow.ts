// The Stasis application of one Asterisk node: it turns ARI events into call events.
// Callers entering Stasis start an inbound call; agent legs (appArgs `agent,<callId>`)
// are matched to their call and never routed; hang-ups, keys, playback ends and dial
// progress are delivered to the call they belong to. After an ARI reconnect, `resync`
// settles calls whose channels ended while we were away; the others carry on.
import type { Logger } from '../../shared/logger.js';
import type { AriEvent } from '../ari/events.js';
import type { AriChannel } from '../ari/models.js';
import { ARI_CHANNEL_STATES, ARI_EVENTS, HANGUP_CAUSES } from '../ari/protocol.js';
import { legOutcomeOf } from './agent-ringer.js';
import type { CallControl } from './call-control.js';
import type { IvrResult } from './events.js';
import { InboundCall } from './inbound-call.js';
import type { InboundScript } from './inbound-script.js';
import { parseStasisArgs, type StasisEntry } from './stasis-args.js';
import { isSelfRecordingArgs } from './self-recording.js';

export interface CallFlowOptions {
  node: string;
  /** The Stasis application name: callers found in it after a restart are adopted. */
  app: string;
  control: CallControl;
  script: InboundScript;
  log: Logger;
  now: () => number;
}

const CHANNEL_TARGET = 'channel:';
/** `dialplan.app_name` of a channel sitting in a Stasis application. */
const STASIS_APP_NAME = 'Stasis';

export class CallFlow {
  private readonly calls = new Map<string, InboundCall>();
  private readonly legs = new Map<string, InboundCall>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: CallFlowOptions) {}

  /** Calls in progress on this node. */
  activeCalls(): InboundCall[] {
    return [...this.calls.values()];
  }

  /** Lets the ringer match a leg's events to its call before the originate returns. */
  trackLeg(channelId: string, call: InboundCall): void {
    this.legs.set(channelId, call);
  }

  untrackLeg(channelId: string): void {
    this.legs.delete(channelId);
  }

  /** One ARI event of this node. Never throws: a bad or late event is logged and dropped. */
  handle(event: AriEvent): void {
    if (this.stopped) return;
    try {
      this.dispatch(event);
    } catch (err) {
      this.options.log.error({ err, type: event.type }, 'ARI event handling failed');
    }
  }

  private dispatch(event: AriEvent): void {
    switch (event.type) {
      case ARI_EVENTS.StasisStart:
        return this.onStasisStart(event.channel, event.args);
      case ARI_EVENTS.StasisEnd:
        return this.onChannelGone(event.channel.id, null, 'left Stasis');
      case ARI_EVENTS.ChannelHangupRequest:
        // The caller is hanging up: stop ringing agents now rather than at ChannelDestroyed.
        if (this.calls.has(event.channel.id)) this.onChannelGone(event.channel.id, null, 'hangup requested');
        return;
      case ARI_EVENTS.ChannelDestroyed:
        return this.onChannelGone(event.channel.id, event.cause, 'destroyed');
      case ARI_EVENTS.ChannelDtmfReceived:
        this.calls.get(event.channel.id)?.keyListener?.(event.digit);
        return;
      case ARI_EVENTS.ChannelStateChange: {
        const call = this.calls.get(event.channel.id);
        if (call && event.channel.state === ARI_CHANNEL_STATES.Up) call.channelUp = true;
        return;
      }
      case ARI_EVENTS.PlaybackFinished: {
        const target = event.playback.target_uri;
        if (!target.startsWith(CHANNEL_TARGET)) return;
        this.calls.get(target.slice(CHANNEL_TARGET.length))?.playbacks.get(event.playback.id)?.();
        return;
      }
      case ARI_EVENTS.Dial: {
        const call = this.legs.get(event.peer.id);
        if (call?.leg?.channelId === event.peer.id && event.dialstatus) call.leg.dialStatus = event.dialstatus;
        return;
      }
      default:
        return;
    }
  }

  private onStasisStart(channel: AriChannel, args: readonly string[]): void {
    const { log } = this.options;
    const entry = parseStasisArgs(args);
    if (entry.kind === 'agent-leg') return this.onAgentAnswered(channel);
    // The callback dialer listens to the same app and handles its own legs.
    if (entry.kind === 'callback-leg') return;
    // Advisors recording their own prompts (`record=...`) are handled by self-recording.ts.
    if (isSelfRecordingArgs(args)) return;
    if (this.calls.has(channel.id)) return;
    const ivr =
      entry.kind === 'caller' ? entry.ivr : { choice: null, language: null, memberNo: null, extra: {} as Record<string, string> };
    if (entry.kind === 'invalid') {
      log.warn({ channelId: channel.id, problem: entry.problem }, 'caller entered Stasis with unreadable arguments; routing without IVR data');
    }
    this.startCall(channel, ivr, this.options.now());
  }

  private startCall(channel: AriChannel, ivr: IvrResult, startedAt: number): InboundCall {
    const call = new InboundCall({
      node: this.options.node,
      channelId: channel.id,
      callerNumber: channel.caller.number.trim(),
      channelUp: channel.state === ARI_CHANNEL_STATES.Up,
      ivr,
      now: startedAt,
      log: this.options.log.child({ callId: `${this.options.node}:${channel.id}`, channelId: channel.id }),
      clock: this.options.now,
    });
    this.calls.set(channel.id, call);
    const run = this.options.script.run(call).finally(() => {
      this.calls.delete(channel.id);
      this.running.delete(run);
    });
    this.running.add(run);
    return call;
  }

  private onAgentAnswered(channel: AriChannel): void {
    const call = this.legs.get(channel.id);
    const leg = call?.leg;
    if (!call || !leg || leg.channelId !== channel.id || leg.outcome.settled) {
      // Answered after its caller left or after the ring timeout: nobody to talk to.
      this.options.log.info({ channelId: channel.id }, 'agent answered a call that is over; hanging up the agent leg');
      this.options.control.hangup(channel.id).catch((err: unknown) => this.options.log.warn({ err }, 'could not hang up a stale agent leg'));
      return;
    }
    leg.outcome.resolve('answered');
  }

  private onChannelGone(channelId: string, cause: number | null, how: string): void {
    const caller = this.calls.get(channelId);
    if (caller) {
      caller.markGone(how);
      return;
    }
    const call = this.legs.get(channelId);
    if (!call) return;
    const leg = call.leg?.channelId === channelId ? call.leg : null;
    if (cause !== null || how === 'left Stasis') {
      if (cause !== null) this.legs.delete(channelId);
      if (!leg) return;
      if (cause !== null) leg.destroyed = true;
      if (!leg.outcome.settled) leg.outcome.resolve(legOutcomeOf(leg.dialStatus, cause ?? HANGUP_CAUSES.Unknown));
      else leg.hungUp.resolve();
    }
  }

  /**
   * After the ARI socket reconnected: channels that vanished while we were away are
   * settled (caller gone: the call ends; agent leg gone: ringing failed or the agent hung
   * up), playbacks that finished unseen are released. Calls still alive carry on.
   */
  async resync(): Promise<{ live: number; settled: number }> {
    const channels = await this.options.control.listChannels();
    const live = new Set(channels.map((c) => c.id));
    let settled = 0;
    for (const call of [...this.calls.values()]) {
      if (!live.has(call.channelId)) {
        call.lost = true;
        call.markGone('gone while disconnected from Asterisk');
        settled++;
        continue;
      }
      const leg = call.leg;
      if (leg && !live.has(leg.channelId)) {
        this.onChannelGone(leg.channelId, HANGUP_CAUSES.NoAnswer, 'gone while disconnected');
        settled++;
      }
      for (const [playbackId, finished] of [...call.playbacks]) {
        if (!(await this.options.control.playbackExists(playbackId))) finished();
      }
      if (call.answered && call.leg && call.bridgeId && live.has(call.leg.channelId)) await this.rebridge(call, call.bridgeId);
    }
    await this.options.control.replayCleanup();
    for (const channelId of [...this.legs.keys()]) if (!live.has(channelId)) this.legs.delete(channelId);
    await this.adoptOrphans(channels);
    this.options.log.info({ live: this.calls.size, settled }, 'call flow resynced');
    return { live: this.calls.size, settled };
  }

  /**
   * Callers sitting in our Stasis app that no call flow knows (this server restarted, or
   * took over the node from one that died): routed from where they are. Callers already
   * bridged to someone are talking and left alone. Agent legs of calls this flow does not
   * know cannot be resumed (their caller is gone or routed afresh) and are hung up, so
   * the agent is free again, unless they are talking to someone in a bridge.
   */
  private async adoptOrphans(channels: readonly AriChannel[]): Promise<void> {
    const orphans = channels.flatMap((channel): Array<{ channel: AriChannel; entry: StasisEntry }> => {
      if (this.calls.has(channel.id) || this.legs.has(channel.id)) return [];
      if (channel.dialplan.app_name !== STASIS_APP_NAME) return [];
      const [app, ...args] = (channel.dialplan.app_data ?? '').split(',');
      if (app !== this.options.app) return [];
      const entry = parseStasisArgs(args);
      if (entry.kind === 'agent-leg') return [{ channel, entry }];
      return entry.kind === 'caller' && !isSelfRecordingArgs(args) ? [{ channel, entry }] : [];
    });
    if (orphans.length === 0) return;
    const bridges = await this.options.control.listBridges();
    const bridged = new Set(bridges.flatMap((b) => b.channels));
    const talking = new Set(bridges.filter((b) => b.channels.length > 1).flatMap((b) => b.channels));
    for (const { channel, entry } of orphans) {
      if (entry.kind === 'agent-leg') {
        if (talking.has(channel.id)) continue;
        this.options.log.info({ channelId: channel.id, callId: entry.callId }, 'hanging up an agent leg of a call this server does not know (server restarted or node taken over)');
        await this.options.control.hangup(channel.id).catch((err: unknown) => this.options.log.warn({ err, channelId: channel.id }, 'could not hang up an orphaned agent leg'));
        continue;
      }
      // Checked again: the caller may have been taken (its StasisStart arrived) while the bridges were listed.
      if (entry.kind !== 'caller' || bridged.has(channel.id) || this.calls.has(channel.id)) continue;
      const created = Date.parse(channel.creationtime);
      const call = this.startCall(channel, entry.ivr, Number.isFinite(created) ? created : this.options.now());
      // Whatever the previous owner left playing (music on hold) is stopped before our first prompt.
      call.holdMusic = true;
      call.log.info('adopted a caller left in Stasis without a call flow');
    }
  }

  /** A connected call whose bridging was cut by the outage: put both parties in the bridge. */
  private async rebridge(call: InboundCall, bridgeId: string): Promise<void> {
    const members = await this.options.control.bridgeChannels(bridgeId);
    const missing = [call.channelId, call.leg!.channelId].filter((id) => !members?.includes(id));
    if (members === null || missing.length === 0) return;
    call.log.info({ missing }, 'bridge incomplete after reconnect; adding the missing channels');
    await this.options.control.addToBridge(bridgeId, missing);
  }

  /**
   * Stops taking events. Callers still being routed go back to the dialplan (its fallback
   * queue) rather than into dead air; connected calls stay bridged in Asterisk.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const calls = this.activeCalls();
    const handBack = calls
      .filter((call) => !call.answered && !call.gone)
      .map((call) => this.options.control.returnToDialplan(call.channelId).catch(() => false));
    await Promise.all(handBack);
    // No events reach a stopped flow: its scripts would wait (or retry Asterisk) for ever.
    for (const call of calls) call.release('call flow stopped');
  }

  /** Resolves when every call script has finished (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
