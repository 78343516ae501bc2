// What one server tells the others about an advisor's presence, split in three groups
// that each have one source: the desktop (the server holding the agent's sockets), the
// absence mark (whichever server a supervisor used) and the phone (each server's AMI).
// Pure: building, reading and applying messages is decided here, Redis stays outside.
import { z } from 'zod';
import { DESKTOP_STATES, PHONE_STATES, type AdvisorPresence, type DesktopState } from '../domain/model.js';

export const PRESENCE_GROUPS = ['desktop', 'absence', 'phone'] as const;
export type PresenceGroup = (typeof PRESENCE_GROUPS)[number];

const desktopValue = z.object({
  desktop: z.enum(DESKTOP_STATES),
  notReadyReason: z.string().max(200).nullable(),
  wrapUpUntil: z.number().int().nullable(),
  /** The server holding the agent's desktop sockets; null once signed out or expired. */
  home: z.string().min(1).max(100).nullable(),
});
const absenceValue = z.object({ markedAbsent: z.boolean() });
const phoneValue = z.object({ phone: z.enum(PHONE_STATES) });

const common = {
  /** Order across all servers (a Redis counter): an older message never overwrites a newer one. */
  seq: z.number().int().positive(),
  origin: z.string().min(1).max(100),
  advisorId: z.number().int().positive(),
};

export const presenceMessageSchema = z.discriminatedUnion('group', [
  z.object({ ...common, group: z.literal('desktop'), value: desktopValue }),
  z.object({ ...common, group: z.literal('absence'), value: absenceValue }),
  z.object({ ...common, group: z.literal('phone'), value: phoneValue }),
]);

export type PresenceMessage = z.infer<typeof presenceMessageSchema>;
export type DesktopValue = z.infer<typeof desktopValue>;
export type GroupValue<G extends PresenceGroup> = Extract<PresenceMessage, { group: G }>['value'];
/** A message before Redis numbered it. */
export type UnsequencedMessage = { [G in PresenceGroup]: Omit<Extract<PresenceMessage, { group: G }>, 'seq'> }[PresenceGroup];

export function presenceField(advisorId: number, group: PresenceGroup): string {
  return `${advisorId}:${group}`;
}

export type ParsedMessage = { ok: true; message: PresenceMessage } | { ok: false; problem: string };

export function parsePresenceMessage(text: string): ParsedMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = presenceMessageSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { ok: true, message: parsed.data };
}

/** The groups whose fields differ between two views of one advisor. */
export function changedGroups(previous: AdvisorPresence, current: AdvisorPresence): PresenceGroup[] {
  const out: PresenceGroup[] = [];
  if (
    previous.desktop !== current.desktop ||
    previous.notReadyReason !== current.notReadyReason ||
    previous.wrapUpUntil !== current.wrapUpUntil
  ) {
    out.push('desktop');
  }
  if (previous.markedAbsent !== current.markedAbsent) out.push('absence');
  if (previous.phone !== current.phone) out.push('phone');
  return out;
}

export function groupMessage(origin: string, presence: AdvisorPresence, group: PresenceGroup, home: string | null): UnsequencedMessage {
  const base = { origin, advisorId: presence.advisorId };
  if (group === 'desktop') {
    return {
      ...base,
      group,
      value: {
        desktop: presence.desktop,
        notReadyReason: presence.notReadyReason,
        wrapUpUntil: presence.wrapUpUntil,
        home: presence.desktop === 'logged-out' ? null : home,
      },
    };
  }
  if (group === 'absence') return { ...base, group, value: { markedAbsent: presence.markedAbsent } };
  return { ...base, group, value: { phone: presence.phone } };
}

/** The desktop of an agent whose server died: signed out, no home. */
export function expiredDesktop(origin: string, advisorId: number): UnsequencedMessage {
  return { origin, advisorId, group: 'desktop', value: { desktop: 'logged-out', notReadyReason: null, wrapUpUntil: null, home: null } };
}

/** What the local board must do to show a desktop another server reported, in order. */
export type DesktopStep =
  | { kind: 'disconnect' }
  | { kind: 'connect' }
  | { kind: 'request'; state: Exclude<DesktopState, 'logged-out'>; reason?: string };

/**
 * Reaches the reported desktop state through the board's own transitions (so its wrap-up
 * timers, idle-since and events stay right). A wrap-up that already ended is ready.
 */
export function desktopSteps(current: AdvisorPresence, target: DesktopValue, now: number): DesktopStep[] {
  if (target.desktop === 'logged-out') return current.desktop === 'logged-out' ? [] : [{ kind: 'disconnect' }];
  const steps: DesktopStep[] = [];
  let desktop: DesktopState = current.desktop;
  let reason = current.notReadyReason;
  if (desktop === 'logged-out') {
    steps.push({ kind: 'connect' });
    desktop = 'not-ready';
    reason = null;
  }
  const wanted = target.desktop === 'wrap-up' && target.wrapUpUntil !== null && target.wrapUpUntil <= now ? 'ready' : target.desktop;
  if (wanted === 'not-ready') {
    const wantedReason = target.notReadyReason ?? undefined;
    if (desktop !== 'not-ready' || reason !== target.notReadyReason) steps.push({ kind: 'request', state: 'not-ready', ...(wantedReason ? { reason: wantedReason } : {}) });
  } else if (desktop !== wanted) {
    steps.push({ kind: 'request', state: wanted });
  }
  return steps;
}
