// Folds what the desktop and the phone say about an advisor into the three states
// routing cares about (DESIGN.md clarification "Presence -> routing"), keeping the
// cause so prompts and the reason trail can say *why* an advisor is busy or away.
import type { AdvisorPresence, Availability } from './model.js';

export const BUSY_CAUSES = ['on-call', 'ringing', 'wrap-up', 'not-ready'] as const;
export type BusyCause = (typeof BUSY_CAUSES)[number];

export const ABSENT_CAUSES = ['logged-out', 'marked-absent', 'phone-unavailable', 'no-presence'] as const;
export type AbsentCause = (typeof ABSENT_CAUSES)[number];

export type PresenceVerdict =
  | { availability: 'available'; idleSince: number | null }
  | { availability: 'busy'; cause: BusyCause; notReadyReason: string | null }
  | { availability: 'absent'; cause: AbsentCause };

/**
 * Absence wins over busy (an advisor who logged out with the phone still ringing is
 * not coming back for this call); a ringing or in-use phone wins over the desktop
 * state. Wrap-up is timed: a desktop still saying `wrap-up` after `wrapUpUntil` has
 * passed is treated as ready, and a `ready` desktop before `wrapUpUntil` as wrap-up.
 */
export function foldPresence(presence: AdvisorPresence | null | undefined, now: number): PresenceVerdict {
  if (!presence) return { availability: 'absent', cause: 'no-presence' };
  if (presence.desktop === 'logged-out') return { availability: 'absent', cause: 'logged-out' };
  if (presence.markedAbsent) return { availability: 'absent', cause: 'marked-absent' };
  if (presence.phone === 'unavailable') return { availability: 'absent', cause: 'phone-unavailable' };
  if (presence.phone === 'in-use') return { availability: 'busy', cause: 'on-call', notReadyReason: null };
  if (presence.phone === 'ringing') return { availability: 'busy', cause: 'ringing', notReadyReason: null };
  if (presence.desktop === 'not-ready') {
    return { availability: 'busy', cause: 'not-ready', notReadyReason: presence.notReadyReason };
  }
  const wrapUpRunning = presence.wrapUpUntil !== null && presence.wrapUpUntil > now;
  const wrapUpOpenEnded = presence.desktop === 'wrap-up' && presence.wrapUpUntil === null;
  if (wrapUpRunning || wrapUpOpenEnded) return { availability: 'busy', cause: 'wrap-up', notReadyReason: null };
  return { availability: 'available', idleSince: presence.idleSince };
}

export function availabilityOf(presence: AdvisorPresence | null | undefined, now: number): Availability {
  return foldPresence(presence, now).availability;
}

const CAUSE_TEXT: Record<BusyCause | AbsentCause, string> = {
  'on-call': 'on a call',
  ringing: 'ringing',
  'wrap-up': 'in wrap-up',
  'not-ready': 'not ready',
  'logged-out': 'not logged in',
  'marked-absent': 'marked absent',
  'phone-unavailable': 'phone unavailable',
  'no-presence': 'not logged in',
};

/** Short English phrase for logs and the reason trail: "on a call", "not ready (lunch)". */
export function describePresence(verdict: PresenceVerdict): string {
  if (verdict.availability === 'available') return 'available';
  const text = CAUSE_TEXT[verdict.cause];
  if (verdict.availability === 'busy' && verdict.cause === 'not-ready' && verdict.notReadyReason) {
    return `${text} (${verdict.notReadyReason})`;
  }
  return text;
}
