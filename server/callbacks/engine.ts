// The callback engine as the composition root starts it: abandoned-call capture, the
// dispatcher (its policy installed on the call flow's waiting callers), the agent-first
// dialer on the Asterisk nodes, lease renewal for dials in progress and release of
// leases whose server died, and `callbacks:changed` pushed to the desktops.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { DispatchPick } from '../domain/dispatch.js';
import type { Advisor } from '../domain/model.js';
import { domainSettingsFrom } from '../domain/settings.js';
import type { TierRules } from '../domain/tiers.js';
import type { AdvisorClaims } from '../presence/advisor-claims.js';
import type { PresenceBoard, PresenceChange } from '../presence/presence-board.js';
import { foldPresence } from '../domain/presence.js';
import type { CallFlowEvents } from '../pbx/call-flow/events.js';
import { liveCallersPolicy, type WaitingCallerPolicy } from '../routing/waiting-choice.js';
import type { Logger } from '../shared/logger.js';
import type { CallbackRecord } from '../store/callbacks.js';
import type { Store } from '../store/index.js';
import { captureAbandonedCalls } from './abandon-capture.js';
import { advisorsConcerned, toPushedChange, type CallbackChange, type CallbackDesktop } from './callback-changes.js';
import { CallbackDialer, type ActiveDial } from './callback-dialer.js';
import { CallbackLegs, type DialNode } from './callback-legs.js';
import { callbackServiceFor, type CallbackService } from './callback-service-registry.js';
import { CandidateLoader } from './candidates.js';
import { Dispatcher, type StartResult, type WaitingLine } from './dispatcher.js';

/** What the engine needs of telephony (the call flow's Telephony satisfies it). */
export interface CallbackTelephony {
  nodes: readonly DialNode[];
  events: CallFlowEvents;
  waiting: WaitingLine;
  setWaitingPolicy(policy: WaitingCallerPolicy): void;
  busyAdvisors(): Iterable<number>;
  /** Taken for the advisor before their agent leg is dialed, given back when the dial ends. */
  advisorClaims: AdvisorClaims;
}

const DEFAULT_SNAPSHOT_LIMIT = 300;

/** Changes that give no advisor anything new to do. */
const QUIET_ACTIONS: ReadonlySet<CallbackChange['action']> = new Set(['reserved', 'dialing', 'completed']);

export interface CallbackEngineOptions {
  config: Config;
  store: Pick<Store, 'callbacks' | 'calls' | 'contacts' | 'members' | 'advisors'>;
  presence: PresenceBoard;
  telephony: CallbackTelephony;
  logger: Logger;
  /** Epoch ms clock; tests pin it. */
  now?: () => number;
  /** The desktop gateway (callbacks:changed, callback:offer, preview pops); null: no desktops. */
  desktop?: CallbackDesktop | null;
  /** The service the REST routes use; by default the one `callbackServiceFor` keeps for this store. */
  service?: CallbackService;
  /** Names this server in leases and audit rows; unique per running process. */
  workerId?: string;
  tierRules?: TierRules;
  /** Ring time of the member's phone (default 30 s). */
  memberRingTimeoutMs?: number;
  /** An advisor who let a callback ring out is not offered another for this long (default 30 s). */
  agentCoolDownMs?: number;
  /** On stop, how long member dials in progress may take to finish (default 5 s). */
  drainMs?: number;
  /**
   * How many due callbacks, most urgent first, one dispatch cycle considers (default 300).
   * Callbacks further down wait until those above are dialed or held.
   */
  snapshotLimit?: number;
  /** Zone for pacing callers who are not members (default CTI_TIME_ZONE). */
  defaultTimeZone?: string;
}

export interface CallbackEngine {
  readonly service: CallbackService;
  readonly dispatcher: Dispatcher;
  readonly workerId: string;
  /** Callback dials of this engine in progress (agent ringing, member ringing or connected). */
  activeDials(): readonly ActiveDial[];
  /** Runs a dispatch cycle now and resolves when it is done (dials keep running). */
  dispatchNow(): Promise<void>;
  /** Resolves when every dial in progress has finished. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCallbackEngine(options: CallbackEngineOptions): Promise<CallbackEngine> {
  const { config, store, presence, telephony } = options;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: 'callbacks' });
  const workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const settings = domainSettingsFrom(config, options.tierRules);
  const service = options.service ?? callbackServiceFor({ store, config, logger: options.logger, now });
  const desktop = options.desktop ?? null;
  const { leaseMs } = config.callbacks;

  const legsByNode = new Map(telephony.nodes.map((node) => [node.name, new CallbackLegs(node, config.ariApp, log)]));
  const pickNode = () => telephony.nodes.find((node) => node.connected.ari) ?? null;
  const active = new Map<number, ActiveDial>();
  const dialer = new CallbackDialer({
    store,
    announce: (action, callbacks) => service.announce(action, callbacks),
    app: config.ariApp,
    outbound: config.outbound,
    agentRingTimeoutMs: config.routing.ringTimeoutMs,
    memberRingTimeoutMs: options.memberRingTimeoutMs ?? 30_000,
    retry: settings.retry,
    workerId,
    desktop,
    advisor: (id) => dispatcher.advisor(id),
    presence: (id) => presence.get(id) ?? null,
    now,
    log,
  });

  const startCallback = async (callbackId: number, advisor: Advisor, pick: Extract<DispatchPick, { kind: 'dial-callback' }>): Promise<StartResult> => {
    const node = pickNode();
    const legs = node ? legsByNode.get(node.name) : undefined;
    if (!legs) return 'no-link';
    const holder = `callback:${workerId}:${callbackId}`;
    if (!(await telephony.advisorClaims.claim(advisor.id, holder))) return 'advisor-busy';
    let claimed: CallbackRecord | undefined;
    try {
      [claimed] = await store.callbacks.claim({ workerId, leaseMs, ids: [callbackId] });
    } finally {
      if (!claimed) void telephony.advisorClaims.release(advisor.id, holder);
    }
    if (!claimed) return 'taken';
    log.info({ callbackId, advisorId: advisor.id, node: legs.node.name }, pick.explanation);
    service.announce('reserved', [claimed]);
    const dial = dialer.start(claimed, advisor, pick.reason, legs);
    active.set(callbackId, dial);
    // The advisor is given back before the dispatcher hears they are free: its next pick claims them again.
    const settle = () => {
      active.delete(callbackId);
      void telephony.advisorClaims.release(advisor.id, holder);
    };
    dial.done.then(
      (report) => {
        settle();
        dispatcher.released(advisor.id, report.agent === 'answered' || report.agent === 'aborted' ? null : now() + (options.agentCoolDownMs ?? 30_000));
      },
      (err: unknown) => {
        log.error({ err, callbackId }, 'callback dial ended in error; its lease lets it be retried');
        settle();
        dispatcher.released(advisor.id, null);
      },
    );
    return 'started';
  };

  const dispatcher = new Dispatcher({
    advisors: store.advisors,
    presence,
    loader: new CandidateLoader({
      store,
      pacing: settings.pacing,
      defaultTimeZone: options.defaultTimeZone ?? config.timeZone,
      limit: options.snapshotLimit ?? DEFAULT_SNAPSHOT_LIMIT,
    }),
    settings: settings.dispatch,
    waiting: telephony.waiting,
    inboundBusy: () => telephony.busyAdvisors(),
    startCallback,
    dialsInProgress: () => active.size,
    now,
    log,
    // The tick refreshes the snapshot before a freed advisor would find it too old.
    snapshotMaxAgeMs: 2 * Math.max(50, config.callbacks.dispatchIntervalMs),
  });
  const onChanged = (change: CallbackChange) => {
    if (desktop) desktop.pushCallbacksChanged(toPushedChange(change), advisorsConcerned(change.callbacks));
    if (!QUIET_ACTIONS.has(change.action)) dispatcher.trigger();
  };
  service.on('changed', onChanged);
  const released = await store.callbacks.releaseExpired();
  if (released.length) log.warn({ callbackIds: released.map((c) => c.id) }, 'callbacks held by a server that stopped are back in the queue');
  service.announce('updated', released);
  telephony.setWaitingPolicy(dispatcher.policy);

  // Only an advisor becoming free can start new work; other changes wait for the tick.
  const onPresence = ({ current }: PresenceChange) => {
    if (foldPresence(current, now()).availability === 'available') dispatcher.advisorFreed(current.advisorId);
  };
  presence.on('change', onPresence);
  const stopCapture = captureAbandonedCalls(telephony.events, service, log);

  const renew = async () => {
    for (const dial of [...active.values()]) {
      if (dial.phase === 'done') continue;
      if (!(await store.callbacks.renewLease(dial.callbackId, workerId, leaseMs))) {
        log.error({ callbackId: dial.callbackId }, 'lost the lease of a callback being dialed; stopping before the member is dialed');
        dial.abort();
      }
    }
  };
  // Reservations of a server that died come back on the next tick after their lease ends.
  const sweep = async () => {
    const expired = await store.callbacks.releaseExpired();
    if (expired.length) {
      log.warn({ callbackIds: expired.map((c) => c.id) }, 'callbacks whose server stopped renewing are back in the queue');
      service.announce('updated', expired);
    }
  };
  const leaseTimer = setInterval(() => {
    renew().catch((err: unknown) => log.error({ err }, 'lease renewal failed'));
  }, Math.max(50, Math.floor(leaseMs / 3)));
  leaseTimer.unref();
  const tick = setInterval(() => {
    sweep().then(
      () => dispatcher.trigger(),
      (err: unknown) => log.error({ err }, 'releasing expired callback leases failed'),
    );
  }, Math.max(50, config.callbacks.dispatchIntervalMs));
  tick.unref();
  dispatcher.trigger();
  log.info({ workerId, nodes: telephony.nodes.length }, 'callback engine started');

  const idle = async () => {
    while (active.size > 0) await Promise.allSettled([...active.values()].map((d) => d.done));
  };

  return {
    service,
    dispatcher,
    workerId,
    activeDials: () => [...active.values()],
    async dispatchNow() {
      await dispatcher.settled();
      dispatcher.trigger();
      await dispatcher.settled();
    },
    idle,
    async stop() {
      clearInterval(tick);
      clearInterval(leaseTimer);
      presence.off('change', onPresence);
      stopCapture();
      telephony.setWaitingPolicy(liveCallersPolicy(settings.dispatch));
      await dispatcher.stop();
      // Agents still ringing: the member was not dialed, so the callback simply goes back.
      for (const dial of active.values()) dial.abort();
      const drained = await Promise.race([
        idle().then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), options.drainMs ?? 5000).unref()),
      ]);
      if (!drained) log.warn({ callbackIds: [...active.keys()] }, 'callback dials still running at stop; their leases will expire and release them');
      service.off('changed', onChanged);
      for (const legs of legsByNode.values()) legs.detach();
      log.info({ workerId }, 'callback engine stopped');
    },
  };
}
