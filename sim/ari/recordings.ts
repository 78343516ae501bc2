// Live and stored recordings: name clashes (409), unknown formats (422), and the
// Started/Finished events; a stopped recording becomes a stored one.
import type { Channel, LiveRecording } from '../core/model.js';
import { ariLiveRecording } from '../core/format.js';
import { AriError, notFound, type Router } from './http.js';
import type { AriEnv } from './routes.js';

const FORMATS = new Set(['wav', 'wav16', 'gsm', 'ulaw', 'alaw', 'sln', 'sln16', 'g722', 'g729', 'ogg', 'mp3']);

export function startRecording(env: AriEnv, ch: Channel, a: Record<string, string>): LiveRecording {
  const name = a['name'];
  const format = a['format'];
  if (!name) throw new AriError(400, 'Recording name is required');
  if (!format) throw new AriError(400, 'Recording format is required');
  if (!FORMATS.has(format)) throw new AriError(422, 'specified format is unknown on this system');
  const ifExists = a['ifExists'] ?? 'fail';
  if (env.pbx.liveRecordings.has(name)) throw new AriError(409, 'A recording with the same name is currently in progress');
  if (env.pbx.storedRecordings.has(name) && ifExists === 'fail') {
    throw new AriError(409, `Recording '${name}' already exists and can not be overwritten`);
  }
  const rec: LiveRecording = {
    name,
    format,
    targetUri: `channel:${ch.id}`,
    startedMs: env.pbx.now(),
    state: 'queued',
    channel: ch,
  };
  env.pbx.liveRecordings.set(name, rec);
  ch.recording = rec;
  setImmediate(() => {
    if (rec.state !== 'queued') return;
    rec.state = 'recording';
    env.pbx.ariEvent(ch.apps, 'RecordingStarted', { recording: ariLiveRecording(rec) });
  });
  return rec;
}

export function finishRecording(env: AriEnv, rec: LiveRecording, state: 'done' | 'canceled'): void {
  env.pbx.liveRecordings.delete(rec.name);
  if (rec.channel.recording === rec) rec.channel.recording = undefined;
  rec.state = state;
  if (state === 'done') env.pbx.storedRecordings.set(rec.name, { name: rec.name, format: rec.format });
  const duration = Math.floor((env.pbx.now() - rec.startedMs) / 1000);
  env.pbx.ariEvent(rec.channel.apps, 'RecordingFinished', { recording: { ...ariLiveRecording(rec), duration } });
}

export function registerRecordingRoutes(r: Router, env: AriEnv): void {
  const live = (name: string | undefined) => {
    const rec = name ? env.pbx.liveRecordings.get(name) : undefined;
    if (!rec) throw notFound('Recording');
    return rec;
  };
  r.add('GET', '/recordings/live/:name', (req) => {
    const rec = live(req.params['name']);
    if (rec.state === 'queued') rec.state = 'recording';
    return { status: 200, body: ariLiveRecording(rec) };
  });
  r.add('POST', '/recordings/live/:name/stop', (req) => {
    finishRecording(env, live(req.params['name']), 'done');
    return { status: 204 };
  });
  r.add('DELETE', '/recordings/live/:name', (req) => {
    finishRecording(env, live(req.params['name']), 'canceled');
    return { status: 204 };
  });
  r.add('GET', '/recordings/stored', () => ({
    status: 200,
    body: [...env.pbx.storedRecordings.values()].sort((x, y) => x.name.localeCompare(y.name)),
  }));
  const stored = (name: string | undefined) => {
    const rec = name ? env.pbx.storedRecordings.get(name) : undefined;
    if (!rec) throw notFound('Recording');
    return rec;
  };
  r.add('GET', '/recordings/stored/:name', (req) => ({ status: 200, body: stored(req.params['name']) }));
  r.add('DELETE', '/recordings/stored/:name', (req) => {
    env.pbx.storedRecordings.delete(stored(req.params['name']).name);
    return { status: 204 };
  });
}
