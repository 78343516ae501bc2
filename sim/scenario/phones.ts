// Agent phones and member numbers as the scenario wants them to behave, plus the
// count of originates per endpoint (for exactly-once tests).
import type { PhoneBehaviour } from '../core/model.js';
import type { DeviceState } from '../core/protocol.js';
import { DEVICE_STATES } from '../core/protocol.js';

export const DEFAULT_AGENT: PhoneBehaviour = { kind: 'answer', ringMs: 1000 };
export const DEFAULT_MEMBER: PhoneBehaviour = { kind: 'answer', ringMs: 3000 };

/** `PJSIP/1001`, `SIP/1001`, `Local/1001@agents` (options after `/n` dropped). */
export function deviceOf(dialString: string): string {
  return dialString.replace(/\/n$/, '').replace(/,.*$/, '');
}

export function idleStateOf(b: PhoneBehaviour): DeviceState {
  if (b.kind === 'unregistered') return DEVICE_STATES.unavailable;
  if (b.kind === 'busy') return DEVICE_STATES.inUse;
  return DEVICE_STATES.notInUse;
}

export class PhoneBook {
  readonly agents = new Map<string, PhoneBehaviour>();
  readonly numbers = new Map<string, PhoneBehaviour>();
  memberDefault: PhoneBehaviour | undefined = DEFAULT_MEMBER;
  readonly originates = new Map<string, number>();

  phoneFor(device: string, number: string | undefined): PhoneBehaviour | undefined {
    const agent = this.agents.get(device);
    if (agent) return agent;
    if (number === undefined) return undefined;
    return this.numbers.get(number) ?? this.memberDefault;
  }

  countOriginate(endpoint: string): void {
    const key = deviceOf(endpoint);
    this.originates.set(key, (this.originates.get(key) ?? 0) + 1);
  }
}
