import type { z } from 'zod';
import { AriHttpError, AriProtocolError, AriTimeoutError, AriUnreachableError } from './errors.js';

export type AriQuery = Record<string, string | number | boolean | undefined>;

export interface AriHttpOptions {
  /** Base URL without `/ari`, e.g. `http://127.0.0.1:8088`. */
  baseUrl: string;
  username: string;
  password: string;
  /** Per-request timeout (default 5 s). */
  requestTimeoutMs?: number;
}

export interface AriRequest {
  query?: AriQuery;
  body?: unknown;
  timeoutMs?: number;
}

/** Encodes one path segment (ids, names, device names such as `Stasis:agent1001`). */
export const seg = (value: string): string => encodeURIComponent(value);

/** ARI over global fetch: basic auth, a timeout per request, errors typed by status. */
export class AriHttp {
  private readonly authorization: string;
  private readonly root: string;

  constructor(private readonly options: AriHttpOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.root = `${options.baseUrl.replace(/\/+$/, '')}/ari`;
  }

  /** Sends a request whose 2xx body must match `schema`. */
  async json<S extends z.ZodType>(method: string, path: string, schema: S, request: AriRequest = {}): Promise<z.infer<S>> {
    const response = await this.send(method, path, request);
    const text = await this.read(method, path, request, () => response.text());
    let body: unknown;
    try {
      body = JSON.parse(text);
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
    const response = await this.send(method, path, request);
    await this.read(method, path, request, () => response.arrayBuffer());
  }

  /** Sends a request and returns the raw bytes (stored recording files). */
  async bytes(method: string, path: string, request: AriRequest = {}): Promise<{ contentType: string; data: Buffer }> {
    const response = await this.send(method, path, request);
    const data = Buffer.from(await this.read(method, path, request, () => response.arrayBuffer()));
    return { contentType: response.headers.get('content-type') ?? 'application/octet-stream', data };
  }

  /** Reads a body under the same timeout signal as its request. */
  private async read<T>(method: string, path: string, request: AriRequest, reader: () => Promise<T>): Promise<T> {
    try {
      return await reader();
    } catch (error) {
      throw this.mapFetchError(method, path, request, error);
    }
  }

  private mapFetchError(method: string, path: string, request: AriRequest, error: unknown): Error {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return new AriTimeoutError(method, path, this.timeoutOf(request));
    }
    const cause = error instanceof Error ? ((error.cause as { code?: string } | undefined)?.code ?? error.message) : String(error);
    return new AriUnreachableError(method, path, cause);
  }

  private timeoutOf(request: AriRequest): number {
    return request.timeoutMs ?? this.options.requestTimeoutMs ?? 5000;
  }

  private async send(method: string, path: string, request: AriRequest): Promise<Response> {
    const url = new URL(`${this.root}${path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const timeoutMs = this.timeoutOf(request);
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json' };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw this.mapFetchError(method, path, request, error);
    }
    if (response.status >= 400) throw new AriHttpError(response.status, await errorMessage(response), method, path);
    return response;
  }
}

/** Asterisk's error text: `{"message": ...}`, or `{"error": ...}` for allocation failures. */
async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.trim() || response.statusText || `HTTP ${response.status}`;
}
