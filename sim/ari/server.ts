// ARI over HTTP + WebSocket under /ari. An app exists only while its events socket is
// open; a second socket for the same app replaces the first (ApplicationReplaced).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AriEvent } from '../core/pbx.js';
import { ariTimestamp } from '../core/clock.js';
import { ENTITY_ID } from '../core/protocol.js';
import { AriError, Router, credentialsOf, readBody, send, type AriRequest } from './http.js';
import { registerRoutes, type AriEnv } from './routes.js';

const ASTERISK_HTTP = { sessionKeepAliveMs: 15_000, sessionLimit: 100 } as const;
const AUTH_REQUIRED = { message: 'Authentication required' };
const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"' };

export class AriServer {
  private readonly router = new Router();
  private readonly wss = new WebSocketServer({ noServer: true });
  /** App name -> the socket that owns it. */
  private readonly owners = new Map<string, WebSocket>();
  private readonly subscribeAll = new Set<string>();
  private server?: http.Server;
  private detach?: () => void;

  constructor(
    readonly env: AriEnv,
    private readonly credentials: { username: string; secret: string },
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    registerRoutes(this.router, env);
  }

  async listen(host: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.onError(err);
        if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
      });
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    server.on('clientError', (_err, socket) => socket.destroy());
    // Asterisk's http.conf defaults: idle keep-alive connections close after 15 s
    // (session_keep_alive) and connections past 100 (sessionlimit, the events WebSocket
    // included) are closed on accept, so a client that opens one per request fails here too.
    server.keepAliveTimeout = ASTERISK_HTTP.sessionKeepAliveMs;
    server.maxConnections = ASTERISK_HTTP.sessionLimit;
    this.server = server;
    this.detach = this.env.pbx.addSink({ ari: (event, apps) => this.deliver(event, apps) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  private authorized(req: http.IncomingMessage, query: URLSearchParams): boolean {
    return credentialsOf(req, query) === `${this.credentials.username}:${this.credentials.secret}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/ari/') && url.pathname !== '/ari') {
      send(res, 404, { message: 'Not Found' });
      return;
    }
    if (!this.authorized(req, url.searchParams)) {
      send(res, 401, AUTH_REQUIRED, WWW_AUTHENTICATE);
      return;
    }
    const method = req.method ?? 'GET';
    const found = this.router.match(method, url.pathname.slice('/ari'.length));
    if (found === undefined) {
      send(res, 404, { message: 'Resource not found' });
      return;
    }
    if (found === null) {
      send(res, 405, { message: 'Invalid method' });
      return;
    }
    const args: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (k !== 'api_key') args[k] = v;
    let body: Record<string, unknown> = {};
    try {
      const text = await readBody(req);
      if (text.trim() !== '' && /json/i.test(req.headers['content-type'] ?? 'application/json')) {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('not an object');
        body = parsed as Record<string, unknown>;
      }
    } catch (err) {
      if (err instanceof AriError) send(res, err.status, err.body);
      else send(res, 400, { message: 'Error parsing request body' });
      return;
    }
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') args[k] = String(v);
    const request: AriRequest = { method, params: found.params, args, body };
    try {
      const reply = await found.handler(request);
      send(res, reply.status, reply.body, {
        ...(reply.location ? { Location: reply.location } : {}),
        ...(reply.contentType ? { 'Content-Type': reply.contentType } : {}),
      });
    } catch (err) {
      if (err instanceof AriError) send(res, err.status, err.body);
      else throw err;
    }
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (url.pathname !== '/ari/events') return reject(404, 'Not Found');
    if (!this.authorized(req, url.searchParams)) return reject(401, 'Unauthorized');
    const apps = (url.searchParams.get('app') ?? '').split(',').map((a) => a.trim()).filter(Boolean);
    if (apps.length === 0) return reject(400, 'Bad Request');
    const all = /^(true|yes|1)$/i.test(url.searchParams.get('subscribeAll') ?? '');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, apps, all));
  }

  private open(ws: WebSocket, apps: string[], all: boolean): void {
    for (const app of apps) {
      const previous = this.owners.get(app);
      if (previous && previous !== ws) {
        previous.send(JSON.stringify({ type: 'ApplicationReplaced', timestamp: ariTimestamp(this.env.pbx.now()), application: app }));
      }
      this.owners.set(app, ws);
      this.env.pbx.registeredApps.add(app);
      if (all) this.subscribeAll.add(app);
      else this.subscribeAll.delete(app);
    }
    this.env.pbx.allApps = this.subscribeAll;
    ws.on('message', () => {});
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      for (const app of apps) {
        if (this.owners.get(app) !== ws) continue;
        this.owners.delete(app);
        this.subscribeAll.delete(app);
        this.env.pbx.registeredApps.delete(app);
      }
    });
  }

  private deliver(event: AriEvent, apps: ReadonlySet<string>): void {
    const targets = this.subscribeAll.size === 0 ? apps : new Set([...apps, ...this.subscribeAll]);
    for (const app of targets) {
      const ws = this.owners.get(app);
      if (!ws || ws.readyState !== ws.OPEN) continue;
      ws.send(JSON.stringify({ ...event, asterisk_id: ENTITY_ID, application: app }));
    }
  }

  /** Drops every events socket (apps unregister) but keeps the HTTP listener. */
  dropSockets(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  async close(): Promise<void> {
    this.detach?.();
    this.dropSockets();
    for (const app of this.owners.keys()) this.env.pbx.registeredApps.delete(app);
    this.owners.clear();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
