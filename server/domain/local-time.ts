// Wall-clock time in a member's IANA zone, for quiet hours. Only Intl is used, so
// daylight-saving changes come from the platform's time-zone data.
import type { QuietHours } from '../config/config.js';

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Minutes after local midnight (0-1439) and the seconds part, in `timeZone`. Throws RangeError for an unknown zone. */
export function localClock(instant: number, timeZone: string): { minuteOfDay: number; msIntoMinute: number } {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const second = get('second');
  return { minuteOfDay: get('hour') * 60 + get('minute'), msIntoMinute: second * 1000 + (((instant % 1000) + 1000) % 1000) };
}

/**
 * The instant local midnight began in `timeZone` on the local day holding `instant`
 * ("today" for statistics). A daylight-saving change earlier that day is corrected for.
 */
export function startOfLocalDay(instant: number, timeZone: string): number {
  const { minuteOfDay, msIntoMinute } = localClock(instant, timeZone);
  let start = instant - minuteOfDay * MINUTE_MS - msIntoMinute;
  const drift = localClock(start, timeZone).minuteOfDay;
  // After a shift the guess lands an hour off midnight: move back or forward by what it shows.
  if (drift !== 0) start -= (drift > DAY_MINUTES / 2 ? drift - DAY_MINUTES : drift) * MINUTE_MS;
  return start;
}

/** `start == end` means no quiet hours; `start > end` spans midnight (21:00-09:00). */
export function inQuietHours(minuteOfDay: number, quiet: QuietHours): boolean {
  const { startMinute: start, endMinute: end } = quiet;
  if (start === end) return false;
  return start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
}

export function isQuietAt(instant: number, timeZone: string, quiet: QuietHours): boolean {
  return inQuietHours(localClock(instant, timeZone).minuteOfDay, quiet);
}

/**
 * The first instant at or after `instant` outside quiet hours. Jumps straight to the
 * local end time, then corrects for a UTC offset change (DST) on the way; a last
 * minute-by-minute walk covers an end time that falls into a DST gap.
 */
export function nextAllowedInstant(instant: number, timeZone: string, quiet: QuietHours): number {
  const clock = localClock(instant, timeZone);
  if (!inQuietHours(clock.minuteOfDay, quiet)) return instant;
  const ahead = (quiet.endMinute - clock.minuteOfDay + DAY_MINUTES) % DAY_MINUTES;
  let candidate = instant - clock.msIntoMinute + ahead * MINUTE_MS;
  for (let i = 0; i < 2; i += 1) {
    const local = localClock(candidate, timeZone).minuteOfDay;
    let drift = (quiet.endMinute - local + DAY_MINUTES) % DAY_MINUTES;
    if (drift > DAY_MINUTES / 2) drift -= DAY_MINUTES;
    if (drift === 0) break;
    candidate += drift * MINUTE_MS;
  }
  for (let i = 0; i < 180 && isQuietAt(candidate, timeZone, quiet); i += 1) candidate += MINUTE_MS;
  return Math.max(candidate, instant);
}
