import http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import { AriHttpError, AriProtocolError, AriTimeoutError, AriUnreachableError } from './errors.js';

export type AriQuery = Record<string, string | number | boolean | undefined>;

export interface AriHttpOptions {
  /** Base URL without `/ari`, e.g. `http://127.0.0.1:8088`. */
  baseUrl: string;
  username: string;
  password: string;
  /** Per-request timeout, queueing for a connection included (default 5 s). */
  requestTimeoutMs?: number;
  /**
   * Most HTTP connections open to this Asterisk at once (default 20); further requests wait
   * for a free one. Asterisk drops connections past http.conf `sessionlimit` (default 100,
   * shared by every client and the events WebSocket), so a burst must not open one per request.
   */
  maxConnections?: number;
}

export interface AriRequest {
  query?: AriQuery;
  body?: unknown;
  timeoutMs?: number;
}

interface RawResponse {
  status: number;
  statusText: string;
  contentType: string | undefined;
  body: Buffer;
}

export const DEFAULT_MAX_CONNECTIONS = 20;
/**
 * Idle keep-alive connections are closed before Asterisk does it (http.conf
 * `session_keep_alive`, default 15 s; Node servers 5 s), so a request rarely meets a socket
 * the server is closing.
 */
const IDLE_CONNECTION_MS = 4_000;
/** Methods safe to resend when a reused connection turns out to be closed by the server. */
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);

/** Encodes one path segment (ids, names, device names such as `Stasis:agent1001`). */
export const seg = (value: string): string => encodeURIComponent(value);

/**
 * ARI over node:http on a bounded pool of keep-alive connections: basic auth, a timeout per
 * request, errors typed by status. Not global fetch: its per-request cost (a WHATWG
 * Request/Response, streams and an AbortSignal each) was several times node:http's and
 * took a large share of the server's CPU at 100 calls a second, and its pool opens a new
 * connection for every concurrent request.
 */
export class AriHttp {
  private readonly authorization: string;
  private readonly root: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;

  constructor(private readonly options: AriHttpOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.root = new URL(`${options.baseUrl.replace(/\/+$/, '')}/ari`);
    const secure = this.root.protocol === 'https:';
    this.transport = secure ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, timeout: IDLE_CONNECTION_MS, scheduling: 'lifo' as const };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** Sends a request whose 2xx body must match `schema`. */
  async json<S extends z.ZodType>(method: string, path: string, schema: S, request: AriRequest = {}): Promise<z.infer<S>> {
    const response = await this.send(method, path, request);
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new AriProtocolError(method, path, 'not JSON');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AriProtocolError(method, path, issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'invalid');
    }
    return parsed.data;
  }

  /** Sends a request whose success has no body we need (204, or a body we ignore). */
  async empty(method: string, path: string, request: AriRequest = {}): Promise<void> {
    await this.send(method, path, request);
  }

  /** Sends a request and returns the raw bytes (stored recording files). */
  async bytes(method: string, path: string, request: AriRequest = {}): Promise<{ contentType: string; data: Buffer }> {
    const response = await this.send(method, path, request);
    return { contentType: response.contentType ?? 'application/octet-stream', data: response.body };
  }

  /** Closes the idle connections (requests still running finish on theirs). */
  close(): void {
    this.agent.destroy();
  }

  private async send(method: string, path: string, request: AriRequest): Promise<RawResponse> {
    const url = new URL(`${this.root.pathname}${path}`, this.root);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json' };
    let body: Buffer | undefined;
    if (request.body !== undefined) {
      body = Buffer.from(JSON.stringify(request.body));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    const timeoutMs = request.timeoutMs ?? this.options.requestTimeoutMs ?? 5000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const outcome = await this.exchange(method, url, headers, body, deadline);
      if (outcome.kind === 'response') {
        const response = outcome.response;
        if (response.status >= 400) throw new AriHttpError(response.status, errorMessage(response), method, path);
        return response;
      }
      if (outcome.kind === 'timeout') throw new AriTimeoutError(method, path, timeoutMs);
      if (!(outcome.staleConnection && IDEMPOTENT.has(method) && Date.now() < deadline)) {
        throw new AriUnreachableError(method, path, outcome.detail);
      }
    }
  }

  /** One request on the pool; never rejects. */
  private exchange(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: Buffer | undefined,
    deadline: number,
  ): Promise<{ kind: 'response'; response: RawResponse } | { kind: 'timeout' } | { kind: 'failed'; detail: string; staleConnection: boolean }> {
    return new Promise((resolve) => {
      let answered = false;
      let timedOut = false;
      const req = this.transport.request(
        { protocol: url.protocol, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers, agent: this.agent },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({
              kind: 'response',
              response: { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', contentType: res.headers['content-type'], body: Buffer.concat(chunks) },
            });
          });
          res.on('error', (err) => fail(err));
          res.on('close', () => {
            if (!res.complete) fail(new Error('connection closed before the whole answer'));
          });
        },
      );
      const fail = (err: Error) => {
        clearTimeout(timer);
        if (timedOut) return resolve({ kind: 'timeout' });
        const code = (err as NodeJS.ErrnoException).code;
        // A keep-alive connection the server closed while idle fails before any answer.
        const staleConnection = req.reusedSocket && !answered && (code === 'ECONNRESET' || code === 'EPIPE');
        resolve({ kind: 'failed', detail: code ?? err.message, staleConnection });
      };
      const timer = setTimeout(
        () => {
          timedOut = true;
          req.destroy(new Error('timeout'));
        },
        Math.max(0, deadline - Date.now()),
      );
      req.on('error', fail);
      req.end(body);
    });
  }
}

/** Asterisk's error text: `{"message": ...}`, or `{"error": ...}` for allocation failures. */
function errorMessage(response: RawResponse): string {
  const text = response.body.toString('utf8');
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.trim() || response.statusText || `HTTP ${response.status}`;
}
