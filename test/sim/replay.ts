// Replays a recorded session (AMI actions and ARI requests at their recorded times)
// against the simulator, mapping recorded channel names and uniqueids to the
// simulator's as channels appear, and collects both sides for comparison.
import type { Simulator } from '../../sim/index.js';
import { RawAmi, RawAri, get, type AriMessage, type Frame } from './clients.js';
import { readAmiCapture, readAriCapture, substituteTokens, type AmiEntry, type AriEntry } from './capture.js';

export interface RestExchange {
  t: number;
  method: string;
  path: string;
  status: number;
  body: unknown;
}

export interface ReplayResult {
  recordedAmi: Frame[];
  simAmi: Frame[];
  recordedAri: AriMessage[];
  simAri: AriMessage[];
  recordedRest: RestExchange[];
  simRest: RestExchange[];
  /** Simulator token -> recorded token (channel names, uniqueids). */
  toRecorded: Map<string, string>;
}

type Step =
  | { t: number; kind: 'ami'; entry: AmiEntry }
  | { t: number; kind: 'ari'; entry: AriEntry };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const TAIL_MS = 400;

export async function replay(sim: Simulator, amiFile: string | undefined, ariFile: string | undefined, recordedSecret = 'ctisecret'): Promise<ReplayResult> {
  const ami = amiFile ? readAmiCapture(amiFile) : [];
  const ari = ariFile ? readAriCapture(ariFile) : [];
  const steps: Step[] = [
    ...ami.filter((e) => e.kind === 'sent' || e.kind === 'banner').map((entry): Step => ({ t: entry.t, kind: 'ami', entry })),
    ...ari.filter((e) => ['ws-open', 'ws-closed', 'rest'].includes(String(e.kind))).map((entry): Step => ({ t: entry.t, kind: 'ari', entry })),
  ].sort((a, b) => a.t - b.t);

  const recordedNewchannels = ami
    .filter((e) => e.kind === 'received' && get(e.frame, 'Event') === 'Newchannel')
    .map((e) => ({ name: get(e.frame, 'Channel') ?? '', uid: get(e.frame, 'Uniqueid') ?? '' }));
  const simNewchannels: Array<{ name: string; uid: string }> = [];
  const detach = sim.box.pbx.addSink({
    ami: (frame) => {
      if (frame[0]?.[1] !== 'Newchannel') return;
      simNewchannels.push({ name: get(frame, 'Channel') ?? '', uid: get(frame, 'Uniqueid') ?? '' });
    },
  });
  const toSim = new Map<string, string>();
  const toRecorded = new Map<string, string>();
  const syncMap = () => {
    simNewchannels.forEach((c, i) => {
      const rec = recordedNewchannels[i];
      if (!rec) return;
      for (const [r, s] of [[rec.name, c.name], [rec.uid, c.uid]] as const) {
        if (r === s) continue;
        toSim.set(r, s);
        toRecorded.set(s, r);
      }
    });
  };
  const subst = (text: string) => substituteTokens(text.replaceAll(recordedSecret, sim.secret), toSim);

  const connections: RawAmi[] = [];
  const client = new RawAri(sim.ariPort, sim.username, sim.secret);
  const simRest: RestExchange[] = [];
  // Each step keeps at least its recorded distance from the end of the one before, so a
  // slow first request (cold HTTP client) never squeezes the gaps after it.
  let prevEndT = 0;
  let prevEndWall = Date.now();
  for (const step of steps) {
    await sleep(step.t - prevEndT - (Date.now() - prevEndWall));
    prevEndT = step.kind === 'ari' && typeof step.entry['t_res'] === 'number' ? step.entry['t_res'] : step.t;
    syncMap();
    if (step.kind === 'ami') {
      if (step.entry.kind === 'banner') connections.push(await RawAmi.connect(sim.amiPort));
      else {
        const conn = connections[connections.length - 1];
        if (conn && !conn.closed) conn.write(step.entry.frame.map(([k, v]) => `${k}: ${subst(v)}\r\n`).join('') + '\r\n');
      }
      prevEndWall = Date.now();
      continue;
    }
    const e = step.entry;
    if (e.kind === 'ws-open') {
      const app = new URL(String(e['url'])).searchParams.get('app') ?? 'cti';
      await client.connect(app);
      prevEndWall = Date.now();
      continue;
    }
    if (e.kind === 'ws-closed') {
      client.close();
      prevEndWall = Date.now();
      continue;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries((e['query'] as Record<string, string>) ?? {})) query[k] = subst(v);
    const path = subst(String(e['path'])).replace(/^\/ari/, '');
    const auth = String(e['auth'] ?? '');
    const res = await requestAs(client, auth, String(e['method']), path, query, e['request_body']);
    simRest.push({ t: e.t, method: String(e['method']), path: String(e['path']), status: res.status, body: res.body });
    prevEndWall = Date.now();
  }
  await sleep(TAIL_MS);
  syncMap();
  detach();
  for (const c of connections) c.close();
  client.close();

  return {
    recordedAmi: ami.filter((e) => e.kind === 'received').map((e) => e.frame),
    simAmi: connections.flatMap((c) => c.frames.items.filter((f) => f[0]?.[0] !== '*closed*')),
    recordedAri: ari.filter((e) => e.kind === 'ws').map((e) => (typeof e['msg'] === 'string' ? JSON.parse(e['msg']) : e['msg']) as AriMessage),
    simAri: client.events.items,
    recordedRest: ari
      .filter((e) => e.kind === 'rest')
      .map((e) => ({ t: e.t, method: String(e['method']), path: String(e['path']), status: Number(e['status']), body: e['body'] })),
    simRest,
    toRecorded,
  };
}

/** The recorded request's credentials: good ones, a wrong password, or none. */
async function requestAs(client: RawAri, auth: string, method: string, path: string, query: Record<string, string>, body: unknown) {
  if (auth.startsWith('basic cti:') && !auth.endsWith('ctisecret')) {
    const wrong = new RawAri(client.port, client.user, 'wrongpassword');
    return wrong.request(method, path, query);
  }
  if (auth === 'none') {
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`${client.base}${path}${qs ? `?${qs}` : ''}`, { method });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }
  return client.request(method, path, query, body ?? undefined);
}
