import { AmiConnection } from './connection.js';
import { AmiProtocolError } from './errors.js';
import type { AmiActionFields, AmiMessage } from './message.js';
import { AMI_ACTIONS, AMI_KEYS, ORIGINATE_REASONS, ORIGINATE_RESULTS } from './protocol.js';

export interface AmiOriginateParams {
  /** Dial string, e.g. `PJSIP/1001` or `Local/1001@agents`. */
  channel: string;
  /** Where the answered channel goes: a dialplan location... */
  context?: string;
  exten?: string;
  priority?: number | string;
  /** ...or an application. */
  application?: string;
  data?: string;
  /** How long to ring, in ms (Originate `Timeout:`; Asterisk's default is 30 000). */
  timeoutMs?: number;
  callerId?: string;
  variables?: Record<string, string>;
  account?: string;
  channelId?: string;
  otherChannelId?: string;
  earlyMedia?: boolean;
}

export interface AmiOriginateResult {
  /** OriginateResponse `Response: Success` (the far end answered). */
  success: boolean;
  /** OriginateResponse `Reason:` code: 4 answered, 0 failed, 5 busy, 3 ring timeout... */
  reason: number;
  reasonText: string;
  channel: string;
  /** `null` when Asterisk created no channel (`Uniqueid: <unknown>`). */
  uniqueid: string | null;
  event: AmiMessage;
}

/** How long past the ring timeout to wait for OriginateResponse before giving up. */
const ORIGINATE_MARGIN_MS = 10_000;

/** The AMI session plus typed wrappers for the actions the CTI server uses. */
export class AmiClient extends AmiConnection {
  async getvar(variable: string, channel?: string): Promise<string> {
    const { response } = await this.action(AMI_ACTIONS.Getvar, { [AMI_KEYS.Channel]: channel, [AMI_KEYS.Variable]: variable });
    return response.get(AMI_KEYS.Value) ?? '';
  }

  async setvar(variable: string, value: string, channel?: string): Promise<void> {
    await this.action(AMI_ACTIONS.Setvar, { [AMI_KEYS.Channel]: channel, [AMI_KEYS.Variable]: variable, [AMI_KEYS.Value]: value });
  }

  /** Runs a CLI command; resolves with its `Output:` lines. A bad command rejects AmiActionError. */
  async command(command: string): Promise<string[]> {
    const { response } = await this.action(AMI_ACTIONS.Command, { Command: command });
    return response.all(AMI_KEYS.Output);
  }

  async hangup(channel: string, cause?: number): Promise<void> {
    await this.action(AMI_ACTIONS.Hangup, { [AMI_KEYS.Channel]: channel, [AMI_KEYS.Cause]: cause });
  }

  async redirect(channel: string, context: string, exten: string, priority: number | string = 1): Promise<void> {
    await this.action(AMI_ACTIONS.Redirect, { [AMI_KEYS.Channel]: channel, Context: context, Exten: exten, Priority: priority });
  }

  async playDtmf(channel: string, digit: string, durationMs?: number): Promise<void> {
    await this.action(AMI_ACTIONS.PlayDTMF, { [AMI_KEYS.Channel]: channel, Digit: digit, Duration: durationMs });
  }

  /** `CoreShowChannel` items (one per channel, both Local halves included). */
  async coreShowChannels(): Promise<AmiMessage[]> {
    return (await this.action(AMI_ACTIONS.CoreShowChannels)).items;
  }

  /** `DeviceStateChange` items with `Device` and `State`, one per device Asterisk knows. */
  async deviceStateList(): Promise<AmiMessage[]> {
    return (await this.action(AMI_ACTIONS.DeviceStateList)).items;
  }

  /** `ExtensionStatus` items, one per hint. */
  async extensionStateList(): Promise<AmiMessage[]> {
    return (await this.action(AMI_ACTIONS.ExtensionStateList)).items;
  }

  /**
   * Async Originate, correlated with its OriginateResponse by ActionID. Resolves when the
   * outcome is known (answered, or failed with a reason); rejects AmiActionError when
   * Asterisk refuses the request itself.
   */
  async originate(params: AmiOriginateParams): Promise<AmiOriginateResult> {
    const hasApp = params.application !== undefined;
    const hasDialplan = params.context !== undefined && params.exten !== undefined;
    if (hasApp === hasDialplan) {
      throw new TypeError('originate needs either application (and data) or context and exten, not both.');
    }
    const ringMs = params.timeoutMs ?? 30_000;
    const fields: AmiActionFields = {
      [AMI_KEYS.Channel]: params.channel,
      Context: params.context,
      Exten: params.exten,
      Priority: params.priority ?? (hasDialplan ? 1 : undefined),
      Application: params.application,
      Data: params.data,
      Timeout: params.timeoutMs,
      CallerID: params.callerId,
      Account: params.account,
      ChannelId: params.channelId,
      OtherChannelId: params.otherChannelId,
      EarlyMedia: params.earlyMedia,
      [AMI_KEYS.Variable]: Object.entries(params.variables ?? {}).map(([k, v]) => `${k}=${v}`),
    };
    const { completion } = await this.originateRaw(fields, ringMs + ORIGINATE_MARGIN_MS);
    if (completion === null) throw new AmiProtocolError('Originate finished without an OriginateResponse');
    const event = completion;
    const reason = Number(event.get(AMI_KEYS.Reason) ?? '0');
    const uniqueid = event.get(AMI_KEYS.Uniqueid);
    return {
      success: event.response === ORIGINATE_RESULTS.Success,
      reason,
      reasonText: (ORIGINATE_REASONS as Record<number, string>)[reason] ?? `reason ${reason}`,
      channel: event.get(AMI_KEYS.Channel) ?? params.channel,
      uniqueid: uniqueid === undefined || uniqueid === '<unknown>' ? null : uniqueid,
      event,
    };
  }
}
