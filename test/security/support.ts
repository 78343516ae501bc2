// Shared by the security tests: a digest of everything a request could change, desktop
// sockets, and the route list read from the server's own OpenAPI document.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { io as connect, type Socket } from 'socket.io-client';
import type { TestServer } from '../support/server-harness.js';

/** Tables whose rows are business state; access_tokens is left out (verify touches last_used_at). */
export const STATE_TABLES = [
  'advisors',
  'advisor_delegates',
  'members',
  'member_phones',
  'member_ownership',
  'users',
  'calls',
  'callbacks',
  'callback_events',
  'contact_log',
  'dispositions',
] as const;

function sqlitePath(server: TestServer): string {
  const url = server.config.dbUrl;
  if (!url.startsWith('sqlite:')) throw new Error('the state digest reads the SQLite file of a test server');
  return url.slice('sqlite:'.length);
}

/** One hash per table over every row, read straight from the database file. */
export function stateDigest(server: TestServer): Record<string, string> {
  const db = new Database(sqlitePath(server), { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, string> = {};
    for (const table of STATE_TABLES) {
      const rows = db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all();
      out[table] = `${rows.length}:${createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16)}`;
    }
    return out;
  } finally {
    db.close();
  }
}

/** Rows of one table, for assertions on what is stored (password hashes, injection probes). */
export function readRows(server: TestServer, sql: string, ...params: unknown[]): Array<Record<string, unknown>> {
  const db = new Database(sqlitePath(server), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

export interface OpenApiOperation {
  method: string;
  /** Express form, `/api/members/:id`. */
  path: string;
  roles: string[] | null;
  isPublic: boolean;
  parameters: Array<{ name: string; in: 'path' | 'query'; required: boolean; schema: JsonSchema }>;
  body: JsonSchema | null;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  const?: unknown;
  [key: string]: unknown;
}

export async function listOperations(server: TestServer): Promise<OpenApiOperation[]> {
  const res = await server.request('GET', '/api/openapi.json');
  if (res.status !== 200) throw new Error(`openapi.json: ${res.status}`);
  const doc = res.body as { paths: Record<string, Record<string, Record<string, unknown>>> };
  const out: OpenApiOperation[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const content = (op.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined)?.content;
      out.push({
        method: method.toUpperCase(),
        path: path.replace(/\{(\w+)\}/g, ':$1'),
        roles: (op['x-roles'] as string[] | undefined) ?? null,
        isPublic: Array.isArray(op.security) && (op.security as unknown[]).length === 0,
        parameters: (op.parameters as OpenApiOperation['parameters'] | undefined) ?? [],
        body: content?.['application/json']?.schema ?? null,
      });
    }
  }
  return out;
}

/** Fills `:name` placeholders. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? '1'));
}

export function expectErrorShape(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string' && error.message.length > 0;
}

/** A desktop socket, connected (or refused) before it resolves. */
export function openDesktop(server: TestServer, token: string | undefined): Promise<{ socket: Socket; error: Error | null }> {
  const socket = connect(server.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 5000,
    ...(token === undefined ? {} : { auth: { token } }),
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, error: null }));
    socket.once('connect_error', (error) => resolve({ socket, error }));
  });
}

/** Events of one name a socket received, collected from now on. */
export function collect<T = unknown>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T, ack?: unknown) => {
    seen.push(payload);
    if (typeof ack === 'function') (ack as (r: unknown) => void)({ ok: true });
  });
  return seen;
}

export function emitWithAck(socket: Socket, event: string, ...args: unknown[]): Promise<unknown> {
  return socket.timeout(3000).emitWithAck(event, ...args) as Promise<unknown>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, test: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await test();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}
