// Real CTI server processes for scale-out tests: `node --import tsx server/main.ts` with
// their own environment, a fresh PostgreSQL schema seeded with the demo data, a unique
// Redis prefix, and a tiny TCP balancer standing in for the load balancer (it sends each
// new connection to the first server that accepts it). Everything is torn down even
// when a test fails; a process left over is killed when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { closeDatabase, migrateLatest, openDatabase, type Db } from '../../../server/store/database.js';
import { seedDemo } from '../../../db/seeds/demo.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const READY_LINE = /CTI server on (http:\/\/\S+)/;

export interface ServerProcess {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it wrote, for the failure message. */
  output(): string;
  alive(): boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startServerProcess(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  let exited = false;
  const exitedPromise = new Promise<void>((done) => child.once('exit', () => done()));
  child.once('exit', () => {
    exited = true;
    running.delete(child);
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output.slice(-3000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      const match = READY_LINE.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (${code ?? signal}):\n${output.slice(-3000)}`));
    });
  });
  return {
    name,
    url,
    port: Number(new URL(url).port),
    child,
    output: () => output,
    alive: () => !exited,
    async kill(signal) {
      if (exited) return;
      child.kill(signal);
      await exitedPromise;
    },
  };
}

export interface TestSchema {
  /** CTI_DB_URL for the servers (the schema as search_path). */
  dbUrl: string;
  db: Db;
  drop(): Promise<void>;
}

/** A fresh schema, migrated and seeded with the demo data. */
export async function seededSchema(pgUrl: string): Promise<TestSchema> {
  const schema = `scale_${randomBytes(6).toString('hex')}`;
  const admin = openDatabase(pgUrl);
  await admin.raw(`create schema "${schema}"`);
  await closeDatabase(admin);
  const db = openDatabase(pgUrl, { searchPath: schema });
  await migrateLatest(db);
  await seedDemo(db, { now: new Date('2026-11-23T08:00:00Z') });
  const url = new URL(pgUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    dbUrl: url.toString(),
    db,
    async drop() {
      await db.raw(`drop schema "${schema}" cascade`);
      await closeDatabase(db);
    },
  };
}

/** Removes every Redis key of a test's prefix. */
export async function dropRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  try {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) keys.push(...batch);
    if (keys.length) await client.del(keys);
  } finally {
    await client.quit();
  }
}

export interface Balancer {
  url: string;
  close(): Promise<void>;
}

/** Each new connection goes to the first of `ports()` that accepts it (a dead server refuses). */
export async function startBalancer(ports: () => number[]): Promise<Balancer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const candidates = ports();
    const tryNext = (i: number) => {
      const port = candidates[i];
      if (port === undefined || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = net.connect(port, '127.0.0.1');
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        sockets.add(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.on('error', () => {
        if (!connected) tryNext(i + 1);
        else client.destroy();
      });
      upstream.on('close', () => {
        sockets.delete(upstream);
        if (connected) client.destroy();
      });
      client.on('close', () => upstream.destroy());
    };
    tryNext(0);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'cti-scale-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
