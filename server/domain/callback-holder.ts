// Who holds a callback: the one advisor it is in the hands of right now. A supervisor's
// assignment moves it to the assigned advisor, and away from its preferred advisor (the
// owner, or who promised it); unassigned, the preferred advisor holds it. The dispatcher's
// claim for an advisor and an agent's access over REST both follow this rule (the store
// mirrors it in SQL), so an agent can never undo a supervisor's reassignment.
import type { Callback } from './model.js';

type Holding = Pick<Callback, 'assignedAdvisorId' | 'preferredAdvisorId'>;

/** The advisor holding the callback; null when it has neither an assigned nor a preferred advisor. */
export function callbackHolder(callback: Holding): number | null {
  return callback.assignedAdvisorId ?? callback.preferredAdvisorId;
}

export function holdsCallback(advisorId: number, callback: Holding): boolean {
  return callbackHolder(callback) === advisorId;
}
