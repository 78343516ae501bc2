// Rates from the counts the store returns. Affinity is the headline: the share of
// answered member calls handled by the member's own advisor or their delegate, always
// shown with its parts.
import type { CallCounts, StatsReport } from '../store/stats.js';

export interface AffinityFigures {
  own: number;
  delegate: number;
  pool: number;
  /** (own + delegate) / (own + delegate + pool), 0..1; 0 when nothing was answered. */
  rate: number;
}

export interface StatsSummary {
  range: StatsReport['range'];
  affinity: AffinityFigures;
  serviceLevel: { answeredWithin: number; answered: number; rate: number };
  abandonment: { abandoned: number; offered: number; rate: number };
  callbackSla: { completedWithin: number; completed: number; rate: number };
  /** Share of completed callbacks made by the member's own advisor. */
  callbacksByOwner: { completedByOwner: number; completed: number; rate: number };
  calls: StatsReport['calls'];
  callbacks: StatsReport['callbacks'];
  byAdvisor: Array<StatsReport['byAdvisor'][number] & { affinityRate: number; averageWaitSeconds: number }>;
  byHour: Array<StatsReport['byHour'][number] & { serviceLevel: number; abandonment: number }>;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

export function affinityOf(own: number, delegate: number, pool: number): AffinityFigures {
  return { own, delegate, pool, rate: ratio(own + delegate, own + delegate + pool) };
}

/** Affinity, service level and abandonment: what the call counts alone give. */
export function callFigures(calls: CallCounts): Pick<StatsSummary, 'affinity' | 'serviceLevel' | 'abandonment'> {
  const byReason = calls.answeredByReason;
  const offered = calls.answered + calls.abandoned;
  return {
    affinity: affinityOf(byReason['own-advisor'] ?? 0, byReason.delegate ?? 0, byReason.pool ?? 0),
    serviceLevel: { answeredWithin: calls.answeredWithinServiceLevel, answered: calls.answered, rate: ratio(calls.answeredWithinServiceLevel, offered) },
    abandonment: { abandoned: calls.abandoned, offered, rate: ratio(calls.abandoned, offered) },
  };
}

export function summarize(report: StatsReport): StatsSummary {
  const { calls, callbacks } = report;
  const completedByOwner = report.callbacksByOwner.reduce((n, o) => n + o.completedByOwner, 0);
  return {
    range: report.range,
    ...callFigures(calls),
    callbackSla: { completedWithin: callbacks.completedWithinSla, completed: callbacks.completed, rate: ratio(callbacks.completedWithinSla, callbacks.completed) },
    callbacksByOwner: { completedByOwner, completed: callbacks.completed, rate: ratio(completedByOwner, callbacks.completed) },
    calls,
    callbacks,
    byAdvisor: report.byAdvisor.map((a) => ({
      ...a,
      affinityRate: ratio(a.own + a.delegate, a.own + a.delegate + a.pool),
      averageWaitSeconds: Math.round(ratio(a.totalWaitMs, a.answered) / 100) / 10,
    })),
    byHour: report.byHour.map((h) => ({ ...h, serviceLevel: ratio(h.answeredWithinServiceLevel, h.answered + h.abandoned), abandonment: ratio(h.abandoned, h.answered + h.abandoned) })),
  };
}
