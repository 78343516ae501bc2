import { z } from 'zod';
import { ADVISOR_TIERS } from '../../domain/model.js';
import { foldPresence } from '../../domain/presence.js';
import { NotFoundError } from '../../shared/errors.js';
import type { ApiDeps } from '../deps.js';
import { route } from '../route-spec.js';
import { idParams, queryBoolean } from '../schemas.js';

const SUPERVISORS = ['supervisor', 'admin'] as const;

// Any Asterisk dial string: technology, a slash, then a resource (PJSIP/1001, Local/1001@agents).
const endpoint = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9]*\/[^\s,;|&]+$/, 'must be an Asterisk dial string such as PJSIP/1001 or Local/1001@agents');

const createBody = z.object({
  name: z.string().trim().min(1).max(100),
  nameZh: z.string().trim().max(100).optional(),
  tier: z.enum(ADVISOR_TIERS),
  endpoint,
  capacity: z.number().int().min(1).max(100_000).optional(),
  delegates: z.array(z.number().int().positive()).max(10).optional(),
});

const patchBody = createBody
  .omit({ delegates: true })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to change');

export function advisorRoutes({ store, presence, now, advisorSaved, logger, sessionEnded }: ApiDeps) {
  const withPresence = async <T extends { id: number }>(advisor: T) => {
    const current = presence.get(advisor.id) ?? null;
    return { ...advisor, presence: current, availability: foldPresence(current, now()).availability };
  };

  return [
    route({
      method: 'get',
      path: '/api/advisors',
      summary: 'Advisors with delegates, live presence and member counts',
      tag: 'advisors',
      access: 'signed-in',
      query: z.object({ active: queryBoolean.optional(), tier: z.enum(ADVISOR_TIERS).optional() }),
      handler: async ({ query }) => {
        const [advisors, loads] = await Promise.all([
          store.advisors.list({ ...(query.active !== undefined ? { active: query.active } : {}), ...(query.tier ? { tier: query.tier } : {}) }),
          store.ownership.countsByAdvisor(),
        ]);
        const members = new Map(loads.map((l) => [l.advisorId, l.members]));
        return Promise.all(advisors.map(async (a) => ({ ...(await withPresence(a)), members: members.get(a.id) ?? 0 })));
      },
    }),
    route({
      method: 'get',
      path: '/api/advisors/:id',
      summary: 'One advisor with delegates and live presence',
      tag: 'advisors',
      access: 'signed-in',
      params: idParams,
      handler: async ({ params }) => {
        const advisor = await store.advisors.get(params.id);
        if (!advisor) throw new NotFoundError(`Advisor ${params.id}`);
        return withPresence(advisor);
      },
    }),
    route({
      method: 'post',
      path: '/api/advisors',
      summary: 'Create an advisor; their name prompts are rendered',
      tag: 'advisors',
      access: SUPERVISORS,
      body: createBody,
      status: 201,
      handler: async ({ body }) => {
        const advisor = await store.advisors.create(body);
        advisorSaved?.(advisor);
        return withPresence(advisor);
      },
    }),
    route({
      method: 'patch',
      path: '/api/advisors/:id',
      summary: 'Change an advisor; a new name re-renders their prompts',
      tag: 'advisors',
      access: SUPERVISORS,
      params: idParams,
      body: patchBody,
      handler: async ({ params, body }) => {
        const advisor = await store.advisors.update(params.id, body);
        advisorSaved?.(advisor);
        return withPresence(advisor);
      },
    }),
    route({
      method: 'put',
      path: '/api/advisors/:id/delegates',
      summary: 'Set the ordered delegates who stand in when this advisor is away',
      tag: 'advisors',
      access: SUPERVISORS,
      params: idParams,
      body: z.object({ delegates: z.array(z.number().int().positive()).max(10) }),
      handler: async ({ params, body }) => {
        await store.advisors.setDelegates(params.id, body.delegates);
        return withPresence(await store.advisors.require(params.id));
      },
    }),
    route({
      method: 'post',
      path: '/api/advisors/:id/absence',
      summary: 'Mark an advisor away for the day (calls go to their delegates) or back',
      tag: 'advisors',
      access: SUPERVISORS,
      params: idParams,
      body: z.object({ absent: z.boolean() }),
      handler: async ({ params, body }) => {
        const advisor = await store.advisors.require(params.id);
        presence.track(advisor.id);
        presence.markAbsent(advisor.id, body.absent);
        return withPresence(advisor);
      },
    }),
    route({
      method: 'post',
      path: '/api/advisors/:id/left',
      summary: 'Record that an advisor left; their logins are deactivated and signed out, their members await recall',
      tag: 'advisors',
      access: SUPERVISORS,
      params: idParams,
      handler: async ({ params, user }) => {
        await store.advisors.require(params.id);
        // Logins first: should recording the departure then fail, the leaver is locked out
        // rather than still able to sign in, and the request can simply be sent again.
        const logins = await store.users.deactivateForAdvisor(params.id);
        for (const tokenId of logins.endedTokenIds) sessionEnded(tokenId);
        if (logins.userIds.length) {
          logger.info({ advisorId: params.id, userIds: logins.userIds, sessionsEnded: logins.endedTokenIds.length, by: user!.id }, 'logins of an advisor who left deactivated');
        }
        const advisor = await store.advisors.markLeft(params.id);
        advisorSaved?.(advisor);
        return withPresence(advisor);
      },
    }),
  ];
}
