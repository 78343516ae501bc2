// The composition root: config -> store -> presence -> API + desktop -> telephony.
// Every adapter is built here and handed to what needs it; nothing else reads the
// environment or constructs a connection.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/config.js';
import { createApiApp } from './api/app.js';
import { apiRoutes } from './api/routes/index.js';
import { PresenceBoard } from './presence/presence-board.js';
import { createDesktopGateway, desktopAssets, type DesktopGateway } from './desktop/index.js';
import { createLogger, type Logger } from './shared/logger.js';
import { createMetrics, type Metrics } from './shared/metrics.js';
import { openDatabase, migrateLatest, closeDatabase } from './store/database.js';
import { createStore, type Store } from './store/index.js';
import { seedDemoIfEmpty } from '../db/seeds/demo.js';
import { wirePresenceToDesktop } from './composition/presence-desktop.js';
import { startDemoPbx, type DemoPbx } from './composition/demo-pbx.js';
import { createPromptLibrary, createPromptMediaRouter, type PromptLibrary } from './prompts/index.js';
import { recordedPromptStore } from './prompts/store-adapter.js';
import { startTelephony, type Telephony } from './pbx/call-flow/telephony.js';
import { attachSelfRecording } from './pbx/call-flow/self-recording.js';
import { CallFlowEvents } from './pbx/call-flow/events.js';
import type { Advisor } from './domain/model.js';
import { startScreenPops } from './desktop/screen-pop-service.js';
import { wallboardBuilder } from './wallboard/wallboard-builder.js';
import { callbackServiceFor, startCallbackEngine, type CallbackService } from './callbacks/index.js';
import { startScaleOut } from './scale/scale-out.js';

export interface RunningServer {
  config: Config;
  port: number;
  url: string;
  store: Store;
  presence: PresenceBoard;
  gateway: DesktopGateway;
  metrics: Metrics;
  logger: Logger;
  httpServer: HttpServer;
  /** The in-process simulator, in demo mode only. */
  demo: DemoPbx | null;
  telephony: Telephony;
  prompts: PromptLibrary;
  callbacks: CallbackService;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Epoch ms clock; tests pin it. */
  now?: () => number;
  version?: string;
}

const TOKEN_RETENTION_MS = 24 * 3_600_000;
const TOKEN_PURGE_INTERVAL_MS = 3_600_000;

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  const metrics = createMetrics();
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const fn of closers.reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.warn({ err }, 'error while shutting down');
      }
    }
  };

  try {
    const db = openDatabase(config.dbUrl, { logger });
    closers.push(() => closeDatabase(db));
    const applied = await migrateLatest(db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    if (config.demoMode) {
      const seeded = await seedDemoIfEmpty(db, { logger, capacity: config.allocation.defaultCapacity });
      if (seeded) logger.info(seeded, 'demo data seeded (demo mode: no Asterisk configured)');
    }
    const store = createStore(db, {
      clock: () => new Date(now()),
      defaultCountry: config.outbound.defaultCountry,
      defaultCapacity: config.allocation.defaultCapacity,
      tokenTtlMs: config.tokenTtlMs,
    });

    // Sign-ins that expired or were revoked more than a day ago are deleted, at start and hourly.
    const purgeTokens = () => {
      store.tokens.purge(new Date(now() - TOKEN_RETENTION_MS)).then(
        (purged) => purged > 0 && logger.info({ purged }, 'expired and revoked sign-ins deleted'),
        (err: unknown) => logger.warn({ err }, 'could not delete expired sign-ins; trying again in an hour'),
      );
    };
    purgeTokens();
    const tokenPurge = setInterval(purgeTokens, TOKEN_PURGE_INTERVAL_MS);
    tokenPurge.unref();
    closers.push(() => clearInterval(tokenPurge));

    const presence = new PresenceBoard({ now, wrapUpMs: config.routing.wrapUpMs });
    for (const advisor of await store.advisors.list({ active: true })) presence.track(advisor.id);
    // Several servers side by side (Redis, node leases); inert for a lone server on SQLite.
    const scale = await startScaleOut({ config, logger, registry: metrics.registry, now });
    closers.push(() => scale.close());

    const prompts = createPromptLibrary({
      audioDir: config.promptDir,
      media: config.promptMedia,
      store: recordedPromptStore(store.prompts, config.promptDir),
      now: () => new Date(now()),
      logger,
    });
    const advisorSaved = (advisor: Advisor) => {
      if (advisor.active) presence.track(advisor.id);
      // Routing sees a new advisor, endpoint or tier at once, not at the next periodic refresh.
      telephony.directory.reload().catch((err: unknown) => logger.warn({ err }, 'could not reload the advisor directory'));
      // Name prompts are a nicety: without espeak-ng the prompts fall back to generic wording.
      prompts.renderAdvisor(advisor).catch((err: unknown) => logger.warn({ err, advisorId: advisor.id }, 'could not render advisor name prompts'));
    };
    // Requests reach these only after start-up, when the gateway and telephony exist.
    const pops = {
      current: (advisorId: number) => gateway.currentPops(advisorId),
      dismiss: (advisorId: number, popId: string) => gateway.dismissPop(advisorId, popId),
    };
    const wallboard = () => buildWallboard();
    const sessionEnded = (tokenId: number) => gateway.disconnectToken(tokenId);
    // One service behind the REST routes, the call flow's callback port and the engine,
    // so every change is announced once, whichever side made it.
    const callbacks = callbackServiceFor({ store, config, logger, now });
    const deps = { config, store, presence, logger, now, advisorSaved, pops, wallboard, sessionEnded, callbacks };
    const verifyToken = (token: string) => store.tokens.verify(token);
    const app = createApiApp({
      logger,
      metrics,
      verifyToken,
      requestsPerMinute: config.apiRequestsPerMinute,
      routes: apiRoutes(deps),
      version: options.version ?? '0.1.0',
      extraRouters: [
        { path: '/', router: desktopAssets() },
        ...(config.promptMedia.startsWith('http') ? [{ path: '/', router: createPromptMediaRouter(config.promptDir) }] : []),
      ],
      health: async () => {
        const dbOk = await db.raw('select 1').then(
          () => true,
          () => false,
        );
        return { ok: dbOk, database: dbOk ? 'up' : 'down', demoMode: config.demoMode, scale: scale.status() };
      },
    });

    const httpServer = createServer(app);
    const scaledIo = scale.socketServer(httpServer);
    const gateway = createDesktopGateway({
      ...(scaledIo ? { io: scaledIo, otherServers: true } : { httpServer }),
      ...(scale.popStore ? { popStore: scale.popStore } : {}),
      verifyToken,
      logger,
      registry: metrics.registry,
      now,
    });
    closers.push(() => gateway.close());
    wirePresenceToDesktop(presence, gateway, logger, () => scale.applyingRemotePresence());
    await scale.sharePresence(presence, gateway);

    // Pops listen before telephony starts, so the very first call pops too.
    const events = new CallFlowEvents();
    const stopPops = startScreenPops({
      events,
      gateway,
      presenceOf: (id) => presence.get(id),
      logger,
      now,
    });
    closers.push(stopPops);
    const demo = config.demoMode ? await startDemoPbx(config, store, logger) : null;
    if (demo) closers.push(() => demo.close());
    const telephony = await startTelephony({
      config,
      store,
      presence,
      prompts,
      logger,
      registry: metrics.registry,
      now,
      events,
      ...(demo ? { nodes: [demo.node] } : {}),
      takeCallsAtStart: !scale.leasesNodes,
      callbacks: callbacks.port,
      remoteWaiting: () => scale.remoteWaiting(),
      ...(scale.advisorClaims ? { advisorClaims: scale.advisorClaims } : {}),
    });
    closers.push(() => telephony.stop());
    // Advisors dial *71 / *72 to record their own name or greeting.
    const selfRecording = attachSelfRecording({
      nodes: telephony.nodes,
      advisors: telephony.directory,
      prompts,
      logger,
      keyTimeoutMs: config.routing.keyTimeoutMs,
    });
    closers.push(() => selfRecording.stop());
    const engine = await startCallbackEngine({
      config,
      store,
      presence,
      telephony,
      logger,
      now,
      desktop: gateway,
      service: callbacks,
      workerId: config.scale.serverId,
    });
    closers.push(() => engine.stop());
    scale.takeNodes(telephony);
    closers.push(() => scale.releaseNodes());
    const buildWallboard = wallboardBuilder({ store, presence, telephony, now, timeZone: config.timeZone, remoteWaiting: () => scale.remoteWaiting() });
    gateway.setWallboardProvider(buildWallboard);
    const refreshWallboard = () => gateway.refreshWallboard();
    presence.on('change', refreshWallboard);
    telephony.waiting.on('changed', refreshWallboard);
    closers.push(() => {
      presence.off('change', refreshWallboard);
      telephony.waiting.off('changed', refreshWallboard);
    });
    await scale.shareWaiting(telephony.waiting, refreshWallboard);
    // Listen last: every route and socket handler has what it needs from the first request.
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          httpServer.closeAllConnections();
          httpServer.close(() => resolve());
        }),
    );
    if (demo && config.demoTraffic) await demo.startTraffic();

    const port = (httpServer.address() as AddressInfo).port;
    const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    logger.info({ port, demoMode: config.demoMode }, 'CTI server listening');

    return { config, port, url, store, presence, gateway, metrics, logger, httpServer, demo, telephony, prompts, callbacks, close };
  } catch (err) {
    await close();
    throw err;
  }
}
