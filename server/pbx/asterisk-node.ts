// One Asterisk node's wiring: its AMI session (device states into the shared tracker) and
// its ARI session (events into this node's call flow). After every ARI (re)connect the
// call flow resyncs against `GET /channels`; after every AMI (re)connect the tracker
// re-reads `DeviceStateList`. Either link may drop and come back without the other.
// With several CTI servers only the node's lease holder takes calls: AMI runs from the
// start, the ARI app is taken and released at run time (takeCalls / releaseCalls).
import type { AsteriskNode } from '../config/config.js';
import type { Logger } from '../shared/logger.js';
import { AmiClient } from './ami/client.js';
import type { BackoffOptions } from './ami/backoff.js';
import { AriClient } from './ari/client.js';
import type { DeviceStateTracker } from './device-state/tracker.js';
import { CallControl } from './call-flow/call-control.js';
import type { CallFlow } from './call-flow/call-flow.js';

export interface AsteriskNodeOptions {
  /** Stable name of the node (stored with every call): `node0`, `node1`... */
  name: string;
  node: AsteriskNode;
  app: string;
  logger: Logger;
  tracker: DeviceStateTracker;
  /** Builds this node's call flow over its ARI call control. */
  createFlow: (control: CallControl, log: Logger) => CallFlow;
  /** Reconnect pacing for both links (tests use short delays). */
  reconnect?: BackoffOptions;
  /** AMI keepalive and ARI heartbeat period, ms. */
  keepaliveMs?: number;
}

export function nodeName(index: number): string {
  return `node${index}`;
}

export class AsteriskNodeLink {
  readonly name: string;
  readonly node: AsteriskNode;
  readonly ami: AmiClient;
  readonly ari: AriClient;
  readonly control: CallControl;
  private currentFlow: CallFlow;
  private callsTaken = false;
  private readonly newFlow: () => CallFlow;
  private readonly log: Logger;
  private readonly detachTracker: () => void;

  constructor(options: AsteriskNodeOptions) {
    const { node } = options;
    this.name = options.name;
    this.node = node;
    this.log = options.logger.child({ node: options.name });
    this.ami = new AmiClient({
      host: node.ami.host,
      port: node.ami.port,
      username: node.ami.username,
      secret: node.ami.secret,
      tls: node.ami.tls,
      logger: this.log,
      events: 'system,call,agent',
      reconnect: options.reconnect,
      pingIntervalMs: options.keepaliveMs,
    });
    this.ari = new AriClient({
      baseUrl: node.ari.baseUrl,
      username: node.ari.username,
      password: node.ari.password,
      app: options.app,
      logger: this.log,
      reconnect: options.reconnect,
      heartbeatMs: options.keepaliveMs,
    });
    this.control = new CallControl(this.ari);
    this.newFlow = () => options.createFlow(this.control, this.log.child({ component: 'call-flow' }));
    this.currentFlow = this.newFlow();
    this.detachTracker = options.tracker.attach(this.ami);
    this.ari.on('event', (event) => this.flow.handle(event));
    this.ari.on('connected', ({ session }) => {
      this.log.info({ session }, 'ARI connected; resyncing calls');
      this.flow.resync().catch((err: unknown) => this.log.warn({ err }, 'call resync failed; calls keep their last known state'));
    });
    this.ari.on('disconnected', ({ reason }) => this.log.warn({ reason }, 'ARI disconnected; new calls wait in the dialplan fallback until it is back'));
    this.ari.on('replaced', () => this.log.error('another CTI server took the ARI application on this node; this server no longer gets its calls'));
    this.ami.on('connected', ({ session }) => this.log.info({ session }, 'AMI connected; device states resync'));
    this.ami.on('disconnected', ({ reason }) => this.log.warn({ reason }, 'AMI disconnected; phone states are kept until it is back'));
    this.ami.on('loginFailed', ({ username }) => this.log.error({ username }, 'AMI login failed: check the user and secret in CTI_AMI_URL'));
  }

  /** This node's call flow (a fresh one after each releaseCalls). */
  get flow(): CallFlow {
    return this.currentFlow;
  }

  /** AMI always; the ARI app (this node's calls) unless `calls` is false (scale-out: the lease holder takes them). */
  start(options: { calls?: boolean } = {}): void {
    this.ami.start();
    if (options.calls !== false) this.takeCalls();
  }

  get takingCalls(): boolean {
    return this.callsTaken;
  }

  /** Opens the node's ARI app: its calls come to this server (and resync on connect). */
  takeCalls(): void {
    if (this.callsTaken) return;
    this.callsTaken = true;
    this.ari.start();
  }

  /** Gives the node's calls up: callers being routed go back to the dialplan, the app closes, a fresh flow waits. */
  async releaseCalls(): Promise<void> {
    if (!this.callsTaken) return;
    this.callsTaken = false;
    await this.currentFlow.stop();
    await this.ari.stop();
    this.currentFlow = this.newFlow();
  }

  get connected(): { ami: boolean; ari: boolean } {
    return { ami: this.ami.isConnected, ari: this.ari.state === 'connected' };
  }

  async stop(): Promise<void> {
    await this.flow.stop();
    this.detachTracker();
    await Promise.allSettled([this.ari.stop(), this.ami.stop()]);
  }
}
