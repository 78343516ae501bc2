// Private PostgreSQL and Redis instances for restart faults. The shared instances on 5432
// and 6379 serve other test runs and CI at the same time and are never touched: these run
// in a temp dir on a free loopback port and are always stopped by the test that made them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort, sleep } from './support.js';

const PG_BIN = process.env.CTI_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const REDIS_SERVER = process.env.CTI_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';

export const postgresAvailable = (): boolean => existsSync(join(PG_BIN, 'pg_ctl')) && existsSync(join(PG_BIN, 'initdb'));
export const redisAvailable = (): boolean => existsSync(REDIS_SERVER);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitPort(port: number, open: boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while ((await portOpen(port)) !== open) {
    if (Date.now() - started > timeoutMs) throw new Error(`port ${port} did not ${open ? 'open' : 'close'} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface PrivateService {
  url: string;
  port: number;
  /** Stops it (the outage begins). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data (the dependency returns). */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

/** PostgreSQL refuses to run as root: as root the cluster belongs to `postgres` and runs through runuser. */
export async function startPrivatePostgres(): Promise<PrivateService> {
  const dir = mkdtempSync(join(tmpdir(), 'cti-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  const run = (cmd: string, args: string[]) => {
    const bin = join(PG_BIN, cmd);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'pipe', timeout: 60_000 });
    else execFileSync(bin, args, { stdio: 'pipe', timeout: 60_000 });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
    await waitPort(port, true, 15_000);
  };
  const stop = async (mode = 'fast') => {
    run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
    await waitPort(port, false, 15_000);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => stop(),
    start,
    async destroy() {
      try {
        if (await portOpen(port)) await stop('immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function startPrivateRedis(): Promise<PrivateService> {
  const dir = mkdtempSync(join(tmpdir(), 'cti-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await waitPort(port, true, 10_000);
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
    await waitPort(port, false, 10_000);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async destroy() {
      try {
        await stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
