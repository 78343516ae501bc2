// Pure folding of Asterisk device states into the domain's PhoneState, and the mapping
// from an advisor's dial string to the device name Asterisk reports states under.
import type { PhoneState } from '../../domain/model.js';
import { DEVICE_STATES, EXTENSION_STATUS } from '../ami/protocol.js';

const BY_DEVICE_STATE: Record<string, PhoneState> = {
  [DEVICE_STATES.NOT_INUSE]: 'idle',
  [DEVICE_STATES.RINGING]: 'ringing',
  [DEVICE_STATES.RINGINUSE]: 'ringing',
  [DEVICE_STATES.INUSE]: 'in-use',
  [DEVICE_STATES.BUSY]: 'in-use',
  [DEVICE_STATES.ONHOLD]: 'in-use',
  [DEVICE_STATES.UNAVAILABLE]: 'unavailable',
  [DEVICE_STATES.INVALID]: 'unavailable',
  [DEVICE_STATES.UNKNOWN]: 'unavailable',
};

/** Whether Asterisk could have sent this device state (its fixed `ast_device_state` names). */
export function isKnownDeviceState(state: string): boolean {
  return state.trim().toUpperCase() in BY_DEVICE_STATE;
}

/** DeviceStateChange `State:` (or ARI `device_state.state`) to PhoneState; anything unexpected is unavailable. */
export function phoneStateFromDeviceState(state: string): PhoneState {
  return BY_DEVICE_STATE[state.trim().toUpperCase()] ?? 'unavailable';
}

/** ExtensionStatus `Status:` (bit flags: 1 in use, 2 busy, 4 unavailable, 8 ringing, 16 hold) to PhoneState. */
export function phoneStateFromExtensionStatus(status: number): PhoneState {
  if (!Number.isInteger(status) || status < 0) return 'unavailable';
  if (status === EXTENSION_STATUS.Idle) return 'idle';
  if (status & EXTENSION_STATUS.Ringing) return 'ringing';
  if (status & (EXTENSION_STATUS.InUse | EXTENSION_STATUS.Busy | EXTENSION_STATUS.Hold)) return 'in-use';
  return 'unavailable';
}

/** When several nodes report one device, the most engaged state wins. */
const RANK: Record<PhoneState, number> = { ringing: 3, 'in-use': 2, idle: 1, unavailable: 0 };

export function combinePhoneStates(states: Iterable<PhoneState>): PhoneState | null {
  let best: PhoneState | null = null;
  for (const state of states) if (best === null || RANK[state] > RANK[best]) best = state;
  return best;
}

const CANONICAL_TECH: Record<string, string> = {
  pjsip: 'PJSIP',
  sip: 'SIP',
  local: 'Local',
  iax2: 'IAX2',
  dahdi: 'DAHDI',
  custom: 'Custom',
  stasis: 'Stasis',
  queue: 'Queue',
};

/**
 * The device name whose states describe an advisor's phone, from any dial string:
 * `PJSIP/1001` -> `PJSIP/1001`; `PJSIP/1001/sip:1001@10.0.0.5` -> `PJSIP/1001`;
 * `PJSIP/5551234@trunk` -> `PJSIP/trunk` (the endpoint); `SIP/1001` -> `SIP/1001`;
 * `Local/1001@agents/n` -> `Local/1001@agents`; `Local/1001` -> `Local/1001@default`;
 * `Custom:agent1001` -> itself. Returns null when the string names no device.
 */
export function deviceForEndpoint(endpoint: string): string | null {
  const text = endpoint.trim();
  const colonDevice = /^([A-Za-z]+):(\S+)$/.exec(text);
  if (colonDevice && !text.includes('/')) {
    const tech = CANONICAL_TECH[colonDevice[1]!.toLowerCase()] ?? colonDevice[1]!;
    return `${tech}:${colonDevice[2]}`;
  }
  const match = /^([A-Za-z0-9_]+)\/([^/\s]+)(?:\/.*)?$/.exec(text);
  if (!match) return null;
  const tech = CANONICAL_TECH[match[1]!.toLowerCase()] ?? match[1]!;
  const resource = match[2]!;
  if (tech === 'Local') {
    const [exten, context] = resource.split('@');
    if (!exten) return null;
    return `Local/${exten}@${context || 'default'}`;
  }
  const at = resource.lastIndexOf('@');
  const device = at >= 0 ? resource.slice(at + 1) : resource;
  return device ? `${tech}/${device}` : null;
}
