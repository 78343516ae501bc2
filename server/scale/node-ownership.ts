// Runs the node leases of this server: a standby node is taken when its lease is free
// (at once for preferred nodes, after it stayed free a whole lease period for the others,
// so each server first gets its own), an owned node's lease is renewed every third of
// its period, and a server that finds the lease held by another or sees its Stasis app
// taken (ApplicationReplaced) steps back and gives the node's calls up. While the lease
// store cannot be reached the owner keeps the node: nobody else can take the lease then,
// and should a partition let another server in, Asterisk itself replaces our app socket.
import type { Logger } from '../shared/logger.js';
import type { NodeLease } from './node-lease.js';

export interface LeasedNode {
  /** `node0`, `node1`... as in logs and call records. */
  name: string;
  /** The same on every server for the same Asterisk (its ARI address). */
  leaseName: string;
  preferred: boolean;
  takeCalls(): void | Promise<void>;
  releaseCalls(): Promise<void>;
  /** Another connection took this node's Stasis app. */
  onReplaced(listener: () => void): () => void;
}

export type NodeRole = 'owner' | 'standby';

export interface NodeOwnershipStatus {
  node: string;
  role: NodeRole;
  /** Epoch ms of the last role change. */
  since: number;
  /** Who holds the lease, as last seen (null: free or not looked at yet). */
  holder: string | null;
}

export interface NodeOwnershipOptions {
  nodes: readonly LeasedNode[];
  lease: NodeLease;
  serverId: string;
  leaseMs: number;
  logger: Logger;
  now: () => number;
  onRoleChange?: (node: string, role: NodeRole) => void;
}

interface NodeState {
  node: LeasedNode;
  role: NodeRole;
  since: number;
  holder: string | null;
  freeSince: number | null;
  lastRenewedAt: number;
  renewProblem: string | null;
  cooldownUntil: number;
  queue: Promise<void>;
  tickQueued: boolean;
  detach: () => void;
}

export class NodeOwnership {
  private readonly states: NodeState[];
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private standbyProblem: string | null = null;
  private readonly log: Logger;

  constructor(private readonly options: NodeOwnershipOptions) {
    this.log = options.logger.child({ component: 'node-ownership' });
    this.intervalMs = Math.max(200, Math.floor(options.leaseMs / 3));
    const at = options.now();
    this.states = options.nodes.map((node) => {
      const state: NodeState = {
        node,
        role: 'standby',
        since: at,
        holder: null,
        freeSince: null,
        lastRenewedAt: 0,
        renewProblem: null,
        cooldownUntil: 0,
        queue: Promise.resolve(),
        tickQueued: false,
        detach: () => undefined,
      };
      state.detach = node.onReplaced(() => this.enqueue(state, () => this.replaced(state)));
      return state;
    });
  }

  start(): void {
    this.tickAll();
    this.timer = setInterval(() => this.tickAll(), this.intervalMs);
    this.timer.unref();
  }

  status(): NodeOwnershipStatus[] {
    return this.states.map((s) => ({ node: s.node.name, role: s.role, since: s.since, holder: s.role === 'owner' ? this.options.serverId : s.holder }));
  }

  /** Gives every owned node up (its calls first, then the lease) so another server takes it at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(
      this.states.map(async (state) => {
        state.detach();
        await state.queue;
        if (state.role === 'owner') await this.stepBack(state, 'server stopping', true);
      }),
    );
  }

  private tickAll(): void {
    for (const state of this.states) {
      if (state.tickQueued) continue;
      state.tickQueued = true;
      this.enqueue(state, async () => {
        state.tickQueued = false;
        await this.tick(state);
      });
    }
  }

  private enqueue(state: NodeState, work: () => Promise<void>): void {
    state.queue = state.queue.then(work).catch((err: unknown) => this.log.error({ err, node: state.node.name }, 'node ownership step failed'));
  }

  private async tick(state: NodeState): Promise<void> {
    if (this.stopped) return;
    const { lease, now } = this.options;
    const { leaseName } = state.node;
    if (state.role === 'owner') {
      let renewed: boolean;
      try {
        renewed = await this.bounded(lease.renew(leaseName), 'renewing the lease');
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        if (state.renewProblem === null) this.log.warn({ node: state.node.name, err: detail }, 'could not renew the node lease; keeping the node until another server is seen holding it');
        state.renewProblem = detail;
        return;
      }
      if (state.renewProblem !== null) this.log.info({ node: state.node.name, unrenewedMs: now() - state.lastRenewedAt }, 'node lease renewed again');
      state.renewProblem = null;
      if (renewed) state.lastRenewedAt = now();
      else await this.stepBack(state, 'another server holds the lease', false);
      return;
    }
    if (now() < state.cooldownUntil) return;
    try {
      await this.tryToTake(state);
      this.standbyProblem = null;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      if (this.standbyProblem !== detail) this.log.warn({ node: state.node.name, err: detail }, 'could not look at the node lease; trying again');
      this.standbyProblem = detail;
    }
  }

  private async tryToTake(state: NodeState): Promise<void> {
    const { lease, now, leaseMs } = this.options;
    const { leaseName } = state.node;
    if (!state.node.preferred) {
      state.holder = await this.bounded(lease.holder(leaseName), 'reading the lease');
      if (state.holder !== null) {
        state.freeSince = null;
        return;
      }
      state.freeSince ??= now();
      if (now() - state.freeSince < leaseMs) return;
    }
    if (!(await this.bounded(lease.acquire(leaseName), 'taking the lease'))) {
      state.holder = await this.bounded(lease.holder(leaseName), 'reading the lease');
      return;
    }
    state.role = 'owner';
    state.since = now();
    state.lastRenewedAt = state.since;
    state.freeSince = null;
    state.holder = this.options.serverId;
    this.log.info({ node: state.node.name, lease: leaseName }, 'took the node: its calls come to this server');
    this.options.onRoleChange?.(state.node.name, 'owner');
    await state.node.takeCalls();
  }

  /** Lease stores may queue commands while reconnecting: an answer that comes too late counts as none. */
  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${this.intervalMs} ms`)), this.intervalMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private async replaced(state: NodeState): Promise<void> {
    if (state.role !== 'owner') return;
    // Leave it to the other connection for a while rather than fight over the app.
    state.cooldownUntil = this.options.now() + 2 * this.options.leaseMs;
    this.log.error(
      { node: state.node.name },
      'another connection took this node\'s Stasis app: stepping back. Every CTI server on this Asterisk must use the same CTI_REDIS_URL (or PostgreSQL) so node leases agree',
    );
    await this.stepBack(state, 'Stasis app replaced', true);
  }

  private async stepBack(state: NodeState, why: string, releaseLease: boolean): Promise<void> {
    state.role = 'standby';
    state.since = this.options.now();
    state.holder = null;
    this.log.warn({ node: state.node.name, why }, 'gave the node up: its calls go to the server holding the lease');
    this.options.onRoleChange?.(state.node.name, 'standby');
    try {
      await state.node.releaseCalls();
    } finally {
      if (releaseLease) await this.options.lease.release(state.node.leaseName).catch((err: unknown) => this.log.warn({ err, node: state.node.name }, 'could not release the node lease; it expires by itself'));
    }
  }
}
