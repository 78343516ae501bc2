import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Logger } from '../../shared/logger.js';
import { backoffDelay, type BackoffOptions } from '../ami/backoff.js';
import { type AriEvent, type AriEventOf, type AriOtherEvent, parseAriMessage } from './events.js';
import { ARI_EVENTS } from './protocol.js';

export interface AriEventSocketOptions {
  /** Base URL without `/ari`; http becomes ws, https becomes wss. */
  baseUrl: string;
  username: string;
  password: string;
  /** The Stasis application name; Asterisk registers it while this socket is open. */
  app: string;
  logger: Logger;
  /** `basic` (Authorization header, default) or `api_key` (query string, as some proxies need). */
  wsAuth?: 'basic' | 'api_key';
  /** WebSocket ping period; a socket that did not answer the previous ping is dropped (default 15 s, 0 disables). */
  heartbeatMs?: number;
  /** WebSocket opening handshake timeout (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * Largest message accepted (default 4 MiB; a real event is a few kB). A larger one closes
   * the socket with 1009 before it is buffered whole, and the socket reconnects and resyncs.
   */
  maxPayloadBytes?: number;
  reconnect?: BackoffOptions;
  random?: () => number;
}

const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export type AriSocketState = 'stopped' | 'connecting' | 'connected' | 'waiting' | 'replaced';

export interface AriConnectedInfo {
  /** How many times the socket opened, 1 for the first. Resync (GET /channels) on every one. */
  session: number;
}

export interface AriDisconnectedInfo {
  code: number;
  reason: string;
}

export interface AriClientEvents {
  /** Every known, well-formed event, typed; narrow with `switch (event.type)`. */
  event: [AriEvent];
  /** Events of types this client does not model, passed through. */
  otherEvent: [AriOtherEvent];
  connected: [AriConnectedInfo];
  disconnected: [AriDisconnectedInfo];
  /** Another WebSocket took the app; reconnecting stops until resume(). */
  replaced: [AriEventOf<'ApplicationReplaced'>];
}

/**
 * The ARI events WebSocket, reconnecting forever with backoff and jitter (ari-client gives
 * up after ~43 s). Bad frames are logged and skipped; unknown event types pass through.
 */
export class AriEventSocket extends EventEmitter<AriClientEvents> {
  private readonly wsLog: Logger;
  private ws: WebSocket | null = null;
  private socketState: AriSocketState = 'stopped';
  private running = false;
  private attempt = 0;
  private sessions = 0;
  private alive = true;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastProblem: string | null = null;
  private problem = '';

  constructor(private readonly socketOptions: AriEventSocketOptions) {
    super();
    this.wsLog = socketOptions.logger.child({ component: 'ari-ws', app: socketOptions.app });
  }

  get state(): AriSocketState {
    return this.socketState;
  }

  get isConnected(): boolean {
    return this.socketState === 'connected';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.open();
  }

  /** Reconnects after ApplicationReplaced, when the owner decided to take the app back. */
  resume(): void {
    if (!this.running || this.socketState !== 'replaced') return;
    this.attempt = 0;
    this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'CTI server stopping');
      });
    }
    this.socketState = 'stopped';
  }

  private eventsUrl(): string {
    const url = new URL(`${this.socketOptions.baseUrl.replace(/\/+$/, '')}/ari/events`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('app', this.socketOptions.app);
    url.searchParams.set('subscribeAll', 'false');
    if (this.socketOptions.wsAuth === 'api_key') {
      url.searchParams.set('api_key', `${this.socketOptions.username}:${this.socketOptions.password}`);
    }
    return url.toString();
  }

  private open(): void {
    this.socketState = 'connecting';
    this.problem = '';
    const { username, password } = this.socketOptions;
    const headers: Record<string, string> =
      this.socketOptions.wsAuth === 'api_key' ? {} : { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
    const ws = new WebSocket(this.eventsUrl(), {
      headers,
      handshakeTimeout: this.socketOptions.connectTimeoutMs ?? 10_000,
      maxPayload: this.socketOptions.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    });
    this.ws = ws;
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data, isBinary) => {
      this.alive = true;
      if (isBinary) {
        this.wsLog.warn('ignoring a binary ARI WebSocket frame');
        return;
      }
      this.onMessage(data.toString());
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('error', (error: Error) => {
      this.problem ||= error.message;
      // After an oversized message ws sends 1009 and half-closes, but reads nothing more:
      // a peer that keeps its half open would hold the close for 30 s. Reconnect now.
      if ((error as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') ws.terminate();
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.socketState = 'connected';
    this.attempt = 0;
    this.sessions += 1;
    this.wsLog.info(this.lastProblem === null ? 'ARI events connected' : 'ARI events reconnected');
    this.lastProblem = null;
    this.alive = true;
    const period = this.socketOptions.heartbeatMs ?? 15_000;
    if (period > 0) {
      this.heartbeat = setInterval(() => {
        if (!this.alive) {
          this.problem = `no pong within ${period} ms`;
          this.wsLog.warn('ARI WebSocket heartbeat lost; reconnecting');
          ws.terminate();
          return;
        }
        this.alive = false;
        ws.ping();
      }, period);
    }
    this.notify('connected', { session: this.sessions });
  }

  private onMessage(text: string): void {
    const parsed = parseAriMessage(text);
    if (parsed.kind === 'invalid') {
      this.wsLog.warn({ reason: parsed.reason, length: text.length }, 'ignoring a malformed ARI event');
      return;
    }
    if (parsed.kind === 'other') {
      this.notify('otherEvent', parsed.event);
      return;
    }
    const event = parsed.event;
    this.notify('event', event);
    if (event.type === ARI_EVENTS.ApplicationReplaced) {
      this.wsLog.error('another connection took the ARI app; not reconnecting until resumed');
      this.socketState = 'replaced';
      this.notify('replaced', event);
      this.ws?.close(1000, 'application replaced');
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    const wasOpen = this.socketState === 'connected' || this.socketState === 'replaced';
    const replaced = this.socketState === 'replaced';
    const problem = this.problem || reason || `closed with code ${code}`;
    if (wasOpen) {
      if (!replaced && this.running) this.wsLog.warn({ code, reason: problem }, 'ARI events connection lost');
      this.notify('disconnected', { code, reason: problem });
    } else if (problem !== this.lastProblem) {
      this.wsLog.warn({ reason: problem }, 'ARI events connection failed; retrying with backoff');
    }
    if (!replaced) this.lastProblem = problem;
    if (!this.running) {
      this.socketState = 'stopped';
      return;
    }
    if (replaced) return;
    this.socketState = 'waiting';
    const delay = backoffDelay(this.attempt++, this.socketOptions.reconnect, this.socketOptions.random);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running && this.socketState === 'waiting') this.open();
    }, delay);
  }

  /** Emits without letting a listener's exception break the connection or the caller's loop. */
  private notify<K extends keyof AriClientEvents>(name: K, ...args: AriClientEvents[K]): void {
    try {
      (this.emit as (event: string, ...rest: unknown[]) => boolean)(name as string, ...args);
    } catch (error) {
      this.wsLog.error({ err: error, event: name }, 'a listener threw; ignored');
    }
  }
}
