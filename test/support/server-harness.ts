// Starts the real server in-process on ephemeral ports with a fresh SQLite file,
// demo data and the in-process simulator: what `npm start` runs, minus fixed ports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config/config.js';
import { startServer, type RunningServer, type StartOptions } from '../../server/app-server.js';

export interface TestServer extends RunningServer {
  request(method: string, path: string, options?: { token?: string; body?: unknown; raw?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  login(username: string, password?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cti-test-'));
  const config = loadConfig(
    {
      CTI_PORT: '0',
      CTI_HOST: '127.0.0.1',
      SIM_AMI_PORT: '0',
      SIM_ARI_PORT: '0',
      CTI_DB_URL: `sqlite:${join(dir, 'cti.sqlite')}`,
      CTI_LOG_LEVEL: 'silent',
      CTI_DEMO_TRAFFIC: 'false',
      ...env,
    },
    join(dir, 'no.env'),
  );
  const server = await startServer(config, options);
  const request: TestServer['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(server.url + path, {
      method,
      headers,
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body, headers: res.headers };
  };
  return {
    ...server,
    request,
    async login(username, password = 'demo1234') {
      const res = await request('POST', '/api/auth/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
