// What the gateway tells the rest of the server (the presence service mostly). Listeners
// may be async; for `agent-state-requested` a listener that throws an AppError refuses
// the change and its message goes back to the desktop in the ack.
import type { SessionUser } from '../domain/session.js';
import type { RequestableState } from './contract.js';

export interface GatewayEvents {
  /** The first desktop socket of this advisor connected (to this server, or after all were gone). */
  'agent-connected': (advisorId: number) => void | Promise<void>;
  /** The last desktop socket of this advisor went away. */
  'agent-disconnected': (advisorId: number) => void | Promise<void>;
  /** The agent asked for a state on the desktop; the presence service decides and pushes `agent:state`. */
  'agent-state-requested': (
    advisorId: number,
    state: RequestableState,
    reason: string | null,
    user: SessionUser,
  ) => void | Promise<void>;
  /** A desktop said it rendered this pop (`screen-pop:ack`). */
  'screen-pop-acked': (advisorId: number, popId: string) => void | Promise<void>;
}

export type GatewayEventName = keyof GatewayEvents;

export class GatewayListeners {
  private readonly listeners = new Map<GatewayEventName, Set<(...args: never[]) => unknown>>();

  on<K extends GatewayEventName>(event: K, listener: GatewayEvents[K]): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (...args: never[]) => unknown);
    this.listeners.set(event, set);
    return () => set.delete(listener as (...args: never[]) => unknown);
  }

  count(event: GatewayEventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener in order and waits for each; the first failure is rethrown. */
  async emit<K extends GatewayEventName>(event: K, ...args: Parameters<GatewayEvents[K]>): Promise<void> {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      await (listener as (...a: Parameters<GatewayEvents[K]>) => unknown)(...args);
    }
  }
}
