import { AmiActionError, AmiProtocolError, AmiTimeoutError } from './errors.js';
import type { AmiMessage } from './message.js';
import { AMI_EVENT_LIST, AMI_KEYS, AMI_RESPONSES } from './protocol.js';

/** Outcome of an action: the response, plus the items of a list action and its `...Complete` event. */
export interface AmiResult {
  response: AmiMessage;
  items: AmiMessage[];
  /** The `...Complete` event of a list, or the awaited event (OriginateResponse); else null. */
  completion: AmiMessage | null;
}

interface Pending {
  action: string;
  resolve: (result: AmiResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  response: AmiMessage | null;
  items: AmiMessage[];
  completion: AmiMessage | null;
  listing: boolean;
  /** Async Originate: also wait for the OriginateResponse event carrying our ActionID. */
  awaitEvent: string | null;
}

/**
 * Actions in flight by ActionID, each with its own timeout. Routes incoming frames to them:
 * responses, list items up to `EventList: Complete`, and an awaited event such as the
 * OriginateResponse of an async Originate.
 */
export class PendingActions {
  private readonly pending = new Map<string, Pending>();
  /** ActionIDs given up on (timeout); their late list items are dropped instead of looking live. */
  private readonly abandoned = new Set<string>();

  get size(): number {
    return this.pending.size;
  }

  add(actionId: string, action: string, timeoutMs: number, awaitEvent: string | null): Promise<AmiResult> {
    return new Promise<AmiResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(actionId);
        this.rememberAbandoned(actionId);
        reject(new AmiTimeoutError(action, timeoutMs));
      }, timeoutMs);
      this.pending.set(actionId, { action, resolve, reject, timer, response: null, items: [], completion: null, listing: false, awaitEvent });
    });
  }

  /**
   * Takes what belongs to a pending action. Returns true when the frame should also be
   * emitted as an unsolicited event (any event not consumed, and awaited events).
   */
  route(message: AmiMessage): boolean {
    const id = message.actionId;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (message.isEvent) {
      if (!pending || id === undefined) {
        return !(id !== undefined && this.abandoned.has(id) && message.get(AMI_KEYS.EventList) !== undefined);
      }
      if (pending.awaitEvent !== null && message.event === pending.awaitEvent) {
        pending.completion = message;
        this.maybeFinish(id, pending);
        return true;
      }
      if (message.get(AMI_KEYS.EventList) === AMI_EVENT_LIST.Complete) {
        pending.completion = message;
        this.finish(id, pending);
      } else {
        pending.items.push(message);
      }
      return false;
    }
    if (!pending || id === undefined) return false;
    if (message.response === AMI_RESPONSES.Error) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new AmiActionError(pending.action, message));
      return false;
    }
    pending.response = message;
    if (message.get(AMI_KEYS.EventList) === AMI_EVENT_LIST.start) pending.listing = true;
    else this.maybeFinish(id, pending);
    return false;
  }

  /** Rejects everything in flight (the socket closed). */
  rejectAll(error: (action: string) => Error): void {
    const inFlight = [...this.pending.values()];
    this.pending.clear();
    for (const p of inFlight) {
      clearTimeout(p.timer);
      p.reject(error(p.action));
    }
  }

  private maybeFinish(id: string, pending: Pending): void {
    if (pending.response === null || pending.listing) return;
    if (pending.awaitEvent !== null && pending.completion === null) return;
    this.finish(id, pending);
  }

  private finish(id: string, pending: Pending): void {
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (pending.response === null) {
      pending.reject(new AmiProtocolError(`"${pending.action}" ended its list before its response`));
      return;
    }
    pending.resolve({ response: pending.response, items: pending.items, completion: pending.completion });
  }

  private rememberAbandoned(id: string): void {
    this.abandoned.add(id);
    if (this.abandoned.size > 256) {
      const oldest = this.abandoned.values().next().value;
      if (oldest !== undefined) this.abandoned.delete(oldest);
    }
  }
}
