import { z } from 'zod';
import { ROUTE_REASONS } from '../../domain/model.js';
import { CALL_DIRECTIONS, CALL_OUTCOMES, type CallRecord } from '../../store/calls.js';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import type { SessionUser } from '../../domain/session.js';
import type { ApiDeps } from '../deps.js';
import { route } from '../route-spec.js';
import { idParams, isoDate, pageQuery } from '../schemas.js';

const listQuery = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  memberId: z.coerce.number().int().positive().optional(),
  advisorId: z.coerce.number().int().positive().optional(),
  outcome: z.enum(CALL_OUTCOMES).optional(),
  reason: z.enum(ROUTE_REASONS).optional(),
  direction: z.enum(CALL_DIRECTIONS).optional(),
  ...pageQuery,
});

/** An agent sees the calls they answered or that were for their own members. */
function mayRead(user: SessionUser, call: CallRecord): boolean {
  if (user.role !== 'agent') return true;
  return user.advisorId !== null && (call.answeredBy === user.advisorId || call.ownerId === user.advisorId);
}

export function callRoutes({ store }: ApiDeps) {
  return [
    route({
      method: 'get',
      path: '/api/calls',
      summary: 'Calls, newest first; agents see their own only',
      tag: 'calls',
      access: 'signed-in',
      query: listQuery,
      handler: async ({ query, user }) => {
        const { limit, offset, ...filter } = query;
        if (user!.role === 'agent') {
          if (user!.advisorId === null) throw new ForbiddenError('Your account is not linked to an advisor.');
          if (filter.advisorId !== undefined && filter.advisorId !== user!.advisorId) {
            throw new ForbiddenError("Agents may list their own calls only.");
          }
          filter.advisorId = user!.advisorId;
        }
        return store.calls.list(filter, { limit: limit ?? 50, offset: offset ?? 0 });
      },
    }),
    route({
      method: 'get',
      path: '/api/calls/:id',
      summary: 'One call with its routing reason trail ("why did this call go to Bob?")',
      tag: 'calls',
      access: 'signed-in',
      params: idParams,
      handler: async ({ params, user }) => {
        const call = await store.calls.get(params.id);
        if (!call || !mayRead(user!, call)) throw new NotFoundError(`Call ${params.id}`);
        const dispositions = await store.dispositions.listForCall(call.id);
        return { ...call, dispositions };
      },
    }),
  ];
}
