// The Socket.IO edge of the CTI server: authenticates desktops, puts each socket in its
// rooms and carries screen pops, agent states, callback news and the wallboard out, and
// state requests in. Routing goes through rooms only, so it works unchanged behind the
// Redis adapter with several CTI servers.
import type { Server as HttpServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { Server, type Socket } from 'socket.io';
import type { Logger } from 'pino';
import { AppError } from '../shared/errors.js';
import type { SessionUser } from '../domain/session.js';
import {
  CLIENT_EVENTS,
  ROOMS,
  SERVER_EVENTS,
  agentStateRequestSchema,
  popAckSchema,
  type AckResult,
  type AgentStateView,
  type CallbackOffer,
  type CallbacksChanged,
  type ClientToServerEvents,
  type InterServerEvents,
  type ScreenPop,
  type ServerToClientEvents,
  type SocketData,
  type Wallboard,
} from './contract.js';
import { closeAtTokenExpiry, socketAuth, systemTimers, type SessionTimers } from './auth.js';
import type { EventRateLimitOptions } from './event-rate-limit.js';
import { paceEvents } from './event-pacing.js';
import { desktopMetrics } from './metrics.js';
import { MemoryPopStore, type PopStore } from './pop-store.js';
import { latestWinsThrottle } from './throttle.js';
import { GatewayListeners, type GatewayEvents } from './gateway-events.js';

export type DesktopServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type DesktopSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface DesktopGatewayOptions {
  /** An existing Socket.IO server (e.g. with the Redis adapter already attached)... */
  io?: DesktopServer;
  /** ...or the API's HTTP server to attach a new one to (same port, path /socket.io). */
  httpServer?: HttpServer;
  /** Other CTI servers share `io` through its adapter: pops are handed to them for their sockets. Default false. */
  otherServers?: boolean;
  verifyToken: (token: string) => Promise<SessionUser | null>;
  logger: Logger;
  registry?: Registry;
  popStore?: PopStore;
  /** How long one desktop socket has to acknowledge a pop. Default 5 s. */
  popAckTimeoutMs?: number;
  /** Wallboard pacing for supervisors. Default 1 s. */
  wallboardIntervalMs?: number;
  /**
   * Client events one socket may send: 20 a second with bursts of 40 (far above any
   * person at a desktop); more get a `rate_limited` error ack, and a socket sending over
   * `floodFactor` (10) times that is closed.
   */
  eventRateLimit?: Partial<EventRateLimitOptions>;
  now?: () => number;
  /** Arms the close of each socket at its token's expiry (read against `now`). */
  timers?: SessionTimers;
}

export interface PopDelivery {
  popId: string;
  /** Desktop sockets of the agent on this server at the time of sending (other servers deliver to theirs). */
  sockets: number;
  /** Of those, the sockets that acknowledged within the timeout. */
  acknowledged: number;
}

export interface DesktopGateway {
  readonly io: DesktopServer;
  sendScreenPop(advisorId: number, pop: ScreenPop): Promise<PopDelivery>;
  updateScreenPop(advisorId: number, pop: ScreenPop): Promise<PopDelivery>;
  /** The agent's current pops (for GET /api/pops/current), oldest first. */
  currentPops(advisorId: number): Promise<ScreenPop[]>;
  /** Forget a pop once the agent is done with it (disposition saved). */
  dismissPop(advisorId: number, popId: string): Promise<void>;
  pushAgentState(advisorId: number, state: Omit<AgentStateView, 'advisorId'>): void;
  pushCallbacksChanged(change: CallbacksChanged, advisorIds: readonly number[]): void;
  pushCallbackOffer(advisorId: number, offer: CallbackOffer): void;
  /** With a provider set, the gateway pulls a fresh wallboard (throttled) whenever something it carries changes. */
  setWallboardProvider(provider: () => Promise<Wallboard> | Wallboard): void;
  /** Ask for a throttled wallboard refresh from the provider (something the gateway does not see changed). */
  refreshWallboard(): void;
  /** Push a wallboard built elsewhere; throttled, latest wins. */
  publishWallboard(wallboard: Wallboard): void;
  /** Close the sockets opened with this session token (after logout). */
  disconnectToken(tokenId: number): void;
  on<K extends keyof GatewayEvents>(event: K, listener: GatewayEvents[K]): () => void;
  close(): Promise<void>;
}

const DEFAULT_POP_ACK_TIMEOUT_MS = 5_000;
const DEFAULT_WALLBOARD_INTERVAL_MS = 1_000;

export function createDesktopGateway(options: DesktopGatewayOptions): DesktopGateway {
  const { logger } = options;
  const log = logger.child({ component: 'desktop-gateway' });
  const now = options.now ?? Date.now;
  const ackTimeoutMs = options.popAckTimeoutMs ?? DEFAULT_POP_ACK_TIMEOUT_MS;
  const popStore = options.popStore ?? new MemoryPopStore();
  const metrics = desktopMetrics(options.registry ?? new Registry());
  const listeners = new GatewayListeners();
  const ownsIo = !options.io;
  const io: DesktopServer = options.io ?? createServer(options.httpServer);

  let wallboardProvider: (() => Promise<Wallboard> | Wallboard) | null = null;
  // Caches for greeting newly connected desktops (a second tab, a reload); never used to route anything.
  let lastWallboard: Wallboard | null = null;
  const lastAgentStates = new Map<number, AgentStateView>();
  const wallboard = latestWinsThrottle<Wallboard>({
    intervalMs: options.wallboardIntervalMs ?? DEFAULT_WALLBOARD_INTERVAL_MS,
    send: (w) => {
      lastWallboard = w;
      io.to(ROOMS.supervisors).emit(SERVER_EVENTS.wallboard, w);
    },
    produce: () => {
      if (!wallboardProvider) throw new Error('no wallboard provider');
      return wallboardProvider();
    },
    onError: (err) => log.error({ err }, 'building the wallboard failed'),
  });

  const presence = presenceTracker(io, listeners, log);
  // Another server routed a call for an agent whose desktop may be here.
  io.on('screen-pop:deliver', (advisorId, event, pop) => {
    deliverHere(event, advisorId, pop).catch((err: unknown) => log.warn({ err, advisorId, popId: pop.popId }, 'screen pop from another server not delivered'));
  });

  io.use(socketAuth(options.verifyToken, log));
  io.on('connection', (socket) => onConnection(socket));

  function onConnection(socket: DesktopSocket): void {
    const { user } = socket.data;
    const socketLog = log.child({ socketId: socket.id, userId: user.id, advisorId: user.advisorId, role: user.role });
    void socket.join(ROOMS.token(user.tokenId));
    if (user.advisorId !== null) {
      void socket.join(ROOMS.agent(user.advisorId));
      const known = lastAgentStates.get(user.advisorId);
      if (known) socket.emit(SERVER_EVENTS.agentState, known);
    }
    if (user.role === 'supervisor' || user.role === 'admin') {
      void socket.join(ROOMS.supervisors);
      if (lastWallboard) socket.emit(SERVER_EVENTS.wallboard, lastWallboard);
      if (wallboardProvider) wallboard.invalidate();
    }
    metrics.sockets.inc({ role: user.role });
    socketLog.info('desktop connected');
    if (user.advisorId !== null) presence.reconcile(user.advisorId);
    paceEvents(socket, options.eventRateLimit, socketLog);

    socket.on(CLIENT_EVENTS.agentState, (payload, ack) => {
      void handleStateRequest(user, payload).then((result) => reply(ack, result));
    });
    socket.on(CLIENT_EVENTS.screenPopAck, (payload, ack) => {
      void handlePopAck(user, payload).then((result) => reply(ack, result));
    });
    socket.on('disconnect', (reason) => {
      metrics.sockets.dec({ role: user.role });
      socketLog.info({ reason }, 'desktop disconnected');
      if (user.advisorId !== null) presence.reconcile(user.advisorId);
    });
    // Armed last: a token already expired closes the socket at once, through the handler above.
    closeAtTokenExpiry(socket, { now, timers: options.timers ?? systemTimers }, socketLog);
  }

  async function handleStateRequest(user: SessionUser, payload: unknown): Promise<AckResult> {
    if (user.advisorId === null) {
      return failure('not_an_advisor', 'Only advisors have a desktop state; this account is not linked to an advisor.');
    }
    const parsed = agentStateRequestSchema.safeParse(payload);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
      return failure('invalid_request', `Send { state: "ready" | "not-ready" | "wrap-up", reason? } (${detail}).`);
    }
    if (listeners.count('agent-state-requested') === 0) {
      return failure('unavailable', 'State changes are not available right now; try again in a moment.');
    }
    try {
      // A request sent right after connecting must not overtake the "desktop connected" edge.
      await presence.settled(user.advisorId);
      await listeners.emit('agent-state-requested', user.advisorId, parsed.data.state, parsed.data.reason ?? null, user);
      return { ok: true };
    } catch (err) {
      if (err instanceof AppError) return failure(err.code, err.message);
      log.error({ err, advisorId: user.advisorId }, 'agent state request failed');
      return failure('internal', 'Your state could not be changed; try again.');
    }
  }

  async function handlePopAck(user: SessionUser, payload: unknown): Promise<AckResult> {
    const parsed = popAckSchema.safeParse(payload);
    if (!parsed.success) return failure('invalid_request', 'Send { popId } of the pop you are acknowledging.');
    if (user.advisorId === null) return { ok: true };
    try {
      const pop = await popStore.markAcked(user.advisorId, parsed.data.popId, new Date(now()).toISOString());
      if (!pop) return failure('not_found', 'That pop is no longer current.');
      await listeners.emit('screen-pop-acked', user.advisorId, parsed.data.popId);
      return { ok: true };
    } catch (err) {
      log.error({ err, advisorId: user.advisorId }, 'recording a pop ack failed');
      return failure('internal', 'The acknowledgement was not recorded; it is safe to send it again.');
    }
  }

  async function deliverPop(
    event: typeof SERVER_EVENTS.screenPop | typeof SERVER_EVENTS.screenPopUpdate,
    advisorId: number,
    pop: ScreenPop,
  ): Promise<PopDelivery> {
    const stamped: ScreenPop = { ...pop, phaseAt: pop.phaseAt ?? new Date(now()).toISOString() };
    // Sent while it is being saved, not after: with Redis the save is several round trips
    // that would delay every pop. The save is issued first, so an ack (which reaches the
    // store later on the same connection, or from the other server after the pop went
    // through Redis) never finds the pop missing.
    const saved = popStore
      .save(advisorId, stamped)
      .catch((err: unknown) => log.warn({ err, advisorId, popId: stamped.popId }, 'screen pop sent but not kept: a desktop that reconnects will not get it back'));
    const agentRoom = ROOMS.agent(advisorId);
    // Supervisors who are not this agent see every pop; their acks are not tracked.
    io.to(ROOMS.supervisors)
      .except(agentRoom)
      .timeout(ackTimeoutMs)
      .emit(event, stamped, () => undefined);
    if (wallboardProvider) wallboard.invalidate();
    // Each server delivers to the sockets it holds: one message through the adapter, where
    // asking every server for the agent's sockets and then each socket for its ack took
    // several round trips a pop and timed out under load.
    if (options.otherServers) io.serverSideEmit('screen-pop:deliver', advisorId, event, stamped);
    const [delivery] = await Promise.all([deliverHere(event, advisorId, stamped), saved]);
    // Only a lone server knows every socket; with others, the agent's desktop may be on one of them.
    if (!options.otherServers && delivery.sockets === 0) log.warn({ advisorId, popId: stamped.popId }, 'screen pop sent to an agent with no desktop open');
    return delivery;
  }

  /** Sends the pop to this server's sockets of the agent, one ack per socket (a room-wide ack would not say which tab failed). */
  async function deliverHere(
    event: typeof SERVER_EVENTS.screenPop | typeof SERVER_EVENTS.screenPopUpdate,
    advisorId: number,
    stamped: ScreenPop,
  ): Promise<PopDelivery> {
    const sockets = await io.local.in(ROOMS.agent(advisorId)).fetchSockets();
    const acks = await Promise.all(
      sockets.map(async (socket) => {
        const started = performance.now();
        try {
          const receipts = await socket.timeout(ackTimeoutMs).emitWithAck(event, stamped);
          if (receipts.length === 0) return false;
          metrics.popDelivery.observe({ phase: stamped.phase }, (performance.now() - started) / 1000);
          return true;
        } catch {
          metrics.popUndelivered.inc({ phase: stamped.phase });
          log.warn({ advisorId, popId: stamped.popId, socketId: socket.id }, 'desktop did not acknowledge the screen pop in time');
          return false;
        }
      }),
    );
    return { popId: stamped.popId, sockets: sockets.length, acknowledged: acks.filter(Boolean).length };
  }

  return {
    io,
    sendScreenPop: (advisorId, pop) => deliverPop(SERVER_EVENTS.screenPop, advisorId, pop),
    updateScreenPop: (advisorId, pop) => deliverPop(SERVER_EVENTS.screenPopUpdate, advisorId, pop),
    currentPops: (advisorId) => popStore.current(advisorId),
    dismissPop: (advisorId, popId) => popStore.remove(advisorId, popId),
    pushAgentState(advisorId, state) {
      const view: AgentStateView = { ...state, advisorId };
      lastAgentStates.set(advisorId, view);
      io.to([ROOMS.agent(advisorId), ROOMS.supervisors]).emit(SERVER_EVENTS.agentState, view);
      if (wallboardProvider) wallboard.invalidate();
    },
    pushCallbacksChanged(change, advisorIds) {
      io.to([ROOMS.supervisors, ...advisorIds.map(ROOMS.agent)]).emit(SERVER_EVENTS.callbacksChanged, change);
      if (wallboardProvider) wallboard.invalidate();
    },
    pushCallbackOffer(advisorId, offer) {
      io.to(ROOMS.agent(advisorId)).emit(SERVER_EVENTS.callbackOffer, offer);
    },
    setWallboardProvider(provider) {
      wallboardProvider = provider;
      wallboard.invalidate();
    },
    refreshWallboard() {
      wallboard.invalidate();
    },
    publishWallboard(w) {
      wallboard.push(w);
    },
    disconnectToken(tokenId) {
      io.in(ROOMS.token(tokenId)).disconnectSockets(true);
    },
    on: (event, listener) => listeners.on(event, listener),
    async close() {
      wallboard.stop();
      if (!ownsIo) return;
      io.disconnectSockets(true);
      // Server.close() would also close the HTTP server, which belongs to the API.
      io.engine.close();
    },
  };
}

function createServer(httpServer: HttpServer | undefined): DesktopServer {
  if (!httpServer) throw new Error('createDesktopGateway needs either io or httpServer.');
  return new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
    serveClient: true,
  });
}

function failure(code: string, message: string): AckResult {
  return { ok: false, error: { code, message } };
}

function reply(ack: unknown, result: AckResult): void {
  if (typeof ack === 'function') (ack as (r: AckResult) => void)(result);
}

/**
 * Turns socket comings and goings into edge events per advisor. Checks are serialised per
 * advisor and count sockets across all servers (fetchSockets goes through the adapter);
 * the remembered answer only suppresses repeats, so listeners should still be idempotent.
 */
function presenceTracker(io: DesktopServer, listeners: GatewayListeners, log: Logger) {
  const chains = new Map<number, Promise<void>>();
  const present = new Set<number>();

  async function check(advisorId: number): Promise<void> {
    const sockets = await io.in(ROOMS.agent(advisorId)).fetchSockets();
    if (sockets.length > 0 && !present.has(advisorId)) {
      present.add(advisorId);
      await listeners.emit('agent-connected', advisorId);
    } else if (sockets.length === 0 && present.has(advisorId)) {
      present.delete(advisorId);
      await listeners.emit('agent-disconnected', advisorId);
    }
  }

  return {
    /** Resolves when the checks queued so far for this advisor are done. */
    settled(advisorId: number): Promise<void> {
      return chains.get(advisorId) ?? Promise.resolve();
    },
    reconcile(advisorId: number): void {
      const next = (chains.get(advisorId) ?? Promise.resolve())
        .then(() => check(advisorId))
        .catch((err: unknown) => log.error({ err, advisorId }, 'desktop presence check failed'));
      chains.set(advisorId, next);
      void next.then(() => {
        if (chains.get(advisorId) === next) chains.delete(advisorId);
      });
    },
  };
}
