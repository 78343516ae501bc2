// Everything telephony, started once by the composition root: the advisor directory, one
// AMI + ARI link and one call flow per Asterisk node, device states from every node into
// the shared presence board, the router, the waiting callers and the events out.
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { AsteriskNode, Config } from '../../config/config.js';
import { domainSettingsFrom } from '../../domain/settings.js';
import type { TierRules } from '../../domain/tiers.js';
import { describePresence, foldPresence } from '../../domain/presence.js';
import { LocalAdvisorClaims, type AdvisorClaims } from '../../presence/advisor-claims.js';
import type { PresenceBoard, PresenceChange } from '../../presence/presence-board.js';
import { AdvisorDirectory } from '../../routing/advisor-directory.js';
import type { AdvisorSource } from '../../routing/advisor-directory.js';
import { Router } from '../../routing/router.js';
import type { CallerContextSource } from '../../routing/router.js';
import type { WaitingCaller, WaitingCallerPolicy } from '../../routing/waiting-choice.js';
import { liveCallersPolicy } from '../../routing/waiting-choice.js';
import type { Logger } from '../../shared/logger.js';
import type { CallbackStore } from '../../store/callbacks.js';
import type { BackoffOptions } from '../ami/backoff.js';
import { AsteriskNodeLink, nodeName } from '../asterisk-node.js';
import { DeviceStateTracker } from '../device-state/tracker.js';
import { AgentRinger } from './agent-ringer.js';
import { CallFlow } from './call-flow.js';
import { CallRecorder } from './call-recorder.js';
import type { CallRecordStore } from './call-recorder.js';
import { callbackPortFromStore } from './callback-port.js';
import type { CallbackPort } from './callback-port.js';
import { eventBaseBuilder } from './event-payloads.js';
import { CallFlowEvents } from './events.js';
import type { CallStateName } from './call-state.js';
import type { InboundCall } from './inbound-call.js';
import { InboundScript } from './inbound-script.js';
import { PromptPlayer } from './prompt-player.js';
import type { PromptSource } from './prompt-player.js';
import { AdvisorReservations } from './reservations.js';
import { WaitingCallers, withRemoteCallers } from './waiting-callers.js';

/** The repositories telephony reads and writes (the Store satisfies it). */
export interface TelephonyStore {
  advisors: AdvisorSource;
  callers: CallerContextSource;
  calls: CallRecordStore;
  callbacks: CallbackStore;
}

export interface TelephonyOptions {
  config: Config;
  store: TelephonyStore;
  presence: PresenceBoard;
  prompts: PromptSource;
  logger: Logger;
  /** Where `cti_route_decision_seconds` is registered. */
  registry?: Registry;
  /** Shared events out; a new emitter when not given. */
  events?: CallFlowEvents;
  /** Books callbacks callers ask for; default: straight into the callback store. */
  callbacks?: CallbackPort;
  /** Nodes to use instead of config.asteriskNodes (demo mode: the in-process simulator). */
  nodes?: AsteriskNode[];
  tierRules?: TierRules;
  now?: () => number;
  /** Menus are replayed this many times after an invalid key or silence (default 1). */
  menuRetries?: number;
  /** Advisor list reload period (default 60 s; 0 = only on `directory.reload()`). */
  advisorRefreshMs?: number;
  reconnect?: BackoffOptions;
  keepaliveMs?: number;
  /**
   * The callers waiting on the other CTI servers (scale-out): the expected pool wait counts
   * them too, so every server offers the same wait and peak-time callback. Only this
   * server's own callers are ever handed an advisor.
   */
  remoteWaiting?: () => readonly WaitingCaller[];
  /** false: nodes start with AMI only and take their calls when told (`node.takeCalls()`: the scale-out node lease). Default true. */
  takeCallsAtStart?: boolean;
  /** Shared with the other CTI servers (scale-out); default: this server's own, in memory. */
  advisorClaims?: AdvisorClaims;
}

/** A call in progress, for the wallboard and the API. */
export interface LiveCallView {
  callId: string;
  node: string;
  state: CallStateName;
  callerNumber: string;
  memberId: number | null;
  ownerId: number | null;
  /** The advisor ringing or talking, if any. */
  advisorId: number | null;
  startedAt: string;
}

export interface Telephony {
  events: CallFlowEvents;
  router: Router;
  directory: AdvisorDirectory;
  waiting: WaitingCallers;
  tracker: DeviceStateTracker;
  nodes: readonly AsteriskNodeLink[];
  /** Replaces "which waiting caller gets a freed advisor" (the callback engine merges its queue here). */
  setWaitingPolicy(policy: WaitingCallerPolicy): void;
  /** Every waiting caller, oldest first-call time first. */
  waitingCallers(): WaitingCaller[];
  activeCalls(): LiveCallView[];
  /** Advisors a call flow is ringing or connected to right now (before device states say so). */
  busyAdvisors(): number[];
  /** Who may put a call on an advisor's phone: the call flow's legs and the callback engine's dials share them. */
  advisorClaims: AdvisorClaims;
  stop(): Promise<void>;
}

export async function startTelephony(options: TelephonyOptions): Promise<Telephony> {
  const { config, store, presence, logger } = options;
  const now = options.now ?? Date.now;
  const log = logger.child({ component: 'telephony' });
  const settings = domainSettingsFrom(config, options.tierRules);
  const events = options.events ?? new CallFlowEvents();
  const directory = new AdvisorDirectory(store.advisors, log);
  const tracker = new DeviceStateTracker({ logger });
  const waiting = new WaitingCallers(liveCallersPolicy(settings.dispatch));
  const { remoteWaiting } = options;

  const offer = (advisorId: number) => {
    const advisor = directory.get(advisorId);
    if (!advisor || reservations.has(advisorId)) return;
    const current = presence.get(advisorId) ?? null;
    if (foldPresence(current, now()).availability !== 'available') return;
    const chosen = waiting.offer(advisor, current, now());
    if (chosen) log.debug({ advisorId, callId: chosen.callId }, 'freed advisor handed to a waiting caller');
  };
  const reservations = new AdvisorReservations((advisorId) => setImmediate(() => offer(advisorId)));
  const advisorClaims = options.advisorClaims ?? new LocalAdvisorClaims(now);

  const applyPhoneStates = () => {
    for (const advisor of directory.all()) {
      presence.track(advisor.id);
      const state = tracker.stateOfEndpoint(advisor.endpoint);
      if (state !== null) presence.phoneState(advisor.id, state);
    }
  };
  directory.onReload(applyPhoneStates);
  tracker.on('change', ({ device, state }) => {
    const advisor = directory.byDevice(device);
    if (advisor) presence.phoneState(advisor.id, state);
  });
  const onPresence = ({ previous, current }: PresenceChange) => {
    const at = now();
    const was = foldPresence(previous, at);
    const is = foldPresence(current, at);
    // An owner leaving for the day releases the callers waiting for them (delegates next).
    if (is.availability === 'absent' && was.availability !== 'absent') {
      waiting.interruptOwnerWaits(current.advisorId, `owner went away (${describePresence(is)})`);
    }
    offer(current.advisorId);
  };
  presence.on('change', onPresence);
  await directory.start(options.advisorRefreshMs ?? 60_000);

  const router = new Router({
    callers: store.callers,
    directory,
    presence,
    waiting: remoteWaiting ? () => withRemoteCallers(waiting.list(), remoteWaiting()) : () => waiting.list(),
    settings: settings.route,
    advisorWait: settings.advisorWait,
    reserved: () => reservations.ids(),
    now,
    registry: options.registry,
  });
  const recorder = new CallRecorder(store.calls, log, config.outbound.defaultCountry);
  const callbacks = options.callbacks ?? callbackPortFromStore(store.callbacks, config.callbacks.maxAttempts);
  const eventBase = eventBaseBuilder(presence, now);
  const newId = (prefix: string) => `cti-${prefix}-${randomUUID()}`;

  const nodes = (options.nodes ?? config.asteriskNodes).map(
    (node) =>
      new AsteriskNodeLink({
        name: nodeName(node.index),
        node,
        app: config.ariApp,
        logger,
        tracker,
        reconnect: options.reconnect,
        keepaliveMs: options.keepaliveMs,
        createFlow: (control, flowLog) => {
          const player = new PromptPlayer({
            control,
            prompts: options.prompts,
            keyTimeoutMs: config.routing.keyTimeoutMs,
            retries: options.menuRetries ?? 1,
            newId,
          });
          // The ringer needs the flow to track legs, and the flow needs the script: tie them late.
          let flow: CallFlow | null = null;
          const ringer = new AgentRinger({
            app: config.ariApp,
            control,
            player,
            events,
            eventBase,
            advisor: (id) => directory.get(id),
            reservations,
            claims: advisorClaims,
            trackLeg: (channelId, call) => flow?.trackLeg(channelId, call),
            untrackLeg: (channelId) => flow?.untrackLeg(channelId),
            newId,
            now,
          });
          const script = new InboundScript({
            router,
            ringer,
            player,
            recorder,
            callbacks,
            waiting,
            presence,
            control,
            events,
            eventBase,
            advisor: (id) => directory.get(id),
            defaultCountry: config.outbound.defaultCountry,
            now,
          });
          flow = new CallFlow({ node: nodeName(node.index), app: config.ariApp, control, script, log: flowLog, now });
          return flow;
        },
      }),
  );
  for (const node of nodes) node.start({ calls: options.takeCallsAtStart !== false });
  log.info({ nodes: nodes.length, advisors: directory.all().length }, 'telephony started');
  let stopped = false;

  return {
    events,
    router,
    directory,
    waiting,
    tracker,
    nodes,
    setWaitingPolicy: (policy) => waiting.setPolicy(policy),
    waitingCallers: () => waiting.list(),
    activeCalls: () =>
      nodes.flatMap((node) =>
        node.flow.activeCalls().map((call) => ({
          callId: call.callId,
          node: call.node,
          state: call.state.name,
          callerNumber: call.callerNumber,
          memberId: call.context.member?.id ?? null,
          ownerId: call.context.owner?.id ?? null,
          advisorId: advisorOnCall(call),
          startedAt: new Date(call.startedAt).toISOString(),
        })),
      ),
    advisorClaims,
    busyAdvisors: () =>
      nodes.flatMap((node) =>
        node.flow.activeCalls().flatMap((call) => {
          const advisorId = advisorOnCall(call);
          return advisorId === null ? [] : [advisorId];
        }),
      ),
    async stop() {
      if (stopped) return;
      stopped = true;
      presence.off('change', onPresence);
      directory.stop();
      await Promise.all(nodes.map((node) => node.stop()));
      await recorder.flush();
      log.info('telephony stopped');
    },
  };
}

/** The advisor talking on the call, or being rung for it. */
function advisorOnCall(call: InboundCall): number | null {
  return call.answered?.advisorId ?? call.leg?.advisorId ?? null;
}
