// Advisor claims shared by every CTI server through Redis: one key per advisor holding the
// claim's holder, set only if absent and lapsing by itself. While Redis cannot be reached
// a claim is granted (routing must not stop for the sake of a rare double ring) and the
// outage is logged once.
import type { AdvisorClaims } from '../presence/advisor-claims.js';
import { DEFAULT_CLAIM_TTL_MS } from '../presence/advisor-claims.js';
import type { Logger } from '../shared/logger.js';
import type { ScaleKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import { HOLD_SCRIPT, LET_GO_SCRIPT } from './redis-lease-scripts.js';

export class RedisAdvisorClaims implements AdvisorClaims {
  private unreachable = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ScaleKeys,
    private readonly log: Logger,
    private readonly ttlMs = DEFAULT_CLAIM_TTL_MS,
  ) {}

  async claim(advisorId: number, holder: string): Promise<boolean> {
    try {
      const granted = await this.redis.eval(HOLD_SCRIPT, { keys: [this.keys.advisorClaim(advisorId)], arguments: [holder, String(this.ttlMs)] });
      this.reachable();
      return granted === 1;
    } catch (err) {
      this.failed(err);
      return true;
    }
  }

  async release(advisorId: number, holder: string): Promise<void> {
    try {
      await this.redis.eval(LET_GO_SCRIPT, { keys: [this.keys.advisorClaim(advisorId)], arguments: [holder] });
      this.reachable();
    } catch (err) {
      // The claim lapses by itself.
      this.failed(err);
    }
  }

  private failed(err: unknown): void {
    if (this.unreachable) return;
    this.unreachable = true;
    this.log.warn({ err }, 'advisor claims unavailable (Redis): advisors are rung without checking the other servers until it is back');
  }

  private reachable(): void {
    if (!this.unreachable) return;
    this.unreachable = false;
    this.log.info('advisor claims available again');
  }
}
