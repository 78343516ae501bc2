// The Redis connections of one CTI server: one for commands (also the Socket.IO adapter's
// publisher), one subscriber for the adapter and one for presence changes. Connecting is
// bounded so a wrong CTI_REDIS_URL stops start-up with a clear message; afterwards
// node-redis reconnects on its own and errors are logged once per outage, never thrown.
import { createClient } from 'redis';
import type { Logger } from '../shared/logger.js';

export type RedisClient = ReturnType<typeof createClient>;

export class RedisUnavailableError extends Error {
  constructor(target: string, detail: string) {
    super(`Could not reach Redis at ${target} (${detail}): check CTI_REDIS_URL and that Redis is running.`);
    this.name = 'RedisUnavailableError';
  }
}

export interface RedisConnections {
  commands: RedisClient;
  adapterSubscriber: RedisClient;
  presenceSubscriber: RedisClient;
  close(): Promise<void>;
}

const RECONNECT_MAX_MS = 2_000;

/** Host and port only: the URL may carry a password. */
export function redisTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'an unreadable URL';
  }
}

export async function connectRedis(url: string, logger: Logger, timeoutMs = 10_000): Promise<RedisConnections> {
  const log = logger.child({ component: 'redis', target: redisTarget(url) });
  const make = (role: string) => {
    const client = createClient({
      url,
      socket: { connectTimeout: timeoutMs, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, RECONNECT_MAX_MS) },
    });
    let down = false;
    client.on('error', (err: unknown) => {
      if (down) return;
      down = true;
      log.warn({ role, err: err instanceof Error ? err.message : String(err) }, 'Redis connection problem; reconnecting');
    });
    client.on('ready', () => {
      if (down) log.info({ role }, 'Redis connection back');
      down = false;
    });
    return client;
  };
  const clients = [make('commands'), make('socket.io subscriber'), make('presence subscriber')] as const;
  const close = async () => {
    await Promise.allSettled(clients.map((c) => (c.isReady ? c.quit() : discard(c))));
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(clients.map((c) => c.connect())),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RedisUnavailableError(redisTarget(url), `no connection within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    for (const c of clients) discard(c);
    if (err instanceof RedisUnavailableError) throw err;
    throw new RedisUnavailableError(redisTarget(url), err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
  }
  log.info('connected to Redis');
  const [commands, adapterSubscriber, presenceSubscriber] = clients;
  return { commands, adapterSubscriber, presenceSubscriber, close };
}

/** Drops a client that may be half-open or already closed. */
function discard(client: RedisClient): Promise<void> {
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // already closed: nothing to release
  }
  return Promise.resolve();
}
