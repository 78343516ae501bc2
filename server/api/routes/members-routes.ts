import { z } from 'zod';
import { LIFECYCLE_STAGES, LANGUAGES, MEMBER_LEVELS } from '../../domain/model.js';
import { lifecycleOf } from '../../domain/lifecycle.js';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import type { ApiDeps } from '../deps.js';
import { route } from '../route-spec.js';
import { idParams, isoDate, pageQuery } from '../schemas.js';

const SUPERVISORS = ['supervisor', 'admin'] as const;

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Asia/Shanghai');

const listQuery = z.object({
  q: z.string().trim().min(1).max(100).optional(),
  phone: z.string().trim().min(1).max(40).optional(),
  memberNo: z.string().trim().min(1).max(40).optional(),
  ownerId: z.union([z.literal('none'), z.coerce.number().int().positive()]).optional(),
  level: z.enum(MEMBER_LEVELS).optional(),
  stage: z.enum(LIFECYCLE_STAGES).optional(),
  ...pageQuery,
});

const createBody = z.object({
  memberNo: z.string().trim().min(1).max(40),
  name: z.string().trim().min(1).max(100),
  level: z.enum(MEMBER_LEVELS),
  phones: z.array(z.string().trim().min(1).max(40)).min(1).max(10),
  ownerId: z.number().int().positive().nullable().optional(),
  timeZone: timeZone.optional(),
  language: z.enum(LANGUAGES).optional(),
  joinedAt: isoDate.optional(),
  lastPurchaseAt: isoDate.nullable().optional(),
  purchaseCount: z.number().int().min(0).optional(),
  totalSpend: z.number().min(0).optional(),
  notes: z.string().max(4000).optional(),
  servicePlan: z.string().max(4000).optional(),
  tags: z.array(z.string().trim().min(1).max(40)).max(30).optional(),
});

// Agents keep the service record of the members they talk to; the rest is a supervisor's.
const AGENT_EDITABLE = ['notes', 'servicePlan', 'tags'] as const;
const patchBody = createBody
  .pick({ name: true, level: true, timeZone: true, language: true, lastPurchaseAt: true, purchaseCount: true, totalSpend: true, notes: true, servicePlan: true, tags: true })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to change');

const ownerBody = z.object({
  advisorId: z.number().int().positive().nullable(),
  note: z.string().trim().min(1, 'write a handover note for the next advisor').max(2000),
  reason: z.enum(['member-request', 'rebalance', 'recall-dormant', 'recall-lost', 'advisor-left', 'service-issue', 'other']).default('rebalance'),
});

const dispositionBody = z.object({
  callId: z.number().int().positive().nullable().optional(),
  code: z.string().trim().min(1).max(40),
  note: z.string().max(4000).optional(),
});

export function memberRoutes({ store, presence, now }: ApiDeps) {
  const withLifecycle = <T extends { joinedAt: string; lastPurchaseAt: string | null; purchaseCount: number }>(m: T) => ({
    ...m,
    lifecycle: lifecycleOf(m, now()),
  });

  return [
    route({
      method: 'get',
      path: '/api/members',
      summary: 'Find members by text (member number, name, any phone format), phone, or filters',
      tag: 'members',
      access: 'signed-in',
      query: listQuery,
      handler: async ({ query }) => {
        if (query.phone) {
          const member = await store.members.getByPhone(query.phone);
          return { items: member ? [withLifecycle(member)] : [], total: member ? 1 : 0 };
        }
        if (query.memberNo) {
          const member = await store.members.getByMemberNo(query.memberNo);
          return { items: member ? [withLifecycle(member)] : [], total: member ? 1 : 0 };
        }
        if (query.q) {
          const items = await store.members.search(query.q, query.limit ?? 20);
          return { items: items.map(withLifecycle), total: items.length };
        }
        const page = await store.members.list(
          {
            ...(query.ownerId !== undefined ? { ownerId: query.ownerId === 'none' ? null : query.ownerId } : {}),
            ...(query.level ? { level: query.level } : {}),
            ...(query.stage ? { stage: query.stage } : {}),
          },
          { limit: query.limit ?? 50, offset: query.offset ?? 0 },
        );
        return { ...page, items: page.items.map(withLifecycle) };
      },
    }),
    route({
      method: 'get',
      path: '/api/members/:id',
      summary: 'One member with phones, lifecycle, current owner (with state) and ownership history',
      tag: 'members',
      access: 'signed-in',
      params: idParams,
      handler: async ({ params }) => {
        const member = await store.members.get(params.id);
        if (!member) throw new NotFoundError(`Member ${params.id}`);
        const [history, dispositions] = await Promise.all([
          store.ownership.history(member.id),
          store.dispositions.listForMember(member.id, 10),
        ]);
        const ownerPresence = member.ownerId ? presence.get(member.ownerId) ?? null : null;
        return { ...withLifecycle(member), ownerPresence, history, dispositions };
      },
    }),
    route({
      method: 'post',
      path: '/api/members',
      summary: 'Create a member with phones and, optionally, an owner',
      tag: 'members',
      access: SUPERVISORS,
      body: createBody,
      status: 201,
      handler: async ({ body, user }) => withLifecycle(await store.members.create(body, user!.id)),
    }),
    route({
      method: 'patch',
      path: '/api/members/:id',
      summary: 'Change a member; agents may change notes, service plan and tags only',
      tag: 'members',
      access: 'signed-in',
      params: idParams,
      body: patchBody,
      handler: async ({ params, body, user }) => {
        if (user!.role === 'agent') {
          const extra = Object.keys(body).filter((k) => !(AGENT_EDITABLE as readonly string[]).includes(k));
          if (extra.length) throw new ForbiddenError(`Agents may change ${AGENT_EDITABLE.join(', ')} only; ask a supervisor to change ${extra.join(', ')}.`);
        }
        return withLifecycle(await store.members.update(params.id, body));
      },
    }),
    route({
      method: 'get',
      path: '/api/members/:id/history',
      summary: 'Ownership history with handover notes, newest first',
      tag: 'members',
      access: 'signed-in',
      params: idParams,
      handler: async ({ params }) => {
        await store.members.require(params.id);
        return store.ownership.history(params.id);
      },
    }),
    route({
      method: 'post',
      path: '/api/members/:id/owner',
      summary: 'Hand a member to another advisor (or to nobody) with a handover note; history is kept',
      tag: 'members',
      access: SUPERVISORS,
      params: idParams,
      body: ownerBody,
      handler: async ({ params, body, user }) => {
        await store.members.require(params.id);
        if (body.advisorId !== null) {
          const advisor = await store.advisors.require(body.advisorId);
          if (!advisor.active) throw new ForbiddenError(`${advisor.name} has left; choose an active advisor.`);
        }
        const record = await store.ownership.reassign({
          memberId: params.id,
          advisorId: body.advisorId,
          reason: body.reason,
          handoverNote: body.note,
          changedBy: user!.id,
        });
        return { member: await store.members.get(params.id), ownership: record };
      },
    }),
    route({
      method: 'post',
      path: '/api/members/:id/dispositions',
      summary: 'Record the outcome of a call with this member (wrap-up code and note)',
      tag: 'members',
      access: 'signed-in',
      params: idParams,
      body: dispositionBody,
      status: 201,
      handler: async ({ params, body, user }) => {
        await store.members.require(params.id);
        return store.dispositions.insert({
          memberId: params.id,
          callId: body.callId ?? null,
          advisorId: user!.advisorId,
          code: body.code,
          ...(body.note !== undefined ? { note: body.note } : {}),
        });
      },
    }),
  ];
}
