// Allocation (分配) of unowned members and recall (回收) of dormant, lost or orphaned
// ones. Preview computes a plan and changes nothing; apply takes the moves back and
// re-checks each against the current owner, so a plan never overwrites a change made
// since the preview: every move lands in the ownership history with its note.
import { z } from 'zod';
import { MEMBER_LEVELS, type Member } from '../../domain/model.js';
import { planAllocation, planRecall, type AdvisorLoad } from '../../domain/allocation.js';
import { domainSettingsFrom } from '../../domain/settings.js';
import type { ApiDeps } from '../deps.js';
import { route } from '../route-spec.js';

const SUPERVISORS = ['supervisor', 'admin'] as const;
/** One preview looks at this many members at most; run it again for the next batch. */
const MAX_BATCH = 5_000;

const allocationPreviewBody = z.object({
  levels: z.array(z.enum(MEMBER_LEVELS)).min(1).optional(),
  advisorIds: z.array(z.number().int().positive()).min(1).max(5_000).optional(),
  limit: z.number().int().min(1).max(MAX_BATCH).default(1_000),
});

const allocationApplyBody = z.object({
  moves: z.array(z.object({ memberId: z.number().int().positive(), advisorId: z.number().int().positive() })).min(1).max(MAX_BATCH),
  note: z.string().trim().max(2000).optional(),
});

const RECALL_STAGES = ['dormant', 'lost'] as const;
const recallPreviewBody = z.object({
  stages: z.array(z.enum(RECALL_STAGES)).default([...RECALL_STAGES]),
  includeLeftAdvisors: z.boolean().default(true),
  receiverIds: z.array(z.number().int().positive()).min(1).max(5_000).optional(),
  limit: z.number().int().min(1).max(MAX_BATCH).default(1_000),
});

const recallApplyBody = z.object({
  moves: z
    .array(
      z.object({
        memberId: z.number().int().positive(),
        fromAdvisorId: z.number().int().positive(),
        toAdvisorId: z.number().int().positive(),
        cause: z.enum(['advisor-left', 'member-request', 'lost', 'dormant']),
        handoverNote: z.string().trim().min(1).max(4000),
      }),
    )
    .min(1)
    .max(MAX_BATCH),
});

/** What a preview row shows about the member, so a console can list the plan without a lookup per row. */
function memberSummary(member: Member | undefined) {
  if (!member) return {};
  return { memberNo: member.memberNo, memberName: member.name, level: member.level };
}

interface Skipped {
  memberId: number;
  why: string;
}

export function allocationRoutes({ store, config, now }: ApiDeps) {
  const settings = () => domainSettingsFrom(config).allocation;

  const loads = async (onlyIds?: readonly number[]): Promise<AdvisorLoad[]> => {
    const [advisors, counts] = await Promise.all([store.advisors.list({ active: true }), store.ownership.countsByAdvisor()]);
    const owned = new Map(counts.map((c) => [c.advisorId, c.members]));
    const allowed = onlyIds ? new Set(onlyIds) : null;
    return advisors.filter((a) => !allowed || allowed.has(a.id)).map((advisor) => ({ advisor, ownedCount: owned.get(advisor.id) ?? 0 }));
  };

  return [
    route({
      method: 'post',
      path: '/api/allocation/preview',
      summary: 'Plan assigning unowned members to advisors whose tier fits, least loaded first, within capacity; changes nothing',
      tag: 'allocation',
      access: SUPERVISORS,
      body: allocationPreviewBody,
      handler: async ({ body }) => {
        const page = await store.members.list({ ownerId: null }, { limit: body.limit, offset: 0 });
        const members = body.levels ? page.items.filter((m) => body.levels!.includes(m.level)) : page.items;
        const plan = planAllocation(members, await loads(body.advisorIds), settings());
        const byId = new Map(members.map((m) => [m.id, m]));
        const assignments = plan.assignments.map((a) => ({ ...a, ...memberSummary(byId.get(a.memberId)) }));
        return { ...plan, assignments, considered: members.length, unownedTotal: page.total };
      },
    }),
    route({
      method: 'post',
      path: '/api/allocation/apply',
      summary: 'Apply allocation moves from a preview; members owned since the preview are skipped, never overwritten',
      tag: 'allocation',
      access: SUPERVISORS,
      body: allocationApplyBody,
      handler: async ({ body, user }) => {
        const skipped: Skipped[] = [];
        const advisorLoads = new Map((await loads()).map((l) => [l.advisor.id, l]));
        const moves = [];
        for (const move of body.moves) {
          const member = await store.members.get(move.memberId);
          const target = advisorLoads.get(move.advisorId);
          if (!member) skipped.push({ memberId: move.memberId, why: 'member not found' });
          else if (member.ownerId !== null) skipped.push({ memberId: move.memberId, why: `already owned by advisor ${member.ownerId} since the preview` });
          else if (!target) skipped.push({ memberId: move.memberId, why: `advisor ${move.advisorId} is not active` });
          else if (target.ownedCount >= (target.advisor.capacity || config.allocation.defaultCapacity)) skipped.push({ memberId: move.memberId, why: `${target.advisor.name} is at capacity` });
          else {
            target.ownedCount += 1;
            moves.push({
              memberId: move.memberId,
              advisorId: move.advisorId,
              reason: 'new-member',
              handoverNote: body.note ?? `Allocated to ${target.advisor.name} (${target.advisor.tier}) for a ${member.level} member.`,
              changedBy: user!.id,
            });
          }
        }
        if (moves.length) await store.ownership.applyMoves(moves);
        return { applied: moves.length, skipped };
      },
    }),
    route({
      method: 'post',
      path: '/api/recall/preview',
      summary: 'Plan recalling dormant or lost members, and members of advisors who left, to other fitting advisors; changes nothing',
      tag: 'allocation',
      access: SUPERVISORS,
      body: recallPreviewBody,
      handler: async ({ body }) => {
        const candidates = new Map<number, Member>();
        for (const stage of body.stages) {
          const page = await store.members.list({ stage }, { limit: body.limit, offset: 0 });
          for (const m of page.items) if (m.ownerId !== null) candidates.set(m.id, m);
        }
        if (body.includeLeftAdvisors) {
          for (const left of (await store.advisors.list({ active: false })).slice(0, 100)) {
            const page = await store.members.list({ ownerId: left.id }, { limit: body.limit, offset: 0 });
            for (const m of page.items) candidates.set(m.id, m);
          }
        }
        const members = [...candidates.values()].slice(0, body.limit);
        const allAdvisors = await store.advisors.list();
        const counts = new Map((await store.ownership.countsByAdvisor()).map((c) => [c.advisorId, c.members]));
        const plan = planRecall(
          {
            members,
            advisors: allAdvisors.map((advisor) => ({ advisor, ownedCount: counts.get(advisor.id) ?? 0 })),
            requestedChange: new Set(),
            receiverIds: body.receiverIds ?? null,
            now: now(),
          },
          settings(),
        );
        const moves = plan.moves.map((m) => ({ ...m, ...memberSummary(candidates.get(m.memberId)) }));
        return { ...plan, moves, considered: members.length };
      },
    }),
    route({
      method: 'post',
      path: '/api/recall/apply',
      summary: 'Apply recall moves from a preview with their handover notes; members whose owner changed since are skipped',
      tag: 'allocation',
      access: SUPERVISORS,
      body: recallApplyBody,
      handler: async ({ body, user }) => {
        const skipped: Skipped[] = [];
        const active = new Set((await store.advisors.list({ active: true })).map((a) => a.id));
        const moves = [];
        for (const move of body.moves) {
          const member = await store.members.get(move.memberId);
          if (!member) skipped.push({ memberId: move.memberId, why: 'member not found' });
          else if (member.ownerId !== move.fromAdvisorId) skipped.push({ memberId: move.memberId, why: 'owner changed since the preview' });
          else if (!active.has(move.toAdvisorId)) skipped.push({ memberId: move.memberId, why: `advisor ${move.toAdvisorId} is not active` });
          else moves.push({ memberId: move.memberId, advisorId: move.toAdvisorId, reason: `recall-${move.cause}`, handoverNote: move.handoverNote, changedBy: user!.id });
        }
        if (moves.length) await store.ownership.applyMoves(moves);
        return { applied: moves.length, skipped };
      },
    }),
  ];
}
