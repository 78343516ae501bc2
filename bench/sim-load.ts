// Load through the PBX simulator: Poisson caller arrivals through the project's front
// IVR into Stasis(cti), with a small ARI app (answer, play a prompt, hang up) and an AMI
// listener attached, as a CTI server would be. Reports the arrival rate the simulator
// sustained and how late its event loop ran. Run alone: `node --import tsx bench/sim-load.ts`.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startSimulator } from '../sim/index.js';
import { runLoad } from '../sim/scenario/load.js';

export interface SimLoadOptions {
  ratePerSec?: number;
  durationMs?: number;
}

export interface SimLoadFigures {
  targetRatePerSec: number;
  /** Offered calls over the run; Poisson, so a 10 s run varies by a few percent. */
  achievedRatePerSec: number;
  /** How late the simulator placed arrivals against their schedule: it kept up when small. */
  arrivalLateP99Ms: number;
  offered: number;
  reachedStasis: number;
  finished: number;
  peakChannels: number;
  amiEventsPerSec: number;
  ariEventsPerSec: number;
  restRequests: number;
  /** 404s when a caller abandons while the app acts on the call: races real Asterisk has too. */
  restErrors: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

/**
 * The target: 200 arrivals/s on a 2-core machine. The event-loop bound includes the
 * benchmark's own ARI app and AMI listener, which share the process with the simulator.
 */
export const SIM_LOAD_TARGET = { ratePerSec: 200, maxEventLoopP99Ms: 250, maxArrivalLateP99Ms: 50 } as const;

export async function runSimLoadBenchmark(opts: SimLoadOptions = {}): Promise<SimLoadFigures> {
  const ratePerSec = opts.ratePerSec ?? SIM_LOAD_TARGET.ratePerSec;
  const durationMs = opts.durationMs ?? 10_000;
  const sim = await startSimulator({ amiPort: 0, ariPort: 0, defaultMediaMs: 150, waitScale: 0.05 });
  const auth = `Basic ${Buffer.from(`${sim.username}:${sim.secret}`).toString('base64')}`;
  const base = `http://127.0.0.1:${sim.ariPort}/ari`;
  let restRequests = 0;
  let restErrors = 0;
  // A keep-alive agent, as a CTI server's ARI client would hold its connections.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const rest = (method: string, path: string) =>
    new Promise<void>((resolve) => {
      restRequests += 1;
      const req = http.request(`${base}${path}`, { method, agent, headers: { Authorization: auth } }, (res) => {
        if ((res.statusCode ?? 500) >= 400) restErrors += 1;
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        restErrors += 1;
        resolve();
      });
      req.end();
    });

  let amiEvents = 0;
  const ami = net.connect(sim.amiPort, '127.0.0.1');
  ami.setEncoding('utf8');
  ami.on('data', (chunk: string) => {
    amiEvents += chunk.split('\r\nEvent: ').length - 1;
  });
  ami.write(`Action: Login\r\nUsername: ${sim.username}\r\nSecret: ${sim.secret}\r\n\r\n`);

  let ariEvents = 0;
  let finished = 0;
  const ws = new WebSocket(`ws://127.0.0.1:${sim.ariPort}/ari/events?app=cti&api_key=${sim.username}:${sim.secret}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('message', (data: Buffer) => {
    ariEvents += 1;
    const e = JSON.parse(data.toString()) as { type: string; channel?: { id: string }; playback?: { target_uri: string } };
    if (e.type === 'StasisStart' && e.channel) {
      const id = e.channel.id;
      void rest('POST', `/channels/${id}/answer`).then(() => rest('POST', `/channels/${id}/play?media=sound:cti/zh/please-hold`));
    } else if (e.type === 'PlaybackFinished' && e.playback) {
      void rest('DELETE', `/channels/${e.playback.target_uri.replace('channel:', '')}`);
    } else if (e.type === 'StasisEnd') finished += 1;
  });

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const started = Date.now();
  const load = await runLoad(sim, {
    ratePerSec,
    durationMs,
    numbers: Array.from({ length: 500 }, (_, i) => `1380000${String(i).padStart(4, '0')}`),
    keys: ['1', '2'],
    meanPatienceMs: 60_000,
    drainMs: 15_000,
  });
  const elapsedSec = (Date.now() - started) / 1000;
  lag.disable();
  ws.close();
  ami.destroy();
  agent.destroy();
  await sim.close();
  return {
    targetRatePerSec: ratePerSec,
    achievedRatePerSec: Math.round(load.achievedRatePerSec * 10) / 10,
    arrivalLateP99Ms: Math.round(load.lateP99Ms),
    offered: load.offered,
    reachedStasis: load.stasis,
    finished,
    peakChannels: load.maxConcurrentChannels,
    amiEventsPerSec: Math.round(amiEvents / elapsedSec),
    ariEventsPerSec: Math.round(ariEvents / elapsedSec),
    restRequests,
    restErrors,
    eventLoopDelayP99Ms: Math.round(lag.percentile(99) / 1e5) / 10,
    eventLoopDelayMaxMs: Math.round(lag.max / 1e5) / 10,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rate = Number(process.env['SIM_LOAD_RATE'] ?? SIM_LOAD_TARGET.ratePerSec);
  const duration = Number(process.env['SIM_LOAD_DURATION_MS'] ?? 10_000);
  const figures = await runSimLoadBenchmark({ ratePerSec: rate, durationMs: duration });
  console.log(JSON.stringify(figures, null, 2));
  const ok =
    figures.arrivalLateP99Ms <= SIM_LOAD_TARGET.maxArrivalLateP99Ms &&
    figures.eventLoopDelayP99Ms <= SIM_LOAD_TARGET.maxEventLoopP99Ms &&
    figures.finished >= figures.reachedStasis * 0.99;
  console.log(
    `sim load: ${figures.achievedRatePerSec} arrivals/s offered at a target of ${rate}/s, placed at most ${figures.arrivalLateP99Ms} ms late (p99), ` +
      `event loop p99 ${figures.eventLoopDelayP99Ms} ms, ${figures.finished}/${figures.reachedStasis} calls completed: ${ok ? 'OK' : 'BELOW TARGET'}`,
  );
}
