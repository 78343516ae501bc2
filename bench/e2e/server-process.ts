// A CTI server as its own process (`node --import tsx server/main.ts`), as in production,
// so its CPU and memory can be read from /proc apart from the simulator and the agents
// that load it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLOCK_TICKS_PER_SEC = 100;

export interface ServerProcess {
  url: string;
  pid: number;
  /** CPU seconds used so far (user + system). */
  cpuSeconds(): number;
  rssBytes(): number;
  /**
   * The process's own memory (heap, buffers, native allocations): RSS without the pages of
   * memory-mapped files, which for the server are the SQLite database's (its mmap grows
   * with the file and the kernel reclaims those pages when it needs them).
   */
  anonBytes(): number;
  stderrTail(): string;
  stop(): Promise<void>;
}

/**
 * Debugging aids: BENCH_SERVER_NODE_ARGS adds Node flags to the server (e.g.
 * `--cpu-prof --cpu-prof-dir=bench/.cache/profiles`), BENCH_SERVER_LOG copies its log to a file.
 */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/main.ts'], {
    cwd: REPO,
    env: { ...process.env, CTI_HOST: '127.0.0.1', CTI_PORT: '0', CTI_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // pino writes to stdout, crashes to stderr: keep the tail of both.
  let stderr = '';
  const logFile = process.env['BENCH_SERVER_LOG'] ? createWriteStream(process.env['BENCH_SERVER_LOG']) : null;
  const keep = (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    logFile?.write(chunk);
  };
  child.stderr!.setEncoding('utf8').on('data', keep);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${timeoutMs} ms: ${stderr.slice(-500)}`)), timeoutMs);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      keep(chunk);
      if (out.length > 10_000) return;
      out += chunk;
      const match = /CTI server on (http:\/\/[^\s]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening: ${stderr.slice(-800)}`));
    });
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    cpuSeconds() {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
      } catch {
        return Number.NaN;
      }
    },
    rssBytes: () => statusKb(pid, 'VmRSS'),
    anonBytes: () => statusKb(pid, 'RssAnon'),
    stderrTail: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A `<name>: <n> kB` line of /proc/<pid>/status, in bytes (NaN once the process is gone). */
function statusKb(pid: number, name: string): number {
  try {
    const match = new RegExp(`${name}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
