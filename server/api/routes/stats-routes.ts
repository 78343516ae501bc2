import { z } from 'zod';
import { startOfLocalDay } from '../../domain/local-time.js';
import { summarize } from '../../stats/summary.js';
import { ValidationError } from '../../shared/errors.js';
import type { ApiDeps } from '../deps.js';
import { route } from '../route-spec.js';
import { isoDate } from '../schemas.js';

const SUPERVISORS = ['supervisor', 'admin'] as const;
const MAX_RANGE_MS = 93 * 86_400_000;

export function statsRoutes({ store, now, config }: ApiDeps) {
  return [
    route({
      method: 'get',
      path: '/api/stats',
      summary: "Affinity (own / delegate / pool), service level, abandonment and callback SLA, by advisor and by hour; default today (the center's CTI_TIME_ZONE)",
      tag: 'stats',
      access: SUPERVISORS,
      query: z.object({
        from: isoDate.optional(),
        to: isoDate.optional(),
        serviceLevelSeconds: z.coerce.number().int().min(1).max(600).default(20),
      }),
      handler: async ({ query }) => {
        const at = now();
        const from = query.from ?? new Date(startOfLocalDay(at, config.timeZone)).toISOString();
        const to = query.to ?? new Date(at + 1).toISOString();
        const span = Date.parse(to) - Date.parse(from);
        if (span <= 0) throw new ValidationError('Invalid query: from must be before to.');
        if (span > MAX_RANGE_MS) throw new ValidationError('Invalid query: a statistics range covers at most 93 days.');
        return summarize(await store.stats.report({ from, to, serviceLevelMs: query.serviceLevelSeconds * 1000 }));
      },
    }),
  ];
}
