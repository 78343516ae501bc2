// Who holds an Asterisk node's Stasis app. Asterisk allows one events socket per app
// name, so each node belongs to one CTI server at a time: the holder of its lease.
// Redis: a key set NX with a TTL and renewed by its holder. Without Redis, on
// PostgreSQL: a session advisory lock, held as long as this server's connection lives.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../shared/logger.js';
import type { RedisClient } from './redis-connection.js';
import { HOLD_SCRIPT, LET_GO_SCRIPT } from './redis-lease-scripts.js';

export interface NodeLease {
  /** Takes the lease if it is free (or already ours); true when we hold it now. */
  acquire(name: string): Promise<boolean>;
  /**
   * Extends our lease, taking it again if the store lost it (a Redis restarted empty, a
   * PostgreSQL restarted); false only when another server holds it. Throws when unknown.
   */
  renew(name: string): Promise<boolean>;
  release(name: string): Promise<void>;
  /** The holder's server id, or null when free (PostgreSQL: "another server" or null). */
  holder(name: string): Promise<string | null>;
  close(): Promise<void>;
}

export class RedisNodeLease implements NodeLease {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyOf: (name: string) => string,
    private readonly serverId: string,
    private readonly ttlMs: number,
  ) {}

  async acquire(name: string): Promise<boolean> {
    return (await this.run(HOLD_SCRIPT, name, [this.serverId, String(this.ttlMs)])) === 1;
  }

  async renew(name: string): Promise<boolean> {
    return (await this.run(HOLD_SCRIPT, name, [this.serverId, String(this.ttlMs)])) === 1;
  }

  async release(name: string): Promise<void> {
    await this.run(LET_GO_SCRIPT, name, [this.serverId]);
  }

  async holder(name: string): Promise<string | null> {
    return this.redis.get(this.keyOf(name));
  }

  async close(): Promise<void> {}

  private run(script: string, name: string, args: string[]): Promise<unknown> {
    return this.redis.eval(script, { keys: [this.keyOf(name)], arguments: args });
  }
}

/** Advisory lock keys are 64-bit: a stable hash of the lease name. */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * One dedicated connection holds every lock this server has; if it breaks, PostgreSQL
 * frees the locks and this server must consider every lease lost (renew says false).
 */
export class PgAdvisoryNodeLease implements NodeLease {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly held = new Set<string>();
  /** Leases this server means to hold: taken again after the connection (and so the locks) was lost. */
  private readonly wanted = new Set<string>();

  constructor(
    private readonly connectionString: string,
    private readonly logger: Logger,
  ) {}

  async acquire(name: string): Promise<boolean> {
    if (this.held.has(name) && this.client) return true;
    const client = await this.connection();
    const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [advisoryKey(name)]);
    if (result.rows[0]?.locked) {
      this.held.add(name);
      this.wanted.add(name);
    }
    return this.held.has(name);
  }

  async renew(name: string): Promise<boolean> {
    if (!this.wanted.has(name)) return false;
    if (!this.held.has(name) || !this.client) {
      const again = await this.acquire(name);
      if (!again) this.wanted.delete(name);
      return again;
    }
    await this.client.query('select 1');
    return true;
  }

  async release(name: string): Promise<void> {
    this.wanted.delete(name);
    if (!this.held.delete(name) || !this.client) return;
    await this.client.query('select pg_advisory_unlock($1::bigint)', [advisoryKey(name)]);
  }

  async holder(name: string): Promise<string | null> {
    if (this.held.has(name)) return 'this server';
    const client = await this.connection();
    const key = BigInt(advisoryKey(name));
    const high = ((key >> 32n) & 0xffffffffn).toString();
    const low = (key & 0xffffffffn).toString();
    // A bigint advisory lock shows in pg_locks as its high and low halves, objsubid 1.
    const result = await client.query<{ n: number }>(
      "select count(*)::int as n from pg_locks where locktype = 'advisory' and granted and objsubid = 1 and classid = $1::oid and objid = $2::oid",
      [high, low],
    );
    return (result.rows[0]?.n ?? 0) > 0 ? 'another server' : null;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.held.clear();
    this.wanted.clear();
    await client?.end().catch(() => undefined);
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on('error', (err) => {
        this.logger.warn({ err: err.message }, 'node lease connection to PostgreSQL lost; the locks are taken again when it is back');
        this.lost(client);
      });
      client.on('end', () => this.lost(client));
      await client.connect();
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.held.clear();
  }
}
