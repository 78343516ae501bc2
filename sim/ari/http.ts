// ARI's HTTP conventions: parameters from query or JSON body, `{"message"}` errors,
// Asterisk's headers, and a tiny router over `/ari/...` paths.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ASTERISK_VERSION } from '../core/protocol.js';

export class AriError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown = { message },
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AriError(404, `${what} not found`);
export const notInStasis = () => new AriError(409, 'Channel not in Stasis application');

export interface AriRequest {
  method: string;
  params: Record<string, string>;
  /** Query string merged with a JSON body's scalar fields (body wins, as Asterisk). */
  args: Record<string, string>;
  body: Record<string, unknown>;
}

/** `body` is JSON, or the bytes of a file (stored recordings) sent as `contentType`. */
export type AriReply = { status: number; body?: unknown; location?: string; contentType?: string };
export type Handler = (req: AriRequest) => AriReply | Promise<AriReply>;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): void {
    this.routes.push({ method, parts: path.split('/').filter(Boolean), handler });
  }

  /** undefined: no such resource; null: resource exists, method does not. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | null | undefined {
    const segs = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    let pathMatched = false;
    for (const r of this.routes) {
      const params = matchParts(r.parts, segs);
      if (!params) continue;
      pathMatched = true;
      if (r.method === method) return { handler: r.handler, params };
    }
    return pathMatched ? null : undefined;
  }
}

function matchParts(parts: string[], segs: string[]): Record<string, string> | undefined {
  if (parts.length !== segs.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    const s = segs[i] ?? '';
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return params;
}

const MAX_BODY_BYTES = 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AriError(413, 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const headers: Record<string, string> = {
    Server: `Asterisk/${ASTERISK_VERSION}`,
    Date: new Date().toUTCString(),
    'Cache-Control': 'no-cache, no-store',
    ...extra,
  };
  if (body === undefined) {
    headers['Content-Length'] = '0';
    res.writeHead(status, headers);
    res.end();
    return;
  }
  if (Buffer.isBuffer(body)) {
    headers['Content-Type'] ??= 'application/octet-stream';
    headers['Content-Length'] = String(body.length);
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  const text = JSON.stringify(body);
  headers['Content-Type'] = 'application/json';
  headers['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(status, headers);
  res.end(text);
}

export function credentialsOf(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) return Buffer.from(auth.slice(6), 'base64').toString('utf8');
  return query.get('api_key') ?? undefined;
}
