// The agents' current screen pops in Redis, so every server sees the same ones: the server
// that routed a call saves its pop, the server holding the agent's socket records the
// ack, and a desktop reconnecting to any server gets them back (GET /api/pops/current).
// Same keeping rule as the in-memory store: calls still going plus the latest ended one.
import type { ScreenPop } from '../desktop/contract.js';
import type { PopStore } from '../desktop/pop-store.js';
import type { ScaleKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';

const SAVE_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[1]) end
if ARGV[3] ~= '' then redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[3]) end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return 1`;

const ACK_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return false end
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
return redis.call('HGET', KEYS[2], ARGV[1])`;

/** Pops of an agent nobody looked at for this long vanish by themselves. */
const DEFAULT_TTL_MS = 24 * 3_600_000;

/** The pops to forget: ended ones but the latest, then the oldest beyond `max`. */
export function popsToDrop(pops: readonly ScreenPop[], max: number): string[] {
  const lastEnded = pops.filter((p) => p.phase === 'ended').at(-1);
  const kept = pops.filter((p) => p.phase !== 'ended' || p === lastEnded).slice(-max);
  const keep = new Set(kept.map((p) => p.popId));
  return pops.filter((p) => !keep.has(p.popId)).map((p) => p.popId);
}

export class RedisPopStore implements PopStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ScaleKeys,
    private readonly maxPerAdvisor = 10,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  async save(advisorId: number, pop: ScreenPop): Promise<void> {
    const k = this.keys.pops(advisorId);
    const { ackedAt, ...rest } = pop;
    await this.redis.eval(SAVE_SCRIPT, {
      keys: [k.pops, k.order, k.acked, this.keys.popSeq],
      arguments: [pop.popId, JSON.stringify(rest), ackedAt ?? '', String(this.ttlMs)],
    });
    const drop = popsToDrop(await this.current(advisorId), this.maxPerAdvisor);
    if (drop.length) await Promise.all(drop.map((popId) => this.remove(advisorId, popId)));
  }

  async current(advisorId: number): Promise<ScreenPop[]> {
    const k = this.keys.pops(advisorId);
    const ids = await this.redis.zRange(k.order, 0, -1);
    if (ids.length === 0) return [];
    const [bodies, acks] = await Promise.all([this.redis.hmGet(k.pops, ids), this.redis.hmGet(k.acked, ids)]);
    const out: ScreenPop[] = [];
    ids.forEach((_, i) => {
      const body = bodies[i];
      if (!body) return;
      try {
        out.push({ ...(JSON.parse(body) as ScreenPop), ackedAt: acks[i] ?? null });
      } catch {
        // a damaged entry is skipped: the next save of that pop replaces it
      }
    });
    return out;
  }

  async markAcked(advisorId: number, popId: string, at: string): Promise<ScreenPop | null> {
    const k = this.keys.pops(advisorId);
    const acked = await this.redis.eval(ACK_SCRIPT, { keys: [k.pops, k.acked], arguments: [popId, at] });
    if (typeof acked !== 'string') return null;
    return (await this.current(advisorId)).find((p) => p.popId === popId) ?? null;
  }

  async remove(advisorId: number, popId: string): Promise<void> {
    const k = this.keys.pops(advisorId);
    await Promise.all([this.redis.hDel(k.pops, popId), this.redis.zRem(k.order, popId), this.redis.hDel(k.acked, popId)]);
  }
}
