// The callback queue over REST: supervisors list with filters, create manual callbacks,
// assign, reschedule, prioritise, lift pacing with a reason, cancel with a reason and ask
// for a call now. Agents see and act only on the callbacks they hold (`callbackHolder`:
// assigned to them, or unassigned and preferred for them), the rule the dispatcher claims
// by: once a supervisor assigns a callback to Bob, its owner Alice no longer lists, reads,
// changes, cancels or calls it. A supervisor's `advisorId` filter still means "involving
// this advisor" (preferred or assigned), to see what a reassignment took from whom. Every
// change is audited by the store and pushed as `callbacks:changed`.
import { z } from 'zod';
import { holdsCallback } from '../../domain/callback-holder.js';
import { CALLBACK_REASONS, CALLBACK_STATES, type CallbackState } from '../../domain/model.js';
import type { SessionUser } from '../../domain/session.js';
import { parseDuration } from '../../config/duration.js';
import { callbackServiceFor, PLANNED_CALLBACK_REASONS, type CallbackService } from '../../callbacks/index.js';
import { ForbiddenError } from '../../shared/errors.js';
import { userActor } from '../../store/callback-audit.js';
import type { CallbackFilter, CallbackRecord } from '../../store/callbacks.js';
import type { ApiDeps } from '../deps.js';
import { route } from '../route-spec.js';
import { idParams, isoDate, pageQuery } from '../schemas.js';

const stateList = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.enum(CALLBACK_STATES)).min(1));

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30m, 2h or 1d' });
    return z.NEVER;
  }
  return ms;
});

const listQuery = z.object({
  state: stateList.optional(),
  reason: z.enum(CALLBACK_REASONS).optional(),
  advisorId: z.coerce.number().int().positive().optional(),
  memberId: z.coerce.number().int().positive().optional(),
  /** Created longer ago than this (age of the callback). */
  olderThan: duration.optional(),
  createdBefore: isoDate.optional(),
  createdAfter: isoDate.optional(),
  dueBefore: isoDate.optional(),
  order: z.enum(['due', 'urgency', 'newest']).optional(),
  ...pageQuery,
});

const priority = z.number().int().min(-100).max(100);
const note = z.string().max(1000);

const createBody = z.object({
  memberId: z.number().int().positive().nullable(),
  reason: z.enum(PLANNED_CALLBACK_REASONS).optional(),
  number: z.string().trim().min(3).max(32).optional(),
  preferredAdvisorId: z.number().int().positive().nullable().optional(),
  assignedAdvisorId: z.number().int().positive().nullable().optional(),
  priority: priority.optional(),
  dueAt: isoDate.optional(),
  note: note.optional(),
});

const patchBody = z
  .object({
    assignedAdvisorId: z.number().int().positive().nullable().optional(),
    dueAt: isoDate.optional(),
    priority: priority.optional(),
    override: z.object({ reason: z.string().trim().min(3).max(500) }).nullable().optional(),
    note: note.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to change');

const cancelBody = z.object({ reason: z.string().trim().min(3).max(500) });
const callNowBody = z.object({ advisorId: z.number().int().positive().optional() });

function isSupervisor(user: SessionUser): boolean {
  return user.role === 'supervisor' || user.role === 'admin';
}

function ownAdvisorId(user: SessionUser): number {
  if (user.advisorId === null) throw new ForbiddenError('Your account is not linked to an advisor.');
  return user.advisorId;
}

/** Loads a callback the user may act on: supervisors any, agents those they hold (403 otherwise). */
async function accessible(service: CallbackService, user: SessionUser, id: number): Promise<CallbackRecord> {
  const callback = await service.require(id);
  if (!isSupervisor(user) && (user.advisorId === null || !holdsCallback(user.advisorId, callback))) {
    throw new ForbiddenError(`Callback ${id} is held by another advisor: agents act on their own callbacks only; ask a supervisor to assign it to you.`);
  }
  return callback;
}

export function callbackRoutes(deps: ApiDeps) {
  const service = deps.callbacks ?? callbackServiceFor({ store: deps.store, config: deps.config, logger: deps.logger, now: deps.now });
  /** Rows name the member they are about (null for callers who are not members), so a list needs no lookups per row. */
  const withMemberNames = async (callbacks: readonly CallbackRecord[]) => {
    const names = await deps.store.members.namesOf(callbacks.flatMap((c) => (c.memberId === null ? [] : [c.memberId])));
    return callbacks.map((c) => ({ ...c, memberName: c.memberId === null ? null : (names.get(c.memberId) ?? null) }));
  };

  return [
    route({
      method: 'get',
      path: '/api/callbacks',
      summary: 'Callbacks with filters (state, reason, advisor, member, age, due); agents see their own only',
      tag: 'callbacks',
      access: 'signed-in',
      query: listQuery,
      handler: async ({ query, user }) => {
        const { limit, offset, order, olderThan, state, ...rest } = query;
        const filter: CallbackFilter = { ...rest };
        if (state) filter.state = state as CallbackState[];
        if (olderThan !== undefined) {
          const cutoff = new Date(deps.now() - olderThan).toISOString();
          filter.createdBefore = filter.createdBefore && filter.createdBefore < cutoff ? filter.createdBefore : cutoff;
        }
        if (!isSupervisor(user!)) {
          const own = ownAdvisorId(user!);
          if (filter.advisorId !== undefined && filter.advisorId !== own) throw new ForbiddenError('Agents may list their own callbacks only.');
          delete filter.advisorId;
          filter.heldBy = own;
        }
        const page = await service.list(filter, { limit: limit ?? 50, offset: offset ?? 0 }, order ?? 'due');
        return { ...page, items: await withMemberNames(page.items) };
      },
    }),
    route({
      method: 'get',
      path: '/api/callbacks/:id',
      summary: 'One callback with its audit trail (who changed what, when, before and after)',
      tag: 'callbacks',
      access: 'signed-in',
      params: idParams,
      handler: async ({ params, user }) => {
        const callback = await accessible(service, user!, params.id);
        const [named] = await withMemberNames([callback]);
        return { ...named, events: await service.events(callback.id) };
      },
    }),
    route({
      method: 'post',
      path: '/api/callbacks',
      summary: 'Plan a manual callback (agents: for themselves only)',
      tag: 'callbacks',
      access: 'signed-in',
      body: createBody,
      status: 201,
      handler: async ({ body, user }) => {
        if (!isSupervisor(user!)) {
          const own = ownAdvisorId(user!);
          for (const id of [body.preferredAdvisorId, body.assignedAdvisorId]) {
            if (id !== undefined && id !== null && id !== own) throw new ForbiddenError('Agents may plan callbacks for themselves only.');
          }
          body.preferredAdvisorId = own;
        }
        return service.createManual(body, userActor(user!.id));
      },
    }),
    route({
      method: 'patch',
      path: '/api/callbacks/:id',
      summary: 'Assign, reschedule, prioritise or lift pacing (with a reason) on a waiting or failed callback',
      tag: 'callbacks',
      access: 'signed-in',
      params: idParams,
      body: patchBody,
      handler: async ({ params, body, user }) => {
        await accessible(service, user!, params.id);
        if (!isSupervisor(user!)) {
          if (body.override !== undefined) throw new ForbiddenError('Only a supervisor may lift pacing rules.');
          if (body.assignedAdvisorId !== undefined && body.assignedAdvisorId !== ownAdvisorId(user!)) {
            throw new ForbiddenError('Agents may take a callback themselves, not give it to someone else.');
          }
          if (body.priority !== undefined) throw new ForbiddenError('Only a supervisor may change priorities.');
        }
        return service.update(params.id, body, userActor(user!.id));
      },
    }),
    route({
      method: 'delete',
      path: '/api/callbacks/:id',
      summary: 'Cancel a callback, saying why (kept in the audit trail)',
      tag: 'callbacks',
      access: 'signed-in',
      params: idParams,
      body: cancelBody,
      handler: async ({ params, body, user }) => {
        await accessible(service, user!, params.id);
        return service.cancel(params.id, body.reason, userActor(user!.id));
      },
    }),
    route({
      method: 'post',
      path: '/api/callbacks/:id/call-now',
      summary: 'Make a callback due now: an agent takes their own; a supervisor may name the advisor',
      tag: 'callbacks',
      access: 'signed-in',
      params: idParams,
      body: callNowBody,
      handler: async ({ params, body, user }) => {
        await accessible(service, user!, params.id);
        if (isSupervisor(user!)) return service.callNow(params.id, userActor(user!.id), body.advisorId ?? null);
        if (body.advisorId !== undefined && body.advisorId !== ownAdvisorId(user!)) throw new ForbiddenError('Agents may call their own callbacks only.');
        return service.callNow(params.id, userActor(user!.id), ownAdvisorId(user!));
      },
    }),
  ];
}
