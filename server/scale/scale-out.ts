// Several CTI servers side by side. With CTI_REDIS_URL: the Socket.IO Redis adapter,
// presence and waiting callers shared through Redis, a heartbeat per server and Asterisk
// node leases in Redis. Without Redis but on PostgreSQL: node leases as advisory locks
// (one active server per node, the others on standby). Otherwise (one server on SQLite):
// every node's calls are taken at start, as before.
import type { Server as HttpServer } from 'node:http';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { DesktopServer } from '../desktop/gateway.js';
import type { GatewayEvents } from '../desktop/gateway-events.js';
import type { PopStore } from '../desktop/pop-store.js';
import type { AsteriskNodeLink } from '../pbx/asterisk-node.js';
import type { Telephony } from '../pbx/call-flow/telephony.js';
import type { AdvisorClaims } from '../presence/advisor-claims.js';
import type { PresenceBoard } from '../presence/presence-board.js';
import type { WaitingCaller } from '../routing/waiting-choice.js';
import type { Logger } from '../shared/logger.js';
import { nodeLeaseName, scaleKeys, type ScaleKeys } from './keys.js';
import { PgAdvisoryNodeLease, RedisNodeLease, type NodeLease } from './node-lease.js';
import { NodeOwnership, type LeasedNode, type NodeOwnershipStatus } from './node-ownership.js';
import { PresenceSync } from './presence-sync.js';
import { connectRedis, type RedisConnections } from './redis-connection.js';
import { RedisAdvisorClaims } from './redis-advisor-claims.js';
import { RedisPopStore } from './redis-pop-store.js';
import { ServerHeartbeat } from './server-heartbeat.js';
import { closeSocketServer, createScaledSocketServer } from './socket-server.js';
import { WaitingSync, type WaitingSource } from './waiting-sync.js';

export interface ScaleOutOptions {
  config: Config;
  logger: Logger;
  registry: Registry;
  now: () => number;
}

/** The gateway's events this module listens to (home of each agent's desktop). */
export interface DesktopEvents {
  on<K extends 'agent-connected' | 'agent-disconnected'>(event: K, listener: GatewayEvents[K]): () => void;
}

export interface ScaleStatus {
  serverId: string;
  redis: boolean;
  leases: 'redis' | 'postgres' | 'none';
  nodes: NodeOwnershipStatus[];
}

export interface ScaleOut {
  readonly serverId: string;
  /** True when nodes are taken by lease (start telephony with `takeCallsAtStart: false`). */
  readonly leasesNodes: boolean;
  /** The agents' current pops shared by every server (Redis), or null: the gateway keeps them in memory. */
  readonly popStore: PopStore | null;
  /** Advisor claims every server sees (Redis), or null: this server's own claims are enough. */
  readonly advisorClaims: AdvisorClaims | null;
  /** A Socket.IO server with the Redis adapter, or null without Redis (the gateway makes its own). */
  socketServer(httpServer: HttpServer): DesktopServer | null;
  /** Shares the presence board with the other servers (no-op without Redis). */
  sharePresence(presence: PresenceBoard, desktop: DesktopEvents): Promise<void>;
  /** True while the presence board applies a change another server made (and already pushed to desktops). */
  applyingRemotePresence(): boolean;
  /**
   * Shares this server's waiting callers and follows the other servers' (no-op without
   * Redis); `onRemoteChange` runs when the others' callers change.
   */
  shareWaiting(waiting: WaitingSource, onRemoteChange?: () => void): Promise<void>;
  /** The callers waiting on the other live servers (empty without Redis): to show and count, never to hand an advisor. */
  remoteWaiting(): readonly WaitingCaller[];
  /** Starts the node leases over telephony's nodes (no-op when not leasing). */
  takeNodes(telephony: Pick<Telephony, 'nodes' | 'directory' | 'tracker'>): void;
  status(): ScaleStatus;
  /** Gives the nodes up (calls back to the dialplan, leases released): before telephony stops. */
  releaseNodes(): Promise<void>;
  close(): Promise<void>;
}

export async function startScaleOut(options: ScaleOutOptions): Promise<ScaleOut> {
  const { config, logger, now } = options;
  const log = logger.child({ component: 'scale-out' });
  const { serverId } = config.scale;
  const keys: ScaleKeys = scaleKeys(config.scale.redisPrefix);
  const redis: RedisConnections | null = config.redisUrl ? await connectRedis(config.redisUrl, logger) : null;
  const heartbeat = redis ? new ServerHeartbeat({ redis: redis.commands, keys, serverId, ttlMs: config.scale.serverTtlMs, logger, now }) : null;
  await heartbeat?.start();

  const leasesKind: ScaleStatus['leases'] = config.demoMode ? 'none' : redis ? 'redis' : config.dbUrl.startsWith('postgres') ? 'postgres' : 'none';
  const lease: NodeLease | null =
    leasesKind === 'redis' && redis
      ? new RedisNodeLease(redis.commands, (name) => keys.nodeLease(config.ariApp, name), serverId, config.scale.nodeLeaseMs)
      : leasesKind === 'postgres'
        ? new PgAdvisoryNodeLease(config.dbUrl, logger)
        : null;
  const owned = new Gauge({
    name: 'cti_node_owned',
    help: 'Whether this CTI server holds the Asterisk node (its Stasis app): 1 owner, 0 standby',
    labelNames: ['node'] as const,
    registers: [options.registry],
  });

  // How often the servers whose agents or callers this one shows are checked for life.
  const livenessCheckMs = Math.max(250, Math.floor(config.scale.serverTtlMs / 3));
  let io: DesktopServer | null = null;
  let sync: PresenceSync | null = null;
  let waitingSync: WaitingSync | null = null;
  let ownership: NodeOwnership | null = null;
  let phoneView: (advisorId: number) => boolean = () => false;
  log.info({ serverId, redis: Boolean(redis), leases: leasesKind }, 'scale-out settings');

  return {
    serverId,
    leasesNodes: lease !== null,
    popStore: redis ? new RedisPopStore(redis.commands, keys) : null,
    advisorClaims: redis ? new RedisAdvisorClaims(redis.commands, keys, log) : null,
    socketServer(httpServer) {
      if (!redis) return null;
      io = createScaledSocketServer(httpServer, redis.commands, redis.adapterSubscriber, keys.socketIo);
      return io;
    },
    async sharePresence(presence, desktop) {
      if (!redis || !heartbeat) return;
      const presenceSync = new PresenceSync({
        serverId,
        board: presence,
        redis: redis.commands,
        subscriber: redis.presenceSubscriber,
        keys,
        liveness: heartbeat,
        resyncMs: config.scale.presenceResyncMs,
        expiryCheckMs: livenessCheckMs,
        hasLocalPhoneView: (advisorId) => phoneView(advisorId),
        logger,
        now,
      });
      // Registered after the presence wiring, so the board already shows the (dis)connection.
      desktop.on('agent-connected', (advisorId) => presenceSync.agentHere(advisorId));
      desktop.on('agent-disconnected', (advisorId) => presenceSync.agentGone(advisorId));
      await presenceSync.start();
      sync = presenceSync;
    },
    async shareWaiting(waiting, onRemoteChange) {
      if (!redis || !heartbeat) return;
      const shared = new WaitingSync({
        serverId,
        waiting,
        redis: redis.commands,
        subscriber: redis.presenceSubscriber,
        keys,
        liveness: heartbeat,
        republishMs: config.scale.presenceResyncMs,
        livenessCheckMs,
        ...(onRemoteChange ? { onRemoteChange } : {}),
        logger,
        now,
      });
      await shared.start();
      waitingSync = shared;
    },
    remoteWaiting: () => waitingSync?.remoteWaiting() ?? [],
    takeNodes({ nodes, directory, tracker }) {
      // Our own AMI sees this phone: other servers' reports of it are not needed.
      phoneView = (advisorId) => {
        const advisor = directory.get(advisorId);
        return advisor ? tracker.stateOfEndpoint(advisor.endpoint) !== null : false;
      };
      if (!lease) return;
      const preferred = new Set(config.scale.preferredNodes);
      const leased = nodes.map((link) => leasedNode(link, preferred.size === 0 || preferred.has(link.node.index)));
      for (const node of leased) owned.set({ node: node.name }, 0);
      ownership = new NodeOwnership({
        nodes: leased,
        lease,
        serverId,
        leaseMs: config.scale.nodeLeaseMs,
        logger,
        now,
        onRoleChange: (node, role) => owned.set({ node }, role === 'owner' ? 1 : 0),
      });
      ownership.start();
    },
    applyingRemotePresence: () => sync?.applyingRemoteChange ?? false,
    status: () => ({ serverId, redis: Boolean(redis), leases: leasesKind, nodes: ownership?.status() ?? [] }),
    async releaseNodes() {
      await ownership?.stop();
      ownership = null;
    },
    async close() {
      await ownership?.stop();
      await sync?.stop();
      await waitingSync?.stop();
      if (io) closeSocketServer(io);
      await heartbeat?.stop();
      await lease?.close();
      await redis?.close();
    },
  };
}

/**
 * One AsteriskNodeLink as the lease controller sees it. Callers the previous owner left in
 * the Stasis app are adopted by the call flow itself when the taken node's ARI connects
 * (its resync), keeping their first-call time.
 */
function leasedNode(link: AsteriskNodeLink, preferred: boolean): LeasedNode {
  return {
    name: link.name,
    leaseName: nodeLeaseName(link.node.ari.baseUrl),
    preferred,
    takeCalls() {
      link.takeCalls();
    },
    async releaseCalls() {
      await link.releaseCalls();
    },
    onReplaced(listener) {
      link.ari.on('replaced', listener);
      return () => link.ari.off('replaced', listener);
    },
  };
}
