// What the callback queue announces after every stored change, and where it goes: the
// desktop gateway pushes it as `callbacks:changed` to supervisors and to the advisors the
// callbacks belong to. The engine never imports the gateway; the composition root hands
// in something with these two methods (the DesktopGateway satisfies it).
import type { CallbackState } from '../domain/model.js';
import type { CallbackChangeAction, CallbacksChanged, CallbackOffer, ScreenPop } from '../desktop/contract.js';
import type { CallbackRecord } from '../store/callbacks.js';

export interface CallbackChange {
  action: CallbackChangeAction;
  callbacks: readonly CallbackRecord[];
  at: string;
}

/** The slice of the desktop gateway the callback engine talks to. */
export interface CallbackDesktop {
  pushCallbacksChanged(change: CallbacksChanged, advisorIds: readonly number[]): void;
  pushCallbackOffer(advisorId: number, offer: CallbackOffer): void;
  sendScreenPop(advisorId: number, pop: ScreenPop): Promise<unknown>;
  updateScreenPop(advisorId: number, pop: ScreenPop): Promise<unknown>;
}

/** The advisors a change concerns besides supervisors: whoever each callback belongs to. */
export function advisorsConcerned(callbacks: readonly CallbackRecord[]): number[] {
  const ids = new Set<number>();
  for (const c of callbacks) {
    if (c.preferredAdvisorId !== null) ids.add(c.preferredAdvisorId);
    if (c.assignedAdvisorId !== null) ids.add(c.assignedAdvisorId);
  }
  return [...ids];
}

export function toPushedChange(change: CallbackChange): CallbacksChanged {
  const states = new Set<CallbackState>(change.callbacks.map((c) => c.state));
  const [only] = states;
  return {
    action: change.action,
    callbackIds: change.callbacks.map((c) => c.id),
    at: change.at,
    ...(states.size === 1 && only ? { state: only } : {}),
  };
}
