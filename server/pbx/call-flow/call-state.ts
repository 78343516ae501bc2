// The explicit state of one inbound call. Every change goes through `fire`, which logs
// `from -[event]-> to` and rejects events the current state does not accept, so a late
// or duplicated Asterisk event cannot move a call somewhere it cannot be.
import type { Logger } from '../../shared/logger.js';
import type { AbandonPlace } from './events.js';

export const CALL_STATES = [
  'new',
  'routing',
  'prompting',
  'ringing',
  'waiting-owner',
  'waiting-pool',
  'connected',
  'confirming',
  'ended',
] as const;
export type CallStateName = (typeof CALL_STATES)[number];

export const CALL_EVENTS = [
  'identified',
  'prompt',
  'ring',
  'wait-owner',
  'wait-pool',
  'key',
  'no-key',
  'ring-failed',
  'answered',
  'advisor-freed',
  'wait-expired',
  'owner-away',
  'callback-stored',
  'caller-hangup',
  'agent-hangup',
  'confirmed',
  'lost',
  'failed',
] as const;
export type CallEventName = (typeof CALL_EVENTS)[number];

type Table = Readonly<Record<CallStateName, Partial<Record<CallEventName, CallStateName>>>>;

// Hang-ups and losses are accepted everywhere but `ended`; listed per state so the
// table reads as the whole truth.
const ENDINGS = { 'caller-hangup': 'ended', lost: 'ended', failed: 'ended' } as const;

const TRANSITIONS: Table = {
  new: { identified: 'routing', ...ENDINGS },
  routing: {
    prompt: 'prompting',
    ring: 'ringing',
    'wait-owner': 'waiting-owner',
    'wait-pool': 'waiting-pool',
    'callback-stored': 'confirming',
    ...ENDINGS,
  },
  prompting: { key: 'routing', 'no-key': 'routing', ...ENDINGS },
  ringing: { answered: 'connected', 'ring-failed': 'routing', ...ENDINGS },
  'waiting-owner': { 'advisor-freed': 'routing', 'wait-expired': 'routing', 'owner-away': 'routing', ...ENDINGS },
  'waiting-pool': { 'advisor-freed': 'routing', 'wait-expired': 'routing', ...ENDINGS },
  connected: { 'agent-hangup': 'ended', ...ENDINGS },
  confirming: { confirmed: 'ended', ...ENDINGS },
  ended: {},
};

/** Where a caller hanging up in this state was left: the `abandoned_at` column. */
const ABANDON_PLACE: Partial<Record<CallStateName, AbandonPlace>> = {
  new: 'routing',
  routing: 'routing',
  prompting: 'prompt',
  ringing: 'ringing',
  'waiting-owner': 'owner-wait',
  'waiting-pool': 'pool-wait',
};

export class IllegalCallEventError extends Error {
  constructor(
    readonly state: CallStateName,
    readonly event: CallEventName,
  ) {
    super(`Call event "${event}" is not accepted in state "${state}".`);
    this.name = 'IllegalCallEventError';
  }
}

export class CallState {
  private current: CallStateName = 'new';
  private enteredAt: number;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.enteredAt = now();
  }

  get name(): CallStateName {
    return this.current;
  }

  get ended(): boolean {
    return this.current === 'ended';
  }

  /** Time spent in the current state. */
  get ageMs(): number {
    return this.now() - this.enteredAt;
  }

  accepts(event: CallEventName): boolean {
    return TRANSITIONS[this.current][event] !== undefined;
  }

  /** Moves the call; throws IllegalCallEventError when the event does not apply. */
  fire(event: CallEventName, detail?: string): CallStateName {
    const to = TRANSITIONS[this.current][event];
    if (to === undefined) {
      this.log.warn({ state: this.current, event }, 'rejected call event');
      throw new IllegalCallEventError(this.current, event);
    }
    this.log.debug({ from: this.current, event, to, detail }, `${this.current} -[${event}]-> ${to}`);
    this.current = to;
    this.enteredAt = this.now();
    return to;
  }

  /** Where a caller hanging up now would be recorded as abandoned; null once answered or ended. */
  abandonPlace(): AbandonPlace | null {
    return ABANDON_PLACE[this.current] ?? null;
  }
}
