import { z } from 'zod';
import { ForbiddenError } from '../../shared/errors.js';
import type { SessionUser } from '../../domain/session.js';
import type { ApiDeps } from '../deps.js';
import { route } from '../route-spec.js';

const SUPERVISORS = ['supervisor', 'admin'] as const;

function ownAdvisor(user: SessionUser): number {
  if (user.advisorId === null) throw new ForbiddenError('Your account is not linked to an advisor, so it has no screen pops.');
  return user.advisorId;
}

export function desktopRoutes({ pops, wallboard }: ApiDeps) {
  return [
    route({
      method: 'get',
      path: '/api/pops/current',
      summary: "The agent's open screen pops, oldest first (a desktop fetches them after a reload or reconnect)",
      tag: 'desktop',
      access: 'signed-in',
      handler: async ({ user }) => ({ pops: await pops.current(ownAdvisor(user!)) }),
    }),
    route({
      method: 'post',
      path: '/api/pops/:popId/dismiss',
      summary: 'The agent is done with a pop (after the call and its disposition)',
      tag: 'desktop',
      access: 'signed-in',
      params: z.object({ popId: z.string().min(1).max(200) }),
      status: 204,
      handler: async ({ user, params }) => {
        await pops.dismiss(ownAdvisor(user!), params.popId);
      },
    }),
    route({
      method: 'get',
      path: '/api/wallboard',
      summary: 'The live wallboard (also pushed to supervisors as the `wallboard` event, at most once a second)',
      tag: 'desktop',
      access: SUPERVISORS,
      handler: () => wallboard(),
    }),
  ];
}
