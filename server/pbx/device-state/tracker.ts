import { EventEmitter } from 'node:events';
import type { PhoneState } from '../../domain/model.js';
import type { Logger } from '../../shared/logger.js';
import type { AmiClient } from '../ami/client.js';
import type { AmiMessage } from '../ami/message.js';
import { AMI_EVENTS, AMI_KEYS } from '../ami/protocol.js';
import { combinePhoneStates, deviceForEndpoint, isKnownDeviceState, phoneStateFromDeviceState, phoneStateFromExtensionStatus } from './phone-state.js';

export interface PhoneStateChange {
  /** Asterisk device name, e.g. `PJSIP/1001` or `Local/1001@agents`. */
  device: string;
  state: PhoneState;
  /** null the first time the device is reported. */
  previous: PhoneState | null;
}

export interface DeviceStateTrackerEvents {
  change: [PhoneStateChange];
}

export interface DeviceStateTrackerOptions {
  logger: Logger;
  /** Retry delay when a resync fails while the node stays connected (default 5 s). */
  resyncRetryMs?: number;
}

interface NodeView {
  ami: AmiClient;
  states: Map<string, PhoneState>;
  /** Live updates seen while a DeviceStateList is in flight; applied on top of its snapshot. */
  buffered: Array<[string, PhoneState]> | null;
  retry: NodeJS.Timeout | null;
  detach: () => void;
}

/**
 * Folds device states from one or more AMI sessions into PhoneState per device.
 * Live DeviceStateChange (and single-device ExtensionStatus) updates apply at once; after
 * every (re)connect a DeviceStateList replaces what the node had, and `change` fires for
 * each device whose folded state differs. States are kept across a disconnect until that
 * resync, so a short AMI blip does not flap every advisor to unavailable.
 */
export class DeviceStateTracker extends EventEmitter<DeviceStateTrackerEvents> {
  private readonly log: Logger;
  private readonly nodes: NodeView[] = [];
  private readonly effective = new Map<string, PhoneState>();
  private readonly watched = new Set<string>();

  constructor(private readonly options: DeviceStateTrackerOptions) {
    super();
    this.log = options.logger.child({ component: 'device-state' });
  }

  /** Follows one AMI client; returns a function that stops following it. */
  attach(ami: AmiClient): () => void {
    const onEvent = (message: AmiMessage) => this.onEvent(node, message);
    const onConnected = () => void this.resync(node);
    const node: NodeView = {
      ami,
      states: new Map(),
      buffered: null,
      retry: null,
      detach: () => {
        ami.off('event', onEvent);
        ami.off('connected', onConnected);
        if (node.retry) clearTimeout(node.retry);
        const index = this.nodes.indexOf(node);
        if (index >= 0) this.nodes.splice(index, 1);
        this.recompute([...node.states.keys()]);
      },
    };
    this.nodes.push(node);
    ami.on('event', onEvent);
    ami.on('connected', onConnected);
    if (ami.isConnected) void this.resync(node);
    return node.detach;
  }

  /**
   * Declares a device (or an advisor's dial string) the owner cares about. DeviceStateList
   * omits devices without a cached state (Local channels, idle phones), so after every
   * resync such devices are asked for with `DEVICE_STATE()`; a new one is asked for at once.
   * Returns the device name, or null when the string names no device.
   */
  watch(endpointOrDevice: string): string | null {
    const device = deviceForEndpoint(endpointOrDevice);
    if (device === null || this.watched.has(device)) return device;
    this.watched.add(device);
    if (!this.effective.has(device)) {
      for (const node of this.nodes) if (node.ami.isConnected && !node.buffered) void this.query(node, [device]);
    }
    return device;
  }

  unwatch(endpointOrDevice: string): void {
    const device = deviceForEndpoint(endpointOrDevice);
    if (device !== null) this.watched.delete(device);
  }

  /** Folded state of a device, or null if no node ever reported it. */
  stateOf(device: string): PhoneState | null {
    return this.effective.get(device) ?? null;
  }

  /** Folded state of an advisor's phone given its dial string (`PJSIP/1001`, `Local/1001@agents`). */
  stateOfEndpoint(endpoint: string): PhoneState | null {
    const device = deviceForEndpoint(endpoint);
    return device === null ? null : this.stateOf(device);
  }

  snapshot(): ReadonlyMap<string, PhoneState> {
    return new Map(this.effective);
  }

  private onEvent(node: NodeView, message: AmiMessage): void {
    const update = liveUpdate(message);
    if (!update) return;
    if (node.buffered) node.buffered.push(update);
    else {
      node.states.set(update[0], update[1]);
      this.recompute([update[0]]);
    }
  }

  /** Replaces the node's states with a fresh DeviceStateList. */
  private async resync(node: NodeView): Promise<void> {
    if (node.buffered) return;
    node.buffered = [];
    if (node.retry) clearTimeout(node.retry);
    node.retry = null;
    try {
      const items = await node.ami.deviceStateList();
      const fresh = new Map<string, PhoneState>();
      for (const item of items) {
        const device = item.get(AMI_KEYS.Device);
        const state = item.get(AMI_KEYS.State);
        if (device && state !== undefined) fresh.set(device, phoneStateFromDeviceState(state));
      }
      const missing = [...new Set([...this.watched, ...node.states.keys()])].filter((d) => !fresh.has(d));
      for (const [device, state] of await this.deviceStates(node, missing)) fresh.set(device, state);
      for (const [device, state] of node.buffered) fresh.set(device, state);
      const touched = new Set([...node.states.keys(), ...fresh.keys()]);
      node.states = fresh;
      node.buffered = null;
      this.recompute([...touched]);
      this.log.info({ devices: fresh.size }, 'device states resynced');
    } catch (error) {
      const buffered = node.buffered ?? [];
      node.buffered = null;
      for (const [device, state] of buffered) node.states.set(device, state);
      this.recompute(buffered.map(([device]) => device));
      this.log.warn({ err: error }, 'device state resync failed');
      if (node.ami.isConnected && this.nodes.includes(node)) {
        node.retry = setTimeout(() => void this.resync(node), this.options.resyncRetryMs ?? 5000);
      }
    }
  }

  /** Asks one node for the state of devices one by one; a device it cannot answer for keeps its last state. */
  private async deviceStates(node: NodeView, devices: readonly string[]): Promise<Map<string, PhoneState>> {
    const found = new Map<string, PhoneState>();
    await Promise.all(
      devices.map(async (device) => {
        try {
          const state = await node.ami.getvar(`DEVICE_STATE(${device})`);
          if (state !== '') found.set(device, phoneStateFromDeviceState(state));
        } catch (error) {
          const previous = node.states.get(device);
          if (previous !== undefined) found.set(device, previous);
          this.log.debug({ device, err: error }, 'could not read a device state');
        }
      }),
    );
    return found;
  }

  private async query(node: NodeView, devices: readonly string[]): Promise<void> {
    const states = await this.deviceStates(node, devices);
    for (const [device, state] of states) if (!node.states.has(device)) node.states.set(device, state);
    this.recompute(states.keys());
  }

  private recompute(devices: Iterable<string>): void {
    for (const device of devices) {
      const reported = this.nodes.flatMap((n) => {
        const state = n.states.get(device);
        return state === undefined ? [] : [state];
      });
      const previous = this.effective.get(device) ?? null;
      // A device no node lists any more is one Asterisk no longer knows: unavailable.
      const state = combinePhoneStates(reported) ?? (previous === null ? null : 'unavailable');
      if (state === null || state === previous) continue;
      this.effective.set(device, state);
      this.notify('change', { device, state, previous });
    }
  }

  /** Emits without letting a listener's exception break the connection or the caller's loop. */
  private notify<K extends keyof DeviceStateTrackerEvents>(name: K, ...args: DeviceStateTrackerEvents[K]): void {
    try {
      (this.emit as (event: string, ...rest: unknown[]) => boolean)(name as string, ...args);
    } catch (error) {
      this.log.error({ err: error, event: name }, 'a listener threw; ignored');
    }
  }
}

/** The device update an unsolicited AMI event carries, if any. */
export function liveUpdate(message: AmiMessage): [string, PhoneState] | null {
  if (message.event === AMI_EVENTS.DeviceStateChange) {
    const device = message.get(AMI_KEYS.Device);
    const state = message.get(AMI_KEYS.State);
    // A state Asterisk never sends is a corrupt frame, not news about the phone: marking
    // the phone unavailable on it would take an advisor out of routing until the next resync.
    return device && state !== undefined && isKnownDeviceState(state) ? [device, phoneStateFromDeviceState(state)] : null;
  }
  if (message.event === AMI_EVENTS.ExtensionStatus) {
    // The part before a comma is the device; after it comes the presence provider.
    const hint = message.get(AMI_KEYS.Hint)?.split(',')[0]?.trim();
    const status = Number(message.get(AMI_KEYS.Status));
    // Only a hint naming one device says something about that device.
    if (!hint || hint.includes('&') || !Number.isInteger(status) || status < 0) return null;
    return [hint, phoneStateFromExtensionStatus(status)];
  }
  return null;
}
