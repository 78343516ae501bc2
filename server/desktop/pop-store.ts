// Where the latest pop of each agent lives, so a desktop that reconnects (or a second
// tab) shows what is current. The gateway only talks to the interface: a database-backed
// store makes this survive restarts and work across several CTI servers.
import type { ScreenPop } from './contract.js';

export interface PopStore {
  /** Record the pop as the agent's current state for its popId (insert or replace). */
  save(advisorId: number, pop: ScreenPop): Promise<void>;
  /** The agent's current pops, oldest first. */
  current(advisorId: number): Promise<ScreenPop[]>;
  /** Mark a pop as seen by the agent; returns the updated pop or null when unknown. */
  markAcked(advisorId: number, popId: string, at: string): Promise<ScreenPop | null>;
  /** Forget a pop (after its disposition was saved, for example). */
  remove(advisorId: number, popId: string): Promise<void>;
}

/**
 * Keeps, per agent, every pop whose call is still going plus the most recently ended one
 * (the agent still has to write its disposition); older ended pops are dropped.
 */
export class MemoryPopStore implements PopStore {
  private readonly byAdvisor = new Map<number, Map<string, ScreenPop>>();

  constructor(private readonly maxPerAdvisor = 10) {}

  async save(advisorId: number, pop: ScreenPop): Promise<void> {
    const pops = this.byAdvisor.get(advisorId) ?? new Map<string, ScreenPop>();
    const previous = pops.get(pop.popId);
    pops.delete(pop.popId);
    pops.set(pop.popId, { ...pop, ackedAt: pop.ackedAt ?? previous?.ackedAt ?? null });
    this.byAdvisor.set(advisorId, prune(pops, this.maxPerAdvisor));
  }

  async current(advisorId: number): Promise<ScreenPop[]> {
    return [...(this.byAdvisor.get(advisorId)?.values() ?? [])];
  }

  async markAcked(advisorId: number, popId: string, at: string): Promise<ScreenPop | null> {
    const pop = this.byAdvisor.get(advisorId)?.get(popId);
    if (!pop) return null;
    if (!pop.ackedAt) pop.ackedAt = at;
    return pop;
  }

  async remove(advisorId: number, popId: string): Promise<void> {
    this.byAdvisor.get(advisorId)?.delete(popId);
  }
}

function prune(pops: Map<string, ScreenPop>, max: number): Map<string, ScreenPop> {
  const all = [...pops.values()];
  const lastEnded = all.filter((p) => p.phase === 'ended').at(-1);
  const kept = all.filter((p) => p.phase !== 'ended' || p === lastEnded).slice(-max);
  return new Map(kept.map((p) => [p.popId, p]));
}
