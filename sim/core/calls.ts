// Dialling and hanging up: Local pairs, PJSIP-like phones, originate legs, the Local
// half ordering of the recordings, and Stasis entry/exit.
import type { Channel, PartyId, PhoneBehaviour } from './model.js';
import type { Pbx } from './pbx.js';
import { amiChannel, ariChannel } from './format.js';
import { AMI_PRIVILEGE, CAUSE_TEXT, CAUSES, DIAL_STATUS, STASIS_STATUS } from './protocol.js';
import { endPlayback } from './media.js';

export type DialOutcome = 'answer' | 'busy' | 'noanswer' | 'failed';

export interface DialRequest {
  endpoint: string;
  caller?: PartyId;
  timeoutMs: number;
  id?: string;
  otherId?: string;
  variables?: Record<string, string>;
  /** ARI app that originated: both Local halves report to it until destroyed. */
  app?: string;
  /** What the dialled channel (;1) does once answered. */
  onAnswer: (ch: Channel) => void;
  onFail?: (outcome: Exclude<DialOutcome, 'answer'>, ch: Channel | undefined) => void;
}

export type DialError = { ok: false; error: 'invalid-endpoint' | 'allocation-failed' };
export type DialResult = { ok: true; channel: Channel } | DialError;
export type PreparedResult = { ok: true; channel: Channel; start: (timeoutMs: number) => void } | DialError;

interface DialLeg {
  readonly dialstring: string;
  readonly request: DialRequest;
  timer?: NodeJS.Timeout;
}

/** Scenario hooks deciding what dialled endpoints and Local targets do. */
export interface Directory {
  phoneFor(device: string, number: string | undefined): PhoneBehaviour | undefined;
  hasExtension(context: string, exten: string): boolean;
  /** Starts the dialplan on a channel; false when context/extension do not exist. */
  runDialplan(ch: Channel, context: string, exten: string): boolean;
  originated(endpoint: string): void;
}

export type HangupHow = 'ari' | 'ami' | 'far' | 'self' | 'timeout';

export class Telephony {
  private readonly legs = new Map<Channel, DialLeg>();

  constructor(
    readonly pbx: Pbx,
    private readonly directory: Directory,
  ) {}

  // ---- dialling -----------------------------------------------------------------------

  /** Counts an Originate from AMI or ARI (not the dialplan's own Dial). */
  countOriginate(endpoint: string): void {
    this.directory.originated(endpoint);
  }

  dial(req: DialRequest): DialResult {
    const prepared = this.prepare(req);
    if (!prepared.ok) return prepared;
    prepared.start(req.timeoutMs);
    return { ok: true, channel: prepared.channel };
  }

  /** Creates the channel(s) without dialling yet (ARI channels/create); `start` dials. */
  prepare(req: DialRequest): PreparedResult {
    const slash = req.endpoint.indexOf('/');
    if (slash <= 0 || slash === req.endpoint.length - 1) return { ok: false, error: 'invalid-endpoint' };
    const tech = req.endpoint.slice(0, slash);
    const resource = req.endpoint.slice(slash + 1);
    if (tech === 'Local') return this.dialLocal(req, resource);
    if (tech === 'PJSIP' || tech === 'SIP') return this.dialPhone(req, tech, resource);
    return { ok: false, error: 'allocation-failed' };
  }

  private dialLocal(req: DialRequest, resource: string): PreparedResult {
    const target = resource.replace(/\/n$/, '');
    const at = target.indexOf('@');
    const exten = at < 0 ? target : target.slice(0, at);
    const context = at < 0 ? 'default' : target.slice(at + 1);
    const device = `Local/${exten}@${context}`;
    const base = `${device}-${this.pbx.ids.suffix()}`;
    const pbx = this.pbx;
    const one = pbx.newChannel({ id: req.id, name: `${base};1`, device, context, exten, state: 'Down' });
    const two = pbx.newChannel({ id: req.otherId, name: `${base};2`, device, context, exten, state: 'Ring', linkedid: one.id });
    one.localPeer = two;
    two.localPeer = one;
    one.localHalf = 1;
    two.localHalf = 2;
    pbx.newexten(one, 'AppDial2', '(Outgoing Line)');
    if (req.caller) this.presentCaller(one, req.caller, false);
    const phone = this.directory.phoneFor(device, undefined);
    if (!phone && !this.directory.hasExtension(context, exten)) {
      this.failMissingContext(one, two, req);
      return { ok: true, channel: one, start: () => {} };
    }
    if (req.app) this.subscribe(one, req.app);
    if (req.app) this.subscribe(two, req.app);
    if (req.caller) this.presentCaller(two, req.caller, true);
    for (const [k, v] of Object.entries(req.variables ?? {})) pbx.setVar(one, k, v);
    pbx.amiEvent('LocalBridge', AMI_PRIVILEGE.call, [
      ...amiChannel(one, 'LocalOne'),
      ...amiChannel(two, 'LocalTwo'),
      ['Context', context],
      ['Exten', exten],
      ['LocalOptimization', 'Yes'],
    ]);
    const start = (timeoutMs: number) => {
      this.beginDial(one, req, `${exten}@${context}`, timeoutMs);
      if (phone) setImmediate(() => this.playPhone(two, phone));
      else this.directory.runDialplan(two, context, exten);
    };
    return { ok: true, channel: one, start };
  }

  private failMissingContext(one: Channel, two: Channel, req: DialRequest): void {
    for (const ch of [two, one]) {
      ch.hungup = true;
      ch.abort.abort();
    }
    this.pbx.destroy(two, 0, CAUSE_TEXT[0] ?? 'Unknown');
    this.pbx.destroy(one, 0, CAUSE_TEXT[0] ?? 'Unknown');
    queueMicrotask(() => req.onFail?.('failed', undefined));
  }

  private dialPhone(req: DialRequest, tech: string, resource: string): PreparedResult {
    const at = resource.indexOf('@');
    const number = at < 0 ? undefined : resource.slice(0, at);
    const peerName = at < 0 ? resource : resource.slice(at + 1);
    const device = `${tech}/${peerName}`;
    const phone = this.directory.phoneFor(at < 0 ? device : `${tech}/${resource}`, number);
    if (!phone || phone.kind === 'unregistered') {
      return { ok: false, error: 'allocation-failed' };
    }
    const ch = this.pbx.newChannel({
      id: req.id,
      name: `${device}-${this.pbx.ids.suffix()}`,
      device,
      context: 'default',
      exten: 's',
      state: 'Down',
      appName: 'AppDial2',
      appData: '(Outgoing Line)',
    });
    if (req.caller) this.presentCaller(ch, req.caller, false);
    if (req.app) this.subscribe(ch, req.app);
    for (const [k, v] of Object.entries(req.variables ?? {})) this.pbx.setVar(ch, k, v);
    const start = (timeoutMs: number) => {
      this.beginDial(ch, req, resource, timeoutMs);
      setImmediate(() => this.playPhone(ch, phone));
    };
    return { ok: true, channel: ch, start };
  }

  /**
   * An originate's caller ID is both the caller and the connected line of the new channel;
   * the ;2 half of a Local pair already carries both when its caller ID is announced.
   */
  private presentCaller(ch: Channel, caller: PartyId, connectedFirst: boolean): void {
    if (connectedFirst) ch.connected = { ...caller };
    this.pbx.setCallerId(ch, caller);
    this.pbx.setConnected(ch, caller);
  }

  private subscribe(ch: Channel, app: string): void {
    ch.apps.add(app);
    ch.originatedBy.add(app);
  }

  private beginDial(ch: Channel, request: DialRequest, dialstring: string, timeoutMs: number): void {
    const leg: DialLeg = { dialstring, request };
    this.legs.set(ch, leg);
    this.pbx.amiEvent('DialBegin', AMI_PRIVILEGE.call, [...amiChannel(ch, 'Dest'), ['DialString', dialstring]]);
    this.ariDial(ch, DIAL_STATUS.none, dialstring);
    if (timeoutMs > 0) {
      leg.timer = setTimeout(() => this.hangup(ch, CAUSES.noAnswer, 'timeout'), timeoutMs);
    }
  }

  private ariDial(ch: Channel, status: string, dialstring: string): void {
    this.pbx.ariEvent(ch.apps, 'Dial', { dialstatus: status, forward: '', dialstring, peer: ariChannel(ch) });
  }

  isDialing(ch: Channel): boolean {
    return this.legs.has(ch);
  }

  private endDial(ch: Channel, status: string): DialLeg | undefined {
    const leg = this.legs.get(ch);
    if (!leg) return undefined;
    this.legs.delete(ch);
    if (leg.timer) clearTimeout(leg.timer);
    this.pbx.amiEvent('DialEnd', AMI_PRIVILEGE.call, [...amiChannel(ch, 'Dest'), ['DialStatus', status]]);
    this.ariDial(ch, status, leg.dialstring);
    return leg;
  }

  /** The far side of a dialled phone behaves as the scenario says. */
  private playPhone(ch: Channel, phone: PhoneBehaviour): void {
    const signal = ch.abort.signal;
    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        if (!ch.hungup) fn();
      }, ms);
      signal.addEventListener('abort', () => clearTimeout(t), { once: true });
    };
    switch (phone.kind) {
      case 'answer':
        later(0, () => this.ringing(ch));
        later(Math.max(1, phone.ringMs), () => {
          this.answer(ch);
          if (phone.talkMs !== undefined) later(phone.talkMs, () => this.hangup(ch, CAUSES.normal, 'far'));
        });
        break;
      case 'no-answer':
        later(0, () => this.ringing(ch));
        break;
      case 'busy':
        later(phone.afterMs ?? 50, () => this.busy(ch));
        break;
      case 'reject':
        later(0, () => this.ringing(ch));
        later(phone.afterMs ?? 500, () => this.reject(ch));
        break;
      case 'unregistered':
        break;
    }
  }

  // ---- far-end progress ---------------------------------------------------------------

  /** The callee rings: for a Local ;2 the dialling ;1 shows Ringing. */
  ringing(ch: Channel): void {
    const dialled = ch.localHalf === 2 && ch.localPeer ? ch.localPeer : ch;
    if (dialled.hungup || !this.legs.has(dialled)) {
      if (ch.localHalf !== 2) this.pbx.setState(ch, 'Ringing');
      return;
    }
    this.pbx.setState(dialled, 'Ringing');
    const leg = this.legs.get(dialled);
    if (!leg) return;
    this.pbx.amiEvent('DialState', AMI_PRIVILEGE.call, [...amiChannel(dialled, 'Dest'), ['DialStatus', DIAL_STATUS.ringing]]);
    this.ariDial(dialled, DIAL_STATUS.ringing, leg.dialstring);
  }

  answer(ch: Channel): void {
    if (ch.hungup) return;
    this.pbx.setState(ch, 'Up');
    const dialled = ch.localHalf === 2 && ch.localPeer ? ch.localPeer : ch;
    if (dialled.hungup || !this.legs.has(dialled)) return;
    this.pbx.setState(dialled, 'Up');
    const leg = this.endDial(dialled, DIAL_STATUS.answer);
    leg?.request.onAnswer(dialled);
  }

  busy(ch: Channel): void {
    if (ch.hungup) return;
    const dialled = ch.localHalf === 2 && ch.localPeer ? ch.localPeer : ch;
    if (ch.localHalf === 2) this.pbx.setState(ch, 'Busy');
    const leg = this.endDial(dialled, DIAL_STATUS.busy);
    if (ch.localHalf === 2 && ch.localPeer) {
      const one = ch.localPeer;
      this.requestEvent(ch, CAUSES.unknown, false);
      this.softRequest(ch, CAUSES.normal);
      for (const c of [ch, one]) this.teardown(c);
      this.pbx.destroy(one, 0, CAUSE_TEXT[0] ?? 'Unknown');
      this.pbx.destroy(ch, CAUSES.busy, CAUSE_TEXT[CAUSES.busy] ?? '');
    } else {
      this.teardown(ch);
      this.pbx.destroy(ch, CAUSES.busy, CAUSE_TEXT[CAUSES.busy] ?? '');
    }
    leg?.request.onFail?.('busy', dialled);
  }

  private reject(ch: Channel): void {
    if (ch.localHalf === 2) {
      this.hangup(ch, CAUSES.rejected, 'self');
      return;
    }
    const leg = this.endDial(ch, DIAL_STATUS.chanUnavail);
    this.teardown(ch);
    this.pbx.destroy(ch, CAUSES.rejected, CAUSE_TEXT[CAUSES.rejected] ?? '');
    leg?.request.onFail?.('failed', ch);
  }

  // ---- hanging up ---------------------------------------------------------------------

  private requestEvent(ch: Channel, cause: number, soft: boolean): void {
    this.pbx.amiEvent(soft ? 'SoftHangupRequest' : 'HangupRequest', AMI_PRIVILEGE.call, [...amiChannel(ch), ['Cause', String(cause)]]);
    this.pbx.ariChannelEvent(ch, 'ChannelHangupRequest', {}, soft ? { cause, soft: true } : { cause });
  }

  private softRequest(ch: Channel, cause: number): void {
    this.requestEvent(ch, cause, true);
  }

  /** Stops what the channel was doing: playback, recording, bridge, Stasis, dialling. */
  private teardown(ch: Channel): void {
    ch.hungup = true;
    if (!ch.abort.signal.aborted) ch.abort.abort();
    if (ch.playback) endPlayback(this.pbx, ch.playback, 'failed');
    // Asterisk ends a recording whose channel hangs up as finished and keeps the file.
    if (ch.recording?.channelGone) ch.recording.channelGone();
    else if (ch.recording) this.pbx.liveRecordings.delete(ch.recording.name);
    if (ch.bridge) this.pbx.leaveBridge(ch);
    if (ch.stasis) this.leaveStasis(ch, 'hangup');
  }

  hangup(ch: Channel, cause: number, how: HangupHow): void {
    if (ch.hungup) return;
    if (how === 'ari') this.softRequest(ch, CAUSES.softRequest);
    else if (how === 'far') this.requestEvent(ch, cause, false);
    const text = CAUSE_TEXT[cause] ?? 'Unknown';
    this.teardown(ch);
    const peer = ch.localPeer;
    const leg = this.legs.get(ch);
    if (!peer || peer.hungup) {
      if (leg) this.endDialFailed(ch, cause, leg);
      this.pbx.destroy(ch, cause, text);
      return;
    }
    if (ch.localHalf === 1) {
      this.requestEvent(peer, cause, false);
      if (leg) this.endDialFailed(ch, cause, leg);
      this.pbx.destroy(ch, cause, text);
      this.teardown(peer);
      this.softRequest(peer, CAUSES.normal);
      this.pbx.destroy(peer, cause, text);
      return;
    }
    this.softRequest(ch, CAUSES.normal);
    this.requestEvent(peer, CAUSES.normal, false);
    this.teardown(peer);
    const peerLeg = this.legs.get(peer);
    const normal = CAUSE_TEXT[CAUSES.normal] ?? '';
    if (peerLeg) {
      this.pbx.destroy(ch, cause, text);
      this.endDialFailed(peer, CAUSES.normal, peerLeg);
      this.pbx.destroy(peer, CAUSES.normal, normal);
    } else {
      this.pbx.destroy(peer, CAUSES.normal, normal);
      this.pbx.destroy(ch, cause, text);
    }
  }

  private endDialFailed(ch: Channel, cause: number, leg: DialLeg): void {
    this.legs.delete(ch);
    if (leg.timer) clearTimeout(leg.timer);
    // A dial that timed out ends without DialEnd in the recording; one cut short says NOANSWER.
    if (cause !== CAUSES.noAnswer) {
      this.pbx.amiEvent('DialEnd', AMI_PRIVILEGE.call, [...amiChannel(ch, 'Dest'), ['DialStatus', DIAL_STATUS.noAnswer]]);
    }
    leg.request.onFail?.('noanswer', ch);
  }

  // ---- Stasis -------------------------------------------------------------------------

  /** Stasis(app,args): resolves when the channel leaves the app (continue) or hangs up. */
  enterStasis(ch: Channel, app: string, args: string[]): Promise<'continue' | 'hangup' | 'failed'> {
    this.pbx.setVar(ch, STASIS_STATUS.variable, '');
    if (!this.pbx.registeredApps.has(app)) {
      this.pbx.setVar(ch, STASIS_STATUS.variable, STASIS_STATUS.failed);
      return Promise.resolve('failed');
    }
    return new Promise((resolve) => {
      ch.apps.add(app);
      ch.stasis = { app, args, leave: resolve };
      this.pbx.ariEvent(ch.apps, 'StasisStart', { args, channel: ariChannel(ch) });
      ch.onEvent?.({ type: 'stasis', app, args });
    });
  }

  leaveStasis(ch: Channel, how: 'continue' | 'hangup'): void {
    const stasis = ch.stasis;
    if (!stasis) return;
    ch.stasis = undefined;
    if (ch.playback) endPlayback(this.pbx, ch.playback, 'done');
    this.pbx.ariChannelEvent(ch, 'StasisEnd');
    if (!ch.originatedBy.has(stasis.app)) ch.apps.delete(stasis.app);
    this.pbx.setVar(ch, STASIS_STATUS.variable, STASIS_STATUS.success);
    if (ch.originatedBy.size > 0) {
      ch.appName = 'AppDial2';
      ch.appData = '(Outgoing Line)';
    }
    stasis.leave(how);
  }

  /** An originated channel answered: it runs Stasis(app,args) in place of an application. */
  startOriginatedStasis(ch: Channel, app: string, args: string[]): void {
    ch.appName = 'Stasis';
    ch.appData = [app, ...args].join(',');
    void this.enterStasis(ch, app, args).then((result) => {
      if (result !== 'hangup') this.hangup(ch, CAUSES.normal, 'self');
    });
  }
}
