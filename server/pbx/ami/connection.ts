import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../../shared/logger.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import {
  AmiActionError,
  AmiConnectionClosedError,
  AmiError,
  AmiLoginError,
  AmiNotConnectedError,
  AmiTimeoutError,
} from './errors.js';
import { AmiFrameParser } from './framing.js';
import { type AmiActionFields, type AmiMessage, serializeAction } from './message.js';
import { type AmiResult, PendingActions } from './pending-actions.js';
import { AMI_ACTIONS, AMI_EVENTS, AMI_KEYS } from './protocol.js';

export type { AmiResult } from './pending-actions.js';

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** `amis://`: connect with TLS. */
  tls?: boolean;
  tlsOptions?: tls.ConnectionOptions;
  logger: Logger;
  /** Prefix of every ActionID (`${instanceId}-${seq}`); default a random 6-hex id. */
  instanceId?: string;
  /** Login `Events:` mask (default `system,call,agent`); `system` is always added so FullyBooted arrives. */
  events?: string;
  /** Default per-action timeout (default 10 s). */
  actionTimeoutMs?: number;
  /** TCP connect + banner + login must finish within this (default 10 s). */
  connectTimeoutMs?: number;
  /** After login, how long to wait for FullyBooted before declaring the session usable anyway (default 10 s). */
  bootWaitMs?: number;
  /** Keepalive Ping period; 0 disables (default 20 s). A Ping that times out drops the connection. */
  pingIntervalMs?: number;
  reconnect?: BackoffOptions;
  /** Largest frame accepted before the connection is dropped as broken (default 1 MiB). */
  maxFrameBytes?: number;
  random?: () => number;
}

export type AmiClientState = 'stopped' | 'connecting' | 'authenticating' | 'booting' | 'connected' | 'waiting';

export interface AmiConnectedInfo {
  /** `Asterisk Call Manager/11.0.0` */
  banner: string;
  /** How many connections this client has completed, 1 for the first. */
  session: number;
}

export interface AmiDisconnectedInfo {
  reason: string;
}

export interface AmiLoginFailedInfo {
  username: string;
  message: string;
}

export interface AmiClientEvents {
  /** Every unsolicited event (list items of our own list actions are not repeated here). */
  event: [AmiMessage];
  /** Logged in and Asterisk fully booted: resync state now. Fires after every (re)connect. */
  connected: [AmiConnectedInfo];
  /** A usable session ended; in-flight actions were rejected. Reconnecting follows unless stopped. */
  disconnected: [AmiDisconnectedInfo];
  /** Asterisk refused the login; fired once per streak of identical refusals (retries go on). */
  loginFailed: [AmiLoginFailedInfo];
}

export interface AmiActionOptions {
  timeoutMs?: number;
}

/**
 * AMI session: one TCP (or TLS) session, reconnecting forever with backoff and jitter.
 * Actions are never queued: while not connected they fail at once with
 * AmiNotConnectedError, and actions in flight when the socket closes are rejected with
 * AmiConnectionClosedError, so nothing stale is replayed after a reconnect.
 */
export class AmiConnection extends EventEmitter<AmiClientEvents> {
  private readonly log: Logger;
  private readonly instanceId: string;
  private readonly mask: string;
  private seq = 0;
  private socket: net.Socket | null = null;
  private stateValue: AmiClientState = 'stopped';
  private running = false;
  private attempt = 0;
  private sessions = 0;
  private banner = '';
  private readonly pending = new PendingActions();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private bootTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private lastProblem: string | null = null;
  private closeReason = '';
  /** FullyBooted can arrive in the same chunk as the Login response, before its promise settles. */
  private bootedEarly = false;

  constructor(private readonly options: AmiClientOptions) {
    super();
    this.instanceId = options.instanceId ?? randomBytes(3).toString('hex');
    this.log = options.logger.child({ component: 'ami', host: options.host, port: options.port });
    const parts = (options.events ?? 'system,call,agent').split(',').map((s) => s.trim()).filter(Boolean);
    const onOff = parts.length === 1 && ['on', 'off'].includes(parts[0]!.toLowerCase());
    this.mask = onOff ? parts[0]! : [...new Set(['system', ...parts])].join(',');
  }

  get state(): AmiClientState {
    return this.stateValue;
  }

  get isConnected(): boolean {
    return this.stateValue === 'connected';
  }

  /** Starts connecting; keeps reconnecting until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Logs off (best effort), closes, stops reconnecting, rejects what is in flight. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clearTimer('reconnectTimer');
    const socket = this.socket;
    if (socket && this.stateValue === 'connected') {
      await this.send(AMI_ACTIONS.Logoff, {}, { timeoutMs: 1000 }, true).catch(() => undefined);
    }
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
    this.stateValue = 'stopped';
  }

  /**
   * Sends an action and resolves with its response (and, for list actions, the items up to
   * `EventList: Complete`). Rejects AmiActionError on `Response: Error`.
   */
  action(name: string, fields: AmiActionFields = {}, options: AmiActionOptions = {}): Promise<AmiResult> {
    return this.send(name, fields, options, false);
  }

  /** Async Originate: resolves with the response and the matching OriginateResponse as `completion`. */
  originateRaw(fields: AmiActionFields, timeoutMs: number): Promise<AmiResult> {
    return this.send(AMI_ACTIONS.Originate, { ...fields, [AMI_KEYS.Async]: 'true' }, { timeoutMs }, false, AMI_EVENTS.OriginateResponse);
  }

  private send(
    action: string,
    fields: AmiActionFields,
    options: AmiActionOptions,
    internal: boolean,
    awaitEvent: string | null = null,
  ): Promise<AmiResult> {
    const socket = this.socket;
    const usable = internal ? socket !== null && !socket.destroyed : this.stateValue === 'connected';
    if (!usable || !socket) return Promise.reject(new AmiNotConnectedError(action));
    const actionId = `${this.instanceId}-${++this.seq}`;
    let frame: string;
    try {
      frame = serializeAction(action, actionId, fields);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeoutMs = options.timeoutMs ?? this.options.actionTimeoutMs ?? 10_000;
    const result = this.pending.add(actionId, action, timeoutMs, awaitEvent);
    socket.write(frame);
    return result;
  }

  private connect(): void {
    this.stateValue = 'connecting';
    this.closeReason = '';
    this.bootedEarly = false;
    const { host, port } = this.options;
    const parser = new AmiFrameParser(this.options.maxFrameBytes);
    const socket = this.options.tls
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...this.options.tlsOptions })
      : net.connect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    this.connectTimer = setTimeout(() => {
      this.closeReason = `no login within ${this.options.connectTimeoutMs ?? 10_000} ms`;
      socket.destroy();
    }, this.options.connectTimeoutMs ?? 10_000);

    socket.on('data', (chunk: Buffer) => {
      if (socket !== this.socket) return;
      try {
        for (const item of parser.push(chunk)) {
          if (item.kind === 'banner') this.onBanner(item.banner);
          else this.dispatch(item.message);
        }
      } catch (error) {
        this.closeReason = error instanceof AmiError ? error.message : String(error);
        this.log.warn({ err: error }, 'dropping the AMI connection: the peer broke the protocol');
        socket.destroy();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.closeReason ||= error.code ?? error.message;
    });
    socket.on('close', () => this.onClose(socket));
  }

  private onBanner(banner: string): void {
    this.banner = banner;
    this.stateValue = 'authenticating';
    const { username, secret } = this.options;
    this.send(AMI_ACTIONS.Login, { [AMI_KEYS.Username]: username, [AMI_KEYS.Secret]: secret, [AMI_KEYS.Events]: this.mask }, {}, true).then(
      () => {
        this.clearTimer('connectTimer');
        this.stateValue = 'booting';
        if (this.bootedEarly) {
          this.markConnected();
          return;
        }
        this.bootTimer = setTimeout(() => {
          this.log.warn('no FullyBooted event after login; using the session anyway');
          this.markConnected();
        }, this.options.bootWaitMs ?? 10_000);
      },
      (error: unknown) => {
        if (error instanceof AmiActionError) {
          const failure = new AmiLoginError(username, error.asteriskMessage);
          this.closeReason = `login refused: ${error.asteriskMessage}`;
          // Reported once per streak of identical failures, like the log line.
          if (this.closeReason !== this.lastProblem) this.notify('loginFailed', { username, message: failure.message });
        }
        this.socket?.destroy();
      },
    );
  }

  private markConnected(): void {
    if (this.stateValue !== 'booting') return;
    this.clearTimer('bootTimer');
    this.stateValue = 'connected';
    this.attempt = 0;
    this.sessions += 1;
    if (this.lastProblem !== null) this.log.info('AMI connection restored');
    else this.log.info('AMI connected');
    this.lastProblem = null;
    const interval = this.options.pingIntervalMs ?? 20_000;
    if (interval > 0) {
      this.pingTimer = setInterval(() => {
        this.ping().catch((error: unknown) => {
          if (error instanceof AmiTimeoutError) {
            this.closeReason = 'keepalive Ping timed out';
            this.log.warn('AMI keepalive Ping timed out; reconnecting');
            this.socket?.destroy();
          }
        });
      }, interval);
    }
    this.notify('connected', { banner: this.banner, session: this.sessions });
  }

  private dispatch(message: AmiMessage): void {
    if (!this.pending.route(message) || !message.isEvent) return;
    if (message.event === AMI_EVENTS.FullyBooted) {
      if (this.stateValue === 'authenticating') this.bootedEarly = true;
      this.markConnected();
    }
    this.notify('event', message);
  }

  private onClose(socket: net.Socket): void {
    if (socket !== this.socket) return;
    this.socket = null;
    const wasConnected = this.stateValue === 'connected';
    const neverLoggedIn = this.stateValue === 'connecting' || this.stateValue === 'authenticating';
    for (const name of ['connectTimer', 'bootTimer', 'pingTimer'] as const) this.clearTimer(name);
    this.pending.rejectAll((action) => new AmiConnectionClosedError(action));
    const reason = this.closeReason || 'closed by the peer';
    this.stateValue = this.running ? 'waiting' : 'stopped';
    if (wasConnected) {
      this.log.warn({ reason }, 'AMI connection lost');
      this.lastProblem = reason;
      this.notify('disconnected', { reason });
    } else if (neverLoggedIn || this.running) {
      if (reason !== this.lastProblem) this.log.warn({ reason }, 'AMI connection failed; retrying with backoff');
      this.lastProblem = reason;
    }
    if (!this.running) return;
    const delay = backoffDelay(this.attempt++, this.options.reconnect, this.options.random);
    this.log.debug({ delay, attempt: this.attempt }, 'AMI reconnect scheduled');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running) this.connect();
    }, delay);
  }

  private clearTimer(name: 'reconnectTimer' | 'connectTimer' | 'bootTimer' | 'pingTimer'): void {
    const timer = this[name];
    if (timer) {
      clearTimeout(timer);
      this[name] = null;
    }
  }

  async ping(): Promise<void> {
    await this.action(AMI_ACTIONS.Ping);
  }

  /** Emits without letting a listener's exception break the connection or the caller's loop. */
  private notify<K extends keyof AmiClientEvents>(name: K, ...args: AmiClientEvents[K]): void {
    try {
      (this.emit as (event: string, ...rest: unknown[]) => boolean)(name as string, ...args);
    } catch (error) {
      this.log.error({ err: error, event: name }, 'a listener threw; ignored');
    }
  }
}
