// Shares each server's waiting callers through Redis so the wallboard and the expected
// waits see the whole floor's queue. Each server writes its whole list (a hash field per
// server + pub/sub, numbered by one counter) when it changes, at most every
// `coalesceMs`, and again every `republishMs`; the others keep a synchronous view of
// every live server's list. Only the server owning a call ever hands it an advisor: the
// remote view is for looking at, never for dispatching.
import type { WaitingCaller } from '../routing/waiting-choice.js';
import type { Logger } from '../shared/logger.js';
import type { ScaleKeys } from './keys.js';
import type { ServerLiveness } from './presence-sync.js';
import type { RedisClient } from './redis-connection.js';
import { parseWaitingRecord, remoteCallers, waitingRecord, type UnsequencedWaitingRecord, type WaitingRecord } from './waiting-record.js';

/** Numbers the record, stores it as the server's latest and publishes it, atomically. */
const WRITE_SCRIPT = `
local seq = redis.call('INCR', KEYS[3])
local msg = '{"seq":' .. seq .. ',' .. string.sub(ARGV[2], 2)
redis.call('HSET', KEYS[1], ARGV[1], msg)
redis.call('PUBLISH', KEYS[2], msg)
return seq`;

/** A server stopping: its field goes and an empty list is published (the others drop it at once). */
const LEAVE_SCRIPT = `
local seq = redis.call('INCR', KEYS[3])
local msg = '{"seq":' .. seq .. ',' .. string.sub(ARGV[2], 2)
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], msg)
return seq`;

/** A dead server's field, removed only if nobody rewrote it since it was read. */
const FORGET_SCRIPT = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

/** The local waiting line (WaitingCallers satisfies it). */
export interface WaitingSource {
  list(): readonly WaitingCaller[];
  on(event: 'changed', listener: () => void): unknown;
  off(event: 'changed', listener: () => void): unknown;
}

export interface WaitingSyncOptions {
  serverId: string;
  waiting: WaitingSource;
  redis: RedisClient;
  /** A connection used only to subscribe (it may carry other channels too). */
  subscriber: RedisClient;
  keys: ScaleKeys;
  liveness: ServerLiveness;
  /** Full read of every server's list and rewrite of our own (repairs lost messages, a Redis restart). */
  republishMs: number;
  /** How often the servers whose callers are shown are checked for life. */
  livenessCheckMs: number;
  /** Least time between two writes of our list (a burst of changes is written once). Default 200 ms. */
  coalesceMs?: number;
  /** Called when the remote view changed (the wallboard refreshes). */
  onRemoteChange?: () => void;
  logger: Logger;
  now: () => number;
}

export class WaitingSync {
  /** Latest record per other server (dead ones are dropped). */
  private readonly records = new Map<string, WaitingRecord>();
  /** Servers whose records count: confirmed by the heartbeat, or heard from since the last check. */
  private alive = new Set<string>();
  private view: readonly WaitingCaller[] = [];
  private timers: NodeJS.Timeout[] = [];
  private pending: NodeJS.Timeout | null = null;
  private lastWriteAt = -Infinity;
  private stopped = false;
  private lastProblem: string | null = null;
  private readonly coalesceMs: number;
  private readonly log: Logger;
  private readonly onLocalChange = () => this.schedule();
  private readonly onSubscriberReady = () => void this.refresh();

  constructor(private readonly options: WaitingSyncOptions) {
    this.coalesceMs = options.coalesceMs ?? 200;
    this.log = options.logger.child({ component: 'waiting-sync' });
  }

  async start(): Promise<void> {
    const { subscriber, keys, waiting } = this.options;
    await subscriber.subscribe(keys.waitingChannel, (text) => this.receive(text));
    waiting.on('changed', this.onLocalChange);
    await this.refresh();
    subscriber.on('ready', this.onSubscriberReady);
    this.every(this.options.republishMs, () => this.refresh());
    this.every(this.options.livenessCheckMs, () => this.checkLiveness());
  }

  /** The callers waiting on the other live servers, oldest first-call time first. */
  remoteWaiting(): readonly WaitingCaller[] {
    return this.view;
  }

  /** Writes our list and reads everyone else's, keeping only live servers' lists. */
  async refresh(): Promise<void> {
    if (this.stopped) return;
    this.schedule();
    try {
      const stored = await this.options.redis.hGetAll(this.options.keys.waiting);
      const read = new Map<string, { record: WaitingRecord; text: string }>();
      for (const [field, text] of Object.entries(stored)) {
        if (field === this.options.serverId) continue;
        const record = this.read(text, field);
        if (record) read.set(field, { record, text });
      }
      const asked = [...new Set([...read.keys(), ...this.records.keys()])];
      const alive = await this.options.liveness.alive(asked);
      for (const [field, { record, text }] of read) {
        if (alive.has(field)) this.remember(record);
        else this.forget(field, text);
      }
      this.keepAlive(asked, alive);
      this.problemCleared();
    } catch (err) {
      this.problem('could not read the other servers’ waiting callers', err);
    }
  }

  /** Drops the lists of servers that stopped heart-beating. */
  async checkLiveness(): Promise<void> {
    if (this.stopped || this.records.size === 0) return;
    try {
      const asked = [...this.records.keys()];
      this.keepAlive(asked, await this.options.liveness.alive(asked));
      this.problemCleared();
    } catch (err) {
      this.problem('could not check which servers are alive', err);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    const { waiting, subscriber, redis, keys, serverId, now } = this.options;
    waiting.off('changed', this.onLocalChange);
    subscriber.off('ready', this.onSubscriberReady);
    // Only over a working connection: node-redis holds commands on a closed or reconnecting one, and shutdown would wait.
    if (subscriber.isReady) await subscriber.unsubscribe(keys.waitingChannel).catch(() => undefined);
    if (!redis.isReady) return;
    await redis
      .eval(LEAVE_SCRIPT, { keys: this.writeKeys(), arguments: [serverId, JSON.stringify(waitingRecord(serverId, [], now()))] })
      .catch((err: unknown) => this.problem('could not withdraw our waiting callers (the others drop them when our heartbeat stops)', err));
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const timer = setInterval(() => void fn(), ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** At most one write per `coalesceMs`; changes in between are carried by the next one. */
  private schedule(): void {
    if (this.stopped || this.pending) return;
    const wait = Math.max(0, this.lastWriteAt + this.coalesceMs - performance.now());
    this.pending = setTimeout(() => {
      this.pending = null;
      this.write();
    }, wait);
    this.pending.unref();
  }

  private write(): void {
    if (this.stopped) return;
    this.lastWriteAt = performance.now();
    const { redis, serverId, waiting, now } = this.options;
    const record: UnsequencedWaitingRecord = waitingRecord(serverId, waiting.list(), now());
    redis
      .eval(WRITE_SCRIPT, { keys: this.writeKeys(), arguments: [serverId, JSON.stringify(record)] })
      .then(() => this.problemCleared())
      .catch((err: unknown) => this.problem('could not share our waiting callers (the next refresh repairs it)', err));
  }

  private writeKeys(): string[] {
    const { keys } = this.options;
    return [keys.waiting, keys.waitingChannel, keys.waitingSeq];
  }

  private receive(text: string): void {
    const record = this.read(text, null);
    if (!record || record.origin === this.options.serverId) return;
    // It just wrote, so it is alive; the next liveness check confirms or drops it.
    this.alive.add(record.origin);
    this.remember(record);
  }

  /** A readable record, or null (logged); a hash entry must be stored under its origin. */
  private read(text: string, field: string | null): WaitingRecord | null {
    const parsed = parseWaitingRecord(text);
    if (!parsed.ok) {
      this.log.warn({ field, problem: parsed.problem }, 'ignoring an unreadable waiting-callers record');
      return null;
    }
    if (field !== null && parsed.record.origin !== field) {
      this.log.warn({ field, origin: parsed.record.origin }, 'ignoring a waiting-callers record stored under another server’s name');
      return null;
    }
    if (parsed.dropped > 0) this.log.warn({ origin: parsed.record.origin, dropped: parsed.dropped }, 'ignoring unreadable waiting callers in a record');
    return parsed.record;
  }

  private remember(record: WaitingRecord): void {
    if ((this.records.get(record.origin)?.seq ?? 0) >= record.seq) return;
    this.records.set(record.origin, record);
    this.rebuild();
  }

  /** Applies a liveness answer about `asked` (a server heard from meanwhile keeps counting). */
  private keepAlive(asked: readonly string[], alive: ReadonlySet<string>): void {
    const dead = new Set(asked.filter((origin) => !alive.has(origin)));
    for (const origin of dead) this.records.delete(origin);
    this.alive = new Set([...[...this.alive].filter((origin) => !dead.has(origin)), ...alive]);
    this.rebuild();
  }

  /** A dead server's stored list is removed so ids of crashed servers do not pile up. */
  private forget(field: string, text: string): void {
    this.records.delete(field);
    this.options.redis
      .eval(FORGET_SCRIPT, { keys: [this.options.keys.waiting], arguments: [field, text] })
      .catch((err: unknown) => this.problem('could not remove a dead server’s waiting callers', err));
  }

  private rebuild(): void {
    const before = this.view;
    this.view = remoteCallers(this.records.values(), this.alive, this.options.serverId);
    if (!sameCallers(before, this.view)) this.options.onRemoteChange?.();
  }

  private problem(what: string, err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    if (this.lastProblem === what) return;
    this.lastProblem = what;
    this.log.warn({ err: detail }, what);
  }

  private problemCleared(): void {
    if (this.lastProblem !== null) this.log.info('waiting-callers sharing through Redis works again');
    this.lastProblem = null;
  }
}

/** Same callers in the same waits (a republished, unchanged list does not refresh the wallboard). */
function sameCallers(a: readonly WaitingCaller[], b: readonly WaitingCaller[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((c, i) => {
    const d = b[i];
    return d !== undefined && c.callId === d.callId && c.waitingSince === d.waitingSince && waitKey(c) === waitKey(d);
  });
}

function waitKey(caller: WaitingCaller): string {
  return caller.waitingFor.kind === 'owner' ? `owner:${caller.waitingFor.advisorId}` : 'pool';
}
