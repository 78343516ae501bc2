import { setMaxListeners } from 'node:events';
// The simulated Asterisk core: owns channels, bridges and device states and publishes
// every change once, as AMI frames and as ARI events for the apps that watch it.
import type { Bridge, Channel, LiveRecording, PartyId, Playback, StoredRecording } from './model.js';
import type { AmiFields } from './format.js';
import { amiBridge, amiChannel, ariBridge, ariChannel } from './format.js';
import { IdSource, amiTimestamp, ariTimestamp } from './clock.js';
import type { ChannelStateName, DeviceState } from './protocol.js';
import { AMI_PRIVILEGE, BRIDGEPEER, DEVICE_STATES, EXTENSION_STATUS } from './protocol.js';

export type AriEvent = Record<string, unknown>;

/** A face (AMI server, ARI server, scenario recorder) listening to the core. */
export interface PbxSink {
  ami?(fields: AmiFields): void;
  ari?(event: AriEvent, apps: ReadonlySet<string>): void;
}

export interface NewChannelSpec {
  id?: string;
  name: string;
  device: string;
  context: string;
  exten: string;
  state: ChannelStateName;
  caller?: PartyId;
  linkedid?: string;
  appName?: string;
  appData?: string;
}

export interface Hint {
  exten: string;
  context: string;
  device: string;
}

export class Pbx {
  readonly channels = new Map<string, Channel>();
  readonly channelsByName = new Map<string, Channel>();
  readonly bridges = new Map<string, Bridge>();
  readonly playbacks = new Map<string, Playback>();
  readonly liveRecordings = new Map<string, LiveRecording>();
  readonly storedRecordings = new Map<string, StoredRecording>();
  readonly globals = new Map<string, string>();
  /** Apps with an open events WebSocket; Stasis() fails for any other. */
  readonly registeredApps = new Set<string>();
  /** Apps connected with subscribeAll: they see every event. */
  allApps: ReadonlySet<string> = new Set();
  readonly deviceStates = new Map<string, DeviceState>();
  readonly hints: Hint[] = [];
  readonly hintsByDevice = new Map<string, Hint[]>();
  /** Channels per device, so device state needs no scan of all channels. */
  private readonly deviceChannels = new Map<string, Set<Channel>>();
  private readonly sinks = new Set<PbxSink>();
  readonly ids = new IdSource();
  private channelSeq = 0;
  readonly startedMs: number;
  lastReloadMs: number;

  constructor(private readonly clock: () => number = Date.now) {
    this.startedMs = clock();
    this.lastReloadMs = this.startedMs;
  }

  now(): number {
    return this.clock();
  }

  addSink(sink: PbxSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  // ---- publishing -------------------------------------------------------------------

  amiEvent(name: string, privilege: string, fields: AmiFields): void {
    if (this.sinks.size === 0) return;
    const frame: AmiFields = [
      ['Event', name],
      ['Privilege', privilege],
      ['Timestamp', amiTimestamp(this.now())],
      ...fields,
    ];
    for (const sink of this.sinks) sink.ami?.(frame);
  }

  /** Sends an ARI event; `pre` fields precede `type` as Asterisk orders them. */
  ariEvent(apps: ReadonlySet<string>, type: string, body: AriEvent, pre: AriEvent = {}): void {
    if ((apps.size === 0 && this.allApps.size === 0) || this.sinks.size === 0) return;
    const event = { ...pre, type, timestamp: ariTimestamp(this.now()), ...body };
    for (const sink of this.sinks) sink.ari?.(event, apps);
  }

  ariChannelEvent(ch: Channel, type: string, body: AriEvent = {}, pre: AriEvent = {}): void {
    if (ch.apps.size === 0 && this.allApps.size === 0) return;
    this.ariEvent(ch.apps, type, { ...body, channel: ariChannel(ch) }, pre);
  }

  // ---- channels -----------------------------------------------------------------------

  newChannel(spec: NewChannelSpec): Channel {
    const now = this.now();
    const id = spec.id ?? this.ids.uniqueid(now);
    const seq = this.channelSeq++;
    const linkedFrom = spec.linkedid !== undefined ? this.channels.get(spec.linkedid) : undefined;
    const ch: Channel = {
      id,
      name: spec.name,
      device: spec.device,
      createdMs: now,
      linkedid: spec.linkedid ?? id,
      linkedSeq: linkedFrom?.linkedSeq ?? seq,
      state: spec.state,
      caller: spec.caller ?? { num: '', name: '' },
      connected: { num: '', name: '' },
      context: spec.context,
      exten: spec.exten,
      priority: 1,
      appName: spec.appName ?? '',
      appData: spec.appData ?? '',
      vars: new Map(),
      apps: new Set(),
      originatedBy: new Set(),
      hungup: false,
      abort: new AbortController(),
      onDestroyed: [],
    };
    // Every wait of the channel listens to its hang-up; they end with the channel.
    setMaxListeners(0, ch.abort.signal);
    this.channels.set(id, ch);
    this.channelsByName.set(ch.name, ch);
    let set = this.deviceChannels.get(ch.device);
    if (!set) this.deviceChannels.set(ch.device, (set = new Set()));
    set.add(ch);
    this.amiEvent('Newchannel', AMI_PRIVILEGE.call, amiChannel(ch));
    return ch;
  }

  findChannel(idOrName: string): Channel | undefined {
    return this.channels.get(idOrName) ?? this.channelsByName.get(idOrName);
  }

  setState(ch: Channel, state: ChannelStateName): void {
    if (ch.state === state || ch.hungup) return;
    ch.state = state;
    this.amiEvent('Newstate', AMI_PRIVILEGE.call, amiChannel(ch));
    this.ariChannelEvent(ch, 'ChannelStateChange');
    ch.onEvent?.({ type: 'state', state });
    this.refreshDevice(ch.device);
  }

  newexten(ch: Channel, app: string, data: string): void {
    ch.appName = app;
    ch.appData = data;
    this.amiEvent('Newexten', AMI_PRIVILEGE.dialplan, [
      ...amiChannel(ch),
      ['Extension', ch.exten],
      ['Application', app],
      ['AppData', data],
    ]);
    this.ariChannelEvent(ch, 'ChannelDialplan', { dialplan_app: app, dialplan_app_data: data });
  }

  setVar(ch: Channel | undefined, name: string, value: string): void {
    if (!ch) {
      this.globals.set(name, value);
      this.amiEvent('VarSet', AMI_PRIVILEGE.dialplan, [
        ['Channel', 'none'],
        ['Uniqueid', 'none'],
        ['Variable', name],
        ['Value', value],
      ]);
      return;
    }
    ch.vars.set(name, value);
    this.amiEvent('VarSet', AMI_PRIVILEGE.dialplan, [...amiChannel(ch), ['Variable', name], ['Value', value]]);
    this.ariChannelEvent(ch, 'ChannelVarset', {}, { variable: name, value });
  }

  getVar(ch: Channel | undefined, name: string): string | undefined {
    if (!ch) return this.globals.get(name);
    const fn = /^CHANNEL\((\w+)\)$/.exec(name);
    if (fn) {
      const key = fn[1];
      if (key === 'state') return ch.state;
      if (key === 'name') return ch.name;
      if (key === 'uniqueid') return ch.id;
      if (key === 'linkedid') return ch.linkedid;
      if (key === 'language') return 'en';
      return undefined;
    }
    const cid = /^CALLERID\((num|name)\)$/.exec(name);
    if (cid) return cid[1] === 'num' ? ch.caller.num : ch.caller.name;
    if (name === 'EXTEN') return ch.exten;
    if (name === 'CONTEXT') return ch.context;
    if (name === 'UNIQUEID') return ch.id;
    if (name === 'CHANNEL') return ch.name;
    return ch.vars.get(name) ?? this.globals.get(name);
  }

  setCallerId(ch: Channel, caller: PartyId): void {
    ch.caller = { ...caller };
    this.publishCallerId(ch);
  }

  publishCallerId(ch: Channel): void {
    this.amiEvent('NewCallerid', AMI_PRIVILEGE.call, [
      ...amiChannel(ch),
      ['CID-CallingPres', '0 (Presentation Allowed, Not Screened)'],
    ]);
    this.ariChannelEvent(ch, 'ChannelCallerId', {
      caller_presentation: 0,
      caller_presentation_txt: 'Presentation Allowed, Not Screened',
    });
  }

  setConnected(ch: Channel, connected: PartyId): void {
    ch.connected = { ...connected };
    this.amiEvent('NewConnectedLine', AMI_PRIVILEGE.call, amiChannel(ch));
    this.ariChannelEvent(ch, 'ChannelConnectedLine');
  }

  /** A Local half's connected line becomes the other half's caller ID (published later). */
  private propagateConnected(ch: Channel): void {
    const peer = ch.localPeer;
    if (!peer || peer.hungup) return;
    peer.pendingCaller = { ...ch.connected };
  }

  /** The channel services its frames (a dialplan step): a handed-over caller ID takes effect. */
  applyPendingCaller(ch: Channel): boolean {
    if (!ch.pendingCaller) return false;
    ch.caller = ch.pendingCaller;
    ch.pendingCaller = undefined;
    return true;
  }

  /** Final removal: the Hangup event, device state, ChannelDestroyed to apps still watching. */
  destroy(ch: Channel, cause: number, causeText: string): void {
    const callerChanged = this.applyPendingCaller(ch);
    this.channels.delete(ch.id);
    this.channelsByName.delete(ch.name);
    this.deviceChannels.get(ch.device)?.delete(ch);
    this.amiEvent('Hangup', AMI_PRIVILEGE.call, [...amiChannel(ch), ['Cause', String(cause)], ['Cause-txt', causeText]]);
    if (ch.inDialplan) {
      ch.appName = '';
      ch.appData = '';
    }
    if (callerChanged) {
      this.amiEvent('NewCallerid', AMI_PRIVILEGE.call, [...amiChannel(ch), ['CID-CallingPres', '0 (Presentation Allowed, Not Screened)']]);
    }
    this.ariEvent(ch.apps, 'ChannelDestroyed', { cause, cause_txt: causeText, channel: ariChannel(ch) });
    this.refreshDevice(ch.device, true);
    for (const hook of ch.onDestroyed) hook(cause);
  }

  // ---- bridges ------------------------------------------------------------------------

  createBridge(id: string, type: string, name: string): Bridge {
    const bridge: Bridge = { id, type, name, createdMs: this.now(), channels: [], apps: new Set() };
    this.bridges.set(id, bridge);
    this.amiEvent('BridgeCreate', AMI_PRIVILEGE.call, amiBridge(bridge));
    return bridge;
  }

  enterBridge(bridge: Bridge, ch: Channel): void {
    if (ch.bridge === bridge) return;
    if (ch.bridge) this.leaveBridge(ch);
    bridge.channels.push(ch);
    ch.bridge = bridge;
    // Bridged calls share the oldest linkedid.
    let oldest = ch;
    for (const other of bridge.channels) if (other.linkedSeq < oldest.linkedSeq) oldest = other;
    for (const other of bridge.channels) {
      other.linkedid = oldest.linkedid;
      other.linkedSeq = oldest.linkedSeq;
    }
    if (ch.stasis) bridge.apps.add(ch.stasis.app);
    this.amiEvent('BridgeEnter', AMI_PRIVILEGE.call, [...amiBridge(bridge), ...amiChannel(ch)]);
    this.ariEvent(new Set([...bridge.apps, ...ch.apps]), 'ChannelEnteredBridge', {
      bridge: ariBridge(bridge),
      channel: ariChannel(ch),
    });
  }

  /** After a batch of entries: a two-party bridge names each side's peer. */
  announcePeers(bridge: Bridge): void {
    const [a, b] = bridge.channels;
    if (bridge.channels.length !== 2 || !a || !b) return;
    this.setVar(a, BRIDGEPEER, b.name);
    this.setVar(b, BRIDGEPEER, a.name);
    const [callerA, callerB] = [a.caller, b.caller];
    this.setConnected(a, callerB);
    this.setConnected(b, callerA);
    this.propagateConnected(a);
    this.propagateConnected(b);
    a.onEvent?.({ type: 'bridged', peer: b });
    b.onEvent?.({ type: 'bridged', peer: a });
  }

  leaveBridge(ch: Channel): void {
    const bridge = ch.bridge;
    if (!bridge) return;
    if (ch.vars.get(BRIDGEPEER)) this.setVar(ch, BRIDGEPEER, '');
    const i = bridge.channels.indexOf(ch);
    if (i >= 0) bridge.channels.splice(i, 1);
    ch.bridge = undefined;
    this.amiEvent('BridgeLeave', AMI_PRIVILEGE.call, [...amiBridge(bridge), ...amiChannel(ch)]);
    this.ariEvent(new Set([...bridge.apps, ...ch.apps]), 'ChannelLeftBridge', {
      bridge: ariBridge(bridge),
      channel: ariChannel(ch),
    });
  }

  destroyBridge(bridge: Bridge): void {
    for (const ch of [...bridge.channels]) this.leaveBridge(ch);
    this.bridges.delete(bridge.id);
    this.amiEvent('BridgeDestroy', AMI_PRIVILEGE.call, amiBridge(bridge));
    this.ariEvent(bridge.apps, 'BridgeDestroyed', { bridge: ariBridge(bridge) });
  }

  // ---- device states ------------------------------------------------------------------

  /** What a phone reports with no call on it (UNAVAILABLE when unregistered, INUSE when busy elsewhere). */
  readonly idleStates = new Map<string, DeviceState>();

  /** Whether a Local device's context/extension exists (INVALID otherwise); set by the dialplan owner. */
  localDeviceValid: (device: string) => boolean = () => true;

  refreshDevice(device: string, ending = false): void {
    const chans = this.deviceChannels.get(device);
    if (device.startsWith('Local/')) {
      // A Local device reports on every change of either half, as Asterisk does.
      const state = !this.localDeviceValid(device) ? DEVICE_STATES.invalid : ending ? DEVICE_STATES.notInUse : DEVICE_STATES.inUse;
      this.publishDevice(device, state, true);
      return;
    }
    let state: DeviceState = this.idleStates.get(device) ?? DEVICE_STATES.notInUse;
    if (chans && chans.size > 0) {
      let up = false;
      let ringing = false;
      for (const ch of chans) {
        if (ch.state === 'Up') up = true;
        else if (ch.state === 'Ringing' || ch.state === 'Ring' || ch.state === 'Down') ringing = true;
        else if (ch.state === 'Busy') up = true;
      }
      state = up && ringing ? DEVICE_STATES.ringInUse : up ? DEVICE_STATES.inUse : DEVICE_STATES.ringing;
    }
    this.publishDevice(device, state, false);
  }

  /** Observers of device states (queue availability). */
  onDeviceState?: (device: string, state: DeviceState) => void;

  publishDevice(device: string, state: DeviceState, always: boolean): void {
    if (!always && this.deviceStates.get(device) === state) return;
    if (!device.startsWith('Local/')) this.deviceStates.set(device, state);
    this.amiEvent('DeviceStateChange', AMI_PRIVILEGE.call, [
      ['Device', device],
      ['State', state],
    ]);
    this.onDeviceState?.(device, state);
    for (const hint of this.hintsByDevice.get(device) ?? []) {
      const [status, text] = EXTENSION_STATUS[state] ?? [-1, 'Unknown'];
      this.amiEvent('ExtensionStatus', AMI_PRIVILEGE.call, [
        ['Exten', hint.exten],
        ['Context', hint.context],
        ['Hint', hint.device],
        ['Status', String(status)],
        ['StatusText', text],
      ]);
    }
  }

  addHint(hint: Hint): void {
    this.hints.push(hint);
    const list = this.hintsByDevice.get(hint.device) ?? [];
    list.push(hint);
    this.hintsByDevice.set(hint.device, list);
  }

  channelCountOn(device: string): number {
    return this.deviceChannels.get(device)?.size ?? 0;
  }
}
