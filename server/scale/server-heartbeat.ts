// "This server is alive": a key with a TTL, refreshed every third of it. When a server
// dies its key expires and the others take over what it held (its agents' desktops).
import type { Logger } from '../shared/logger.js';
import type { RedisClient } from './redis-connection.js';
import type { ScaleKeys } from './keys.js';

export interface ServerHeartbeatOptions {
  redis: RedisClient;
  keys: ScaleKeys;
  serverId: string;
  ttlMs: number;
  logger: Logger;
  now: () => number;
}

export class ServerHeartbeat {
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  private readonly log: Logger;

  constructor(private readonly options: ServerHeartbeatOptions) {
    this.log = options.logger.child({ component: 'server-heartbeat' });
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), Math.max(250, Math.floor(this.options.ttlMs / 3)));
    this.timer.unref();
  }

  /** Which of these servers still beat (unknown ids count as dead). */
  async alive(serverIds: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(serverIds)];
    if (unique.length === 0) return new Set();
    const values = await this.options.redis.mGet(unique.map((id) => this.options.keys.server(id)));
    return new Set(unique.filter((_, i) => values[i] !== null));
  }

  /** Stops beating and removes the key, so the others do not wait for the TTL. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.options.redis.del(this.options.keys.server(this.options.serverId)).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    const { redis, keys, serverId, ttlMs, now } = this.options;
    try {
      await redis.set(keys.server(serverId), JSON.stringify({ beatAt: now() }), { expiration: { type: 'PX', value: ttlMs } });
      if (this.failing) this.log.info('heartbeat written again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not write the server heartbeat; other servers will expire our agents if this lasts');
      this.failing = true;
    }
  }
}
