// A real HTTP + WebSocket server that answers ARI requests from recorded REST exchanges
// and pushes recorded events on the events WebSocket.
import http from 'node:http';
import type net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { AriRestRecord } from './capture.js';

export interface FakeAriOptions {
  rest: readonly AriRestRecord[];
  /** Messages pushed (JSON-encoded unless already a string) to each WebSocket as it opens. */
  eventsOnConnect?: readonly unknown[];
  username?: string;
  password?: string;
  /** Answer WebSocket pings (default true); false makes the socket look dead to a heartbeat. */
  autoPong?: boolean;
}

export interface FakeAriRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  auth: string;
  body: string;
}

const keyOf = (method: string, path: string, query: Record<string, string>): string =>
  `${method} ${path} ${JSON.stringify(Object.entries(query).sort(([a], [b]) => a.localeCompare(b)))}`;

export class FakeAriServer {
  readonly requests: FakeAriRequest[] = [];
  readonly unmatched: FakeAriRequest[] = [];
  /** Every events-socket upgrade that was accepted, with its URL. */
  readonly wsUrls: string[] = [];
  eventsOnConnect: readonly unknown[];
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly exchanges = new Map<string, AriRestRecord[]>();
  private readonly used = new Map<string, number>();
  private readonly unauthorized: AriRestRecord | undefined;
  private readonly credentials: string;

  private constructor(options: FakeAriOptions) {
    this.eventsOnConnect = options.eventsOnConnect ?? [];
    this.credentials = `${options.username ?? 'cti'}:${options.password ?? 'ctisecret'}`;
    for (const record of options.rest) {
      if (record.auth !== `basic ${this.credentials}`) continue;
      const key = keyOf(record.method, record.path, record.query);
      this.exchanges.set(key, [...(this.exchanges.get(key) ?? []), record]);
    }
    this.unauthorized = options.rest.find((r) => r.status === 401);
    this.wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as net.Socket, head));
  }

  static async start(options: FakeAriOptions): Promise<FakeAriServer> {
    const fake = new FakeAriServer(options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  get openSockets(): number {
    return [...this.wss.clients].filter((c) => c.readyState === WebSocket.OPEN).length;
  }

  /** Sends a message (object as JSON, string verbatim) to every open events socket. */
  send(message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    for (const client of this.wss.clients) if (client.readyState === WebSocket.OPEN) client.send(text);
  }

  /** Kills every events socket without a closing handshake. */
  dropWebSockets(): void {
    for (const client of this.wss.clients) client.terminate();
  }

  async close(): Promise<void> {
    this.dropWebSockets();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private authOf(req: http.IncomingMessage, url: URL): string {
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) return `basic ${Buffer.from(header.slice(6), 'base64').toString('utf8')}`;
    const apiKey = url.searchParams.get('api_key');
    return apiKey ? `basic ${apiKey}` : 'none';
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const query = Object.fromEntries(url.searchParams);
      const request: FakeAriRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query,
        auth: this.authOf(req, url),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.requests.push(request);
      if (request.auth !== `basic ${this.credentials}` && this.unauthorized) {
        this.reply(res, this.unauthorized);
        return;
      }
      const key = keyOf(request.method, request.path, query);
      const candidates = this.exchanges.get(key);
      if (!candidates) {
        this.unmatched.push(request);
        res.writeHead(501, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `fake ARI: no recorded exchange for ${request.method} ${request.path}` }));
        return;
      }
      const index = Math.min(this.used.get(key) ?? 0, candidates.length - 1);
      this.used.set(key, index + 1);
      this.reply(res, candidates[index]!);
    });
  }

  private reply(res: http.ServerResponse, record: AriRestRecord): void {
    const body = record.body !== undefined ? JSON.stringify(record.body) : (record.body_text ?? '');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(record.headers)) {
      if (!['content-length', 'date', 'connection'].includes(name)) headers[name] = value;
    }
    res.writeHead(record.status, record.status_text, headers);
    res.end(body);
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== '/ari/events' || !url.searchParams.get('app')) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    if (this.authOf(req, url) !== `basic ${this.credentials}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\r\n{"message":"Authentication required"}');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.wsUrls.push(req.url ?? '');
      for (const message of this.eventsOnConnect) ws.send(typeof message === 'string' ? message : JSON.stringify(message));
    });
  }
}
