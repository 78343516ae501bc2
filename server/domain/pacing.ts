// Callback pacing: may we call this member now, and if not, from when? "Never harass":
// quiet hours in the member's zone, a weekly cap on proactive contacts, a gap between
// proactive attempts, a maximum of attempts per callback.
import { isValidTimeZone, localClock, inQuietHours, nextAllowedInstant } from './local-time.js';
import type { QuietHours } from '../config/config.js';
import type { CallbackReason } from './model.js';

export const WEEK_MS = 7 * 24 * 3_600_000;

export const PACING_RULES = ['max-attempts', 'invalid-time-zone', 'weekly-cap', 'min-gap', 'quiet-hours'] as const;
export type PacingRule = (typeof PACING_RULES)[number];

export interface PacingSettings {
  quietHours: QuietHours;
  /** Proactive contacts per member per rolling 7 days. */
  weeklyCap: number;
  /** Between two proactive attempts to the same member. */
  minGapMs: number;
}

/** One outbound contact attempt with the member, from the contact log. */
export interface ContactRecord {
  at: number;
  /** The callback the attempt belonged to; null for contacts outside callbacks. */
  callbackId: number | null;
  /** Null for contacts outside callbacks (they count as proactive). */
  callbackReason: CallbackReason | null;
}

export interface SupervisorOverride {
  by: number;
  reason: string;
}

export interface PacingRequest {
  callback: { id: number; reason: CallbackReason; attempts: number; maxAttempts: number };
  timeZone: string;
  /** The member's contact log; entries older than a week or in the future are ignored. */
  contacts: readonly ContactRecord[];
  override: SupervisorOverride | null;
  now: number;
}

export type PacingDecision =
  | { allowed: true; overridden: readonly PacingRule[]; override: SupervisorOverride | null; explanation: string }
  | {
      allowed: false;
      reason: PacingRule;
      /** Every rule standing between now and `notBefore`, in the order of PACING_RULES. */
      blockedBy: readonly PacingRule[];
      /** Earliest instant all rules allow it; null when only a person can unblock it. */
      notBefore: number | null;
      explanation: string;
    };

/** The member asked for these, so they are not proactive: no weekly cap, no gap. */
const MEMBER_ASKED: ReadonlySet<CallbackReason | null> = new Set<CallbackReason | null>(['requested', 'peak-offer']);

export function isProactive(reason: CallbackReason | null): boolean {
  return !MEMBER_ASKED.has(reason);
}

interface CountedContact {
  /** When it stops counting in the rolling week: the latest attempt of the contact. */
  lastAt: number;
  key: string;
}

/** Proactive contacts in the week before `now`; all attempts of one abandoned-call callback count once. */
function countedContacts(contacts: readonly ContactRecord[], now: number): CountedContact[] {
  const byKey = new Map<string, CountedContact>();
  contacts.forEach((c, index) => {
    if (!isProactive(c.callbackReason) || c.at > now || c.at <= now - WEEK_MS) return;
    const key = c.callbackReason === 'abandoned' && c.callbackId !== null ? `abandoned:${c.callbackId}` : `contact:${index}`;
    const seen = byKey.get(key);
    if (!seen || seen.lastAt < c.at) byKey.set(key, { key, lastAt: c.at });
  });
  return [...byKey.values()];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function pacingDecision(request: PacingRequest, settings: PacingSettings): PacingDecision {
  const { callback, now, override } = request;
  if (callback.attempts >= callback.maxAttempts) {
    return {
      allowed: false,
      reason: 'max-attempts',
      blockedBy: ['max-attempts'],
      notBefore: null,
      explanation: `callback ${callback.id} used all ${callback.maxAttempts} attempts; a supervisor decides what happens next`,
    };
  }
  if (!isValidTimeZone(request.timeZone)) {
    return {
      allowed: false,
      reason: 'invalid-time-zone',
      blockedBy: ['invalid-time-zone'],
      notBefore: null,
      explanation: `member time zone "${request.timeZone}" is not an IANA zone such as Asia/Shanghai; fix the member record`,
    };
  }

  const blocked: PacingRule[] = [];
  const lifted: PacingRule[] = [];
  const notes: string[] = [];
  let earliest = now;
  if (isProactive(callback.reason)) {
    const counted = countedContacts(request.contacts, now);
    const alreadyCounted = callback.reason === 'abandoned' && counted.some((c) => c.key === `abandoned:${callback.id}`);
    // How many contacts must leave the window before this one fits under the cap.
    const excess = counted.length + (alreadyCounted ? 0 : 1) - settings.weeklyCap;
    if (excess > 0) {
      const expiries = counted.map((c) => c.lastAt + WEEK_MS).sort((a, b) => a - b);
      const capFreeAt = expiries[excess - 1];
      if (override) lifted.push('weekly-cap');
      else if (capFreeAt === undefined) {
        return {
          allowed: false,
          reason: 'weekly-cap',
          blockedBy: ['weekly-cap'],
          notBefore: null,
          explanation: `weekly cap ${settings.weeklyCap} allows no proactive contact at all`,
        };
      } else {
        blocked.push('weekly-cap');
        earliest = Math.max(earliest, capFreeAt);
        notes.push(`${counted.length} proactive contact(s) in the last 7 days (cap ${settings.weeklyCap}) until ${iso(capFreeAt)}`);
      }
    }
    const others = request.contacts.filter(
      (c) => isProactive(c.callbackReason) && c.at <= now && !(callback.reason === 'abandoned' && c.callbackId === callback.id && c.callbackReason === 'abandoned'),
    );
    const last = others.reduce((max, c) => Math.max(max, c.at), -Infinity);
    if (Number.isFinite(last) && now - last < settings.minGapMs) {
      if (override) lifted.push('min-gap');
      else {
        blocked.push('min-gap');
        earliest = Math.max(earliest, last + settings.minGapMs);
        notes.push(`last proactive contact ${iso(last)}, minimum gap ${Math.round(settings.minGapMs / 60_000)} min`);
      }
    }
  }
  const allowedAt = nextAllowedInstant(earliest, request.timeZone, settings.quietHours);
  if (inQuietHours(localClock(now, request.timeZone).minuteOfDay, settings.quietHours) || allowedAt > earliest) {
    blocked.push('quiet-hours');
    notes.push(`quiet hours in ${request.timeZone} until ${iso(allowedAt)}`);
  }
  if (blocked.length > 0) {
    const order = (r: PacingRule) => PACING_RULES.indexOf(r);
    const sorted = [...blocked].sort((a, b) => order(a) - order(b));
    return {
      allowed: false,
      reason: sorted[0]!,
      blockedBy: sorted,
      notBefore: allowedAt,
      explanation: `not before ${iso(allowedAt)}: ${notes.join('; ')}`,
    };
  }
  const overriddenText = lifted.length > 0 && override ? `; supervisor ${override.by} lifted ${lifted.join(', ')}: ${override.reason}` : '';
  return {
    allowed: true,
    overridden: lifted,
    override: lifted.length > 0 ? override : null,
    explanation: `allowed (${isProactive(callback.reason) ? 'proactive' : 'member asked'}, ${callback.reason})${overriddenText}`,
  };
}
