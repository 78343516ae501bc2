// Keeps every server's PresenceBoard on the same view through Redis: local changes are
// written (hash + pub/sub, numbered by one counter) and the others' are applied through
// the board's own transitions. A full snapshot is read at start, after a Redis outage
// and periodically, so a lost message cannot leave a server drifting. The desktop of an
// agent whose server stopped heart-beating expires (signed out) on every server.
import type { PresenceBoard, PresenceChange } from '../presence/presence-board.js';
import type { Logger } from '../shared/logger.js';
import type { ScaleKeys } from './keys.js';
import {
  changedGroups,
  desktopSteps,
  expiredDesktop,
  groupMessage,
  parsePresenceMessage,
  presenceField,
  type DesktopValue,
  type PresenceGroup,
  type PresenceMessage,
  type UnsequencedMessage,
} from './presence-record.js';
import type { RedisClient } from './redis-connection.js';

/** Numbers the message, stores it as the group's latest and publishes it, atomically. */
const WRITE_SCRIPT = `
local seq = redis.call('INCR', KEYS[3])
local msg = '{"seq":' .. seq .. ',' .. string.sub(ARGV[2], 2)
redis.call('HSET', KEYS[1], ARGV[1], msg)
redis.call('PUBLISH', KEYS[2], msg)
return seq`;

/** The same, only while the stored desktop still names the dead server as home. */
const EXPIRE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local ok, rec = pcall(cjson.decode, current)
if not ok or type(rec) ~= 'table' or type(rec.value) ~= 'table' or rec.value.home ~= ARGV[3] then return 0 end
local seq = redis.call('INCR', KEYS[3])
local msg = '{"seq":' .. seq .. ',' .. string.sub(ARGV[2], 2)
redis.call('HSET', KEYS[1], ARGV[1], msg)
redis.call('PUBLISH', KEYS[2], msg)
return seq`;

export interface ServerLiveness {
  alive(serverIds: readonly string[]): Promise<Set<string>>;
}

export interface PresenceSyncOptions {
  serverId: string;
  board: PresenceBoard;
  redis: RedisClient;
  /** A connection only used to subscribe. */
  subscriber: RedisClient;
  keys: ScaleKeys;
  liveness: ServerLiveness;
  /** Full snapshot period. */
  resyncMs: number;
  /** How often the homes of remote agents are checked for life. */
  expiryCheckMs: number;
  /** True when this server's own AMI reports this advisor's phone (then others' reports are not needed). */
  hasLocalPhoneView?: (advisorId: number) => boolean;
  logger: Logger;
  now: () => number;
}

export class PresenceSync {
  /** Advisors whose desktop sockets this server holds: it speaks for their desktop state. */
  private readonly homed = new Set<number>();
  /** Latest message number applied per field: older ones (a slow snapshot) are ignored. */
  private readonly seen = new Map<string, number>();
  /** Other servers holding signed-in desktops, by advisor. */
  private readonly remoteHomes = new Map<number, string>();
  private applying = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private lastProblem: string | null = null;
  private readonly log: Logger;
  private readonly onChange = (change: PresenceChange) => this.publishLocal(change);
  private readonly onSubscriberReady = () => void this.resync();

  constructor(private readonly options: PresenceSyncOptions) {
    this.log = options.logger.child({ component: 'presence-sync' });
  }

  async start(): Promise<void> {
    const { subscriber, keys, board } = this.options;
    await subscriber.subscribe(keys.presenceChannel, (text) => this.receive(text));
    board.on('change', this.onChange);
    await this.resync();
    subscriber.on('ready', this.onSubscriberReady);
    this.every(this.options.resyncMs, () => this.resync());
    this.every(this.options.expiryCheckMs, () => this.expireDeadHomes());
  }

  /** The first desktop socket of this advisor opened on this server. */
  agentHere(advisorId: number): void {
    this.homed.add(advisorId);
    this.remoteHomes.delete(advisorId);
    this.publishCurrent(advisorId, 'desktop');
  }

  /** The last desktop socket of this advisor on this server closed. */
  agentGone(advisorId: number): void {
    if (!this.homed.delete(advisorId)) return;
    const current = this.options.board.get(advisorId);
    if (current?.desktop === 'logged-out') this.publishCurrent(advisorId, 'desktop');
  }

  /**
   * True while the board changes because another server said so: that server already
   * pushed the change to the desktops (through the shared adapter), so this one must not.
   */
  get applyingRemoteChange(): boolean {
    return this.applying;
  }

  /** Advisors whose desktop this server speaks for. */
  homedAdvisors(): number[] {
    return [...this.homed];
  }

  /** Reads every stored group and applies what is newer than what was seen. */
  async resync(): Promise<void> {
    if (this.stopped) return;
    try {
      const stored = await this.options.redis.hGetAll(this.options.keys.presence);
      const messages: PresenceMessage[] = [];
      for (const [field, text] of Object.entries(stored)) {
        const parsed = parsePresenceMessage(text);
        if (parsed.ok) messages.push(parsed.message);
        else this.log.warn({ field, problem: parsed.problem }, 'ignoring an unreadable stored presence entry');
      }
      messages.sort((a, b) => a.seq - b.seq);
      for (const message of messages) await this.reconcileStored(message);
      // A Redis that restarted empty forgot the desktops this server speaks for: say them again.
      const storedDesktops = new Set(messages.filter((m) => m.group === 'desktop').map((m) => m.advisorId));
      for (const advisorId of this.homed) if (!storedDesktops.has(advisorId)) this.publishCurrent(advisorId, 'desktop');
      this.problemCleared();
    } catch (err) {
      this.problem('presence snapshot could not be read', err);
    }
  }

  /** Signs out, everywhere, the agents whose desktop server stopped heart-beating. */
  async expireDeadHomes(): Promise<void> {
    if (this.stopped || this.remoteHomes.size === 0) return;
    try {
      const alive = await this.options.liveness.alive([...this.remoteHomes.values()]);
      for (const [advisorId, home] of [...this.remoteHomes]) {
        if (!alive.has(home)) await this.expire(advisorId, home, 'its CTI server stopped');
      }
    } catch (err) {
      this.problem('could not check which servers are alive', err);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.options.board.off('change', this.onChange);
    this.options.subscriber.off('ready', this.onSubscriberReady);
    // Only over a working connection: node-redis holds commands on a closed or reconnecting one, and shutdown would wait.
    if (this.options.subscriber.isReady) await this.options.subscriber.unsubscribe(this.options.keys.presenceChannel).catch(() => undefined);
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const timer = setInterval(() => void fn(), ms);
    timer.unref();
    this.timers.push(timer);
  }

  private publishLocal({ previous, current }: PresenceChange): void {
    if (this.applying || this.stopped) return;
    for (const group of changedGroups(previous, current)) {
      // The desktop state is said by the server holding the sockets; elsewhere it only follows.
      if (group === 'desktop' && !this.homed.has(current.advisorId)) continue;
      this.write(groupMessage(this.options.serverId, current, group, this.options.serverId));
    }
  }

  private publishCurrent(advisorId: number, group: PresenceGroup): void {
    const current = this.options.board.get(advisorId);
    if (current) this.write(groupMessage(this.options.serverId, current, group, this.options.serverId));
  }

  private write(message: UnsequencedMessage): void {
    const { redis, keys } = this.options;
    const field = presenceField(message.advisorId, message.group);
    redis
      .eval(WRITE_SCRIPT, { keys: [keys.presence, keys.presenceChannel, keys.presenceSeq], arguments: [field, JSON.stringify(message)] })
      .then((seq) => {
        if (typeof seq === 'number' && seq > (this.seen.get(field) ?? 0)) this.seen.set(field, seq);
        this.problemCleared();
      })
      .catch((err: unknown) => this.problem('could not share a presence change (the next snapshot repairs it)', err));
  }

  private async expire(advisorId: number, deadHome: string, why: string): Promise<void> {
    const { redis, keys, serverId } = this.options;
    const field = presenceField(advisorId, 'desktop');
    const message = expiredDesktop(serverId, advisorId);
    const seq = await redis.eval(EXPIRE_SCRIPT, {
      keys: [keys.presence, keys.presenceChannel, keys.presenceSeq],
      arguments: [field, JSON.stringify(message), deadHome],
    });
    this.remoteHomes.delete(advisorId);
    if (typeof seq !== 'number' || seq === 0) return;
    this.log.info({ advisorId, deadHome }, `agent desktop signed out: ${why}`);
    this.apply({ ...message, seq } as PresenceMessage);
  }

  private receive(text: string): void {
    const parsed = parsePresenceMessage(text);
    if (!parsed.ok) {
      this.log.warn({ problem: parsed.problem }, 'ignoring an unreadable presence message');
      return;
    }
    if (parsed.message.origin !== this.options.serverId) this.apply(parsed.message);
  }

  /** A snapshot entry: applied when newer; our own stale or contradicted entries are repaired. */
  private async reconcileStored(message: PresenceMessage): Promise<void> {
    const { serverId, board } = this.options;
    if (message.group === 'desktop') {
      const { advisorId } = message;
      const value = message.value;
      if (this.homed.has(advisorId)) {
        const current = board.get(advisorId);
        if (current && (value.home !== serverId || value.desktop !== current.desktop || value.notReadyReason !== current.notReadyReason)) {
          this.publishCurrent(advisorId, 'desktop');
        }
        return;
      }
      // Signed in "here" but no socket here: left from an earlier run of this server id.
      if (value.home === serverId && value.desktop !== 'logged-out') {
        await this.expire(advisorId, serverId, 'this server restarted');
        return;
      }
    }
    if (message.origin === serverId) return;
    this.apply(message);
  }

  private apply(message: PresenceMessage): void {
    const field = presenceField(message.advisorId, message.group);
    if ((this.seen.get(field) ?? 0) >= message.seq) return;
    this.seen.set(field, message.seq);
    const { board } = this.options;
    const { advisorId } = message;
    this.applying = true;
    try {
      board.track(advisorId);
      switch (message.group) {
        case 'desktop':
          if (this.homed.has(advisorId) && message.value.home === null) {
            // Another server expired an agent whose sockets are here (our heartbeat lapsed): say it again.
            this.applying = false;
            this.publishCurrent(advisorId, 'desktop');
            return;
          }
          this.applyDesktop(advisorId, message.value);
          return;
        case 'absence':
          board.markAbsent(advisorId, message.value.markedAbsent);
          return;
        case 'phone':
          if (this.options.hasLocalPhoneView?.(advisorId)) return;
          board.phoneState(advisorId, message.value.phone);
          return;
      }
    } catch (err) {
      this.log.warn({ err, advisorId, group: message.group }, 'could not apply a presence change from another server');
    } finally {
      this.applying = false;
    }
  }

  private applyDesktop(advisorId: number, value: DesktopValue): void {
    const { board, serverId, now } = this.options;
    if (value.home && value.home !== serverId && value.desktop !== 'logged-out') this.remoteHomes.set(advisorId, value.home);
    else this.remoteHomes.delete(advisorId);
    const current = board.get(advisorId);
    if (!current) return;
    for (const step of desktopSteps(current, value, now())) {
      if (step.kind === 'disconnect') board.desktopDisconnected(advisorId);
      else if (step.kind === 'connect') board.desktopConnected(advisorId);
      else board.requestState(advisorId, step.state, step.reason);
    }
  }

  private problem(what: string, err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    if (this.lastProblem === what) return;
    this.lastProblem = what;
    this.log.warn({ err: detail }, what);
  }

  private problemCleared(): void {
    if (this.lastProblem !== null) this.log.info('presence sharing through Redis works again');
    this.lastProblem = null;
  }
}
