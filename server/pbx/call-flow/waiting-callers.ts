// The callers waiting right now, on every node: for their owner or for the pool. When an
// advisor frees up, one policy (oldest first-call time first, replaceable) picks who gets
// them; the callback dispatcher may instead hand an advisor to a caller itself.
import { EventEmitter } from 'node:events';
import type { Advisor, AdvisorPresence } from '../../domain/model.js';
import type { WaitingCaller, WaitingCallerPolicy } from '../../routing/waiting-choice.js';

/** What ends a wait: an advisor handed over (the call flow rings them), or a reason to re-route. */
export interface WaitHandlers {
  handOff: (advisorId: number) => void;
  interrupt: (reason: string) => void;
}

interface Entry extends WaitHandlers {
  caller: WaitingCaller;
}

export class WaitingCallers extends EventEmitter<{ changed: [readonly WaitingCaller[]] }> {
  private readonly entries = new Map<string, Entry>();

  constructor(private policy: WaitingCallerPolicy) {
    super();
  }

  /** Everyone waiting, oldest first-call time first. */
  list(): WaitingCaller[] {
    return [...this.entries.values()].map((e) => e.caller).sort((a, b) => a.firstCallAt - b.firstCallAt);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Replaces the "which waiting caller gets a freed advisor" decision. */
  setPolicy(policy: WaitingCallerPolicy): void {
    this.policy = policy;
  }

  add(caller: WaitingCaller, handlers: WaitHandlers): void {
    this.entries.set(caller.callId, { caller, ...handlers });
    this.emit('changed', this.list());
  }

  remove(callId: string): boolean {
    const removed = this.entries.delete(callId);
    if (removed) this.emit('changed', this.list());
    return removed;
  }

  /**
   * An advisor became free: the policy picks a waiting caller (or nobody), who leaves
   * the list and gets the advisor. Returns who got them.
   */
  offer(advisor: Advisor, presence: AdvisorPresence | null, now: number): WaitingCaller | null {
    if (this.entries.size === 0) return null;
    const chosen = this.policy(advisor, presence, this.list(), now);
    if (!chosen) return null;
    return this.handTo(chosen.callId, advisor.id) ? chosen : null;
  }

  /** Hands an advisor to one waiting caller directly; false when that caller no longer waits. */
  handTo(callId: string, advisorId: number): boolean {
    const entry = this.entries.get(callId);
    if (!entry) return false;
    this.entries.delete(callId);
    this.emit('changed', this.list());
    entry.handOff(advisorId);
    return true;
  }

  /** Ends the waits of the callers waiting for this owner (who went away): they are routed again. */
  interruptOwnerWaits(advisorId: number, reason: string): number {
    const affected = [...this.entries.values()].filter((e) => e.caller.waitingFor.kind === 'owner' && e.caller.waitingFor.advisorId === advisorId);
    for (const entry of affected) {
      this.entries.delete(entry.caller.callId);
      entry.interrupt(reason);
    }
    if (affected.length > 0) this.emit('changed', this.list());
    return affected.length;
  }
}

/**
 * This server's waiting callers with the other servers' (to show and to count, never to
 * hand an advisor), oldest first-call time first; a call listed on both sides (a node
 * changing hands) counts once, as ours.
 */
export function withRemoteCallers(local: readonly WaitingCaller[], remote: readonly WaitingCaller[]): readonly WaitingCaller[] {
  if (remote.length === 0) return local;
  const ours = new Set(local.map((c) => c.callId));
  return [...local, ...remote.filter((c) => !ours.has(c.callId))].sort((a, b) => a.firstCallAt - b.firstCallAt);
}
