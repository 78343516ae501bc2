// The working day both runs replay: who is at work and when, and every caller with all
// their traits drawn up front (who calls, when, how patient, which key they press, how
// long they talk), so the affinity and the no-affinity run see exactly the same arrivals.
import { Random } from '../../db/seeds/random.js';

export const HOUR_MS = 3_600_000;

/** Offered load as a share of the advisors' capacity, hour by hour from 09:00. */
export const OCCUPANCY_PLAN = [0.75, 1.1, 0.85, 0.75, 0.7, 0.8, 0.85, 0.8, 0.7] as const;

export interface DayAssumptions {
  /** Mean talk time of a call (Erlang-2 distributed). */
  meanTalkMs: number;
  /** An agent picks up after 3-8 s; this share of legs rings out instead. */
  agentNoAnswerShare: number;
  /** Mean time a caller waits before hanging up (exponential). */
  meanPatienceMs: number;
  /** Keys at the owner-busy prompt: wait / callback / next / none (default applies). */
  ownerKeys: Readonly<Record<'wait' | 'callback' | 'next' | 'none', number>>;
  /** Share of callers who take the peak-time callback offer. */
  peakAcceptShare: number;
  /** Chance a member answers a callback attempt. */
  memberAnswerShare: number;
  /** Share of callers who are not members. */
  unknownCallerShare: number;
  /** Advisors not at work today (not logged in). */
  absentAdvisors: number;
  /** How long the owner prompt and the peak offer take before the key is known. */
  ownerPromptMs: number;
  peakPromptMs: number;
}

export const DAY_ASSUMPTIONS: DayAssumptions = {
  meanTalkMs: 240_000,
  agentNoAnswerShare: 0.03,
  meanPatienceMs: 150_000,
  ownerKeys: { wait: 50, callback: 25, next: 15, none: 10 },
  peakAcceptShare: 0.5,
  memberAnswerShare: 0.75,
  unknownCallerShare: 0.05,
  absentAdvisors: 2,
  ownerPromptMs: 10_000,
  peakPromptMs: 8_000,
};

export interface Arrival {
  index: number;
  at: number;
  /** Index into the members list; null for a caller who is not a member. */
  member: number | null;
  patienceMs: number;
  talkMs: number;
  ownerKey: 'wait' | 'callback' | 'next' | 'none';
  acceptsPeakCallback: boolean;
}

export interface Shift {
  advisorId: number;
  present: boolean;
  lunchFrom: number;
  lunchUntil: number;
}

export interface DayPlan {
  opensAt: number;
  closesAt: number;
  shifts: Shift[];
  arrivals: Arrival[];
  /** Calls offered per hour and the capacity they were planned against. */
  hourly: Array<{ hour: number; plannedOccupancy: number; advisorsAvailable: number; expectedCalls: number }>;
}

/** 09:00 in Asia/Shanghai on an ordinary Tuesday. */
export function dayStart(day: number): number {
  return Date.UTC(2026, 2, 10 + day, 1, 0, 0);
}

/** Erlang-2 with the given mean: less skewed than exponential, as talk times are. */
function erlang2(mean: number, random: Random): number {
  return (-Math.log(1 - random.next()) - Math.log(1 - random.next())) * (mean / 2);
}

export function planDay(options: { day: number; advisorIds: readonly number[]; members: number; wrapUpMs: number; assumptions?: DayAssumptions }): DayPlan {
  const a = options.assumptions ?? DAY_ASSUMPTIONS;
  const random = new Random(90_210 + options.day);
  const opensAt = dayStart(options.day);
  const closesAt = opensAt + OCCUPANCY_PLAN.length * HOUR_MS;
  const absent = new Set(random.sample(options.advisorIds, a.absentAdvisors));
  let lunchTurn = 0;
  const shifts: Shift[] = options.advisorIds.map((advisorId) => {
    const present = !absent.has(advisorId);
    // Two lunch waves, 11:30 and 12:30, an hour each.
    const lunchFrom = opensAt + 2.5 * HOUR_MS + (present ? lunchTurn++ % 2 : 0) * HOUR_MS;
    return { advisorId, present, lunchFrom, lunchUntil: lunchFrom + HOUR_MS };
  });
  // One advisor serves 3600 / (talk + wrap-up + answering) calls an hour at full occupancy.
  const perAdvisorHour = HOUR_MS / (a.meanTalkMs + options.wrapUpMs + 5_500);
  const hourly = OCCUPANCY_PLAN.map((occupancy, hour) => {
    const from = opensAt + hour * HOUR_MS;
    const to = from + HOUR_MS;
    const advisorsAvailable = shifts
      .filter((s) => s.present)
      .reduce((sum, s) => sum + 1 - Math.max(0, Math.min(to, s.lunchUntil) - Math.max(from, s.lunchFrom)) / HOUR_MS, 0);
    return { hour: 9 + hour, plannedOccupancy: occupancy, advisorsAvailable, expectedCalls: occupancy * advisorsAvailable * perAdvisorHour };
  });
  const arrivals: Arrival[] = [];
  const keys = Object.entries(a.ownerKeys) as Array<[Arrival['ownerKey'], number]>;
  hourly.forEach((h, hour) => {
    const meanGap = HOUR_MS / h.expectedCalls;
    let t = opensAt + hour * HOUR_MS - Math.log(1 - random.next()) * meanGap;
    while (t < opensAt + (hour + 1) * HOUR_MS) {
      arrivals.push({
        index: arrivals.length,
        at: Math.round(t),
        member: random.chance(a.unknownCallerShare) ? null : random.int(0, options.members - 1),
        patienceMs: Math.round(-Math.log(1 - random.next()) * a.meanPatienceMs),
        talkMs: Math.round(erlang2(a.meanTalkMs, random)),
        ownerKey: random.weighted(Object.fromEntries(keys) as Record<Arrival['ownerKey'], number>),
        acceptsPeakCallback: random.chance(a.peakAcceptShare),
      });
      t += -Math.log(1 - random.next()) * meanGap;
    }
  });
  return { opensAt, closesAt, shifts, arrivals, hourly };
}

/** A stable draw in [0, 1) for an entity, so both runs see the same luck for the same thing. */
export function stableUnit(...keys: number[]): number {
  let h = 0x811c9dc5;
  for (const k of keys) {
    h = Math.imul(h ^ (k & 0xffff), 0x01000193);
    h = Math.imul(h ^ (k >>> 16), 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}
