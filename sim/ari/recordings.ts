// Live and stored recordings: name clashes (409), unknown formats (422), and the
// Started/Finished events; a stopped recording becomes a stored one. As in Asterisk's
// res_stasis_recording, a take also ends (state `done`, file kept) on its `terminateOn`
// key, after `maxDurationSeconds`, and when its channel hangs up; `beep` sounds first.
// Stored files are served by `GET /recordings/stored/{name}/file` as a real file of the
// take's length (a tone standing in for the voice).
import type { Channel, LiveRecording, StoredRecording } from '../core/model.js';
import { ariLiveRecording } from '../core/format.js';
import { AriError, notFound, type Router } from './http.js';
import type { AriEnv } from './routes.js';

const FORMATS = new Set(['wav', 'wav16', 'gsm', 'ulaw', 'alaw', 'sln', 'sln16', 'g722', 'g729', 'ogg', 'mp3']);
/** Formats whose file the simulator can produce: 16-bit PCM in a WAV container. */
const WAV_RATES: Readonly<Record<string, number>> = { wav: 8000, wav16: 16000 };
/** `terminateOn` values and the keys each accepts (Asterisk: none, any, * or #). */
const TERMINATE_KEYS: Readonly<Record<string, string>> = { none: '', any: '#*0123456789ABCD', '*': '*', '#': '#' };
const BEEP_MEDIA = 'sound:beep';

export function startRecording(env: AriEnv, ch: Channel, a: Record<string, string>): LiveRecording {
  const name = a['name'];
  const format = a['format'];
  if (!name) throw new AriError(400, 'Recording name is required');
  if (!format) throw new AriError(400, 'Recording format is required');
  if (!FORMATS.has(format)) throw new AriError(422, 'specified format is unknown on this system');
  const maxDurationSeconds = Number(a['maxDurationSeconds'] ?? 0);
  if (!Number.isFinite(maxDurationSeconds) || maxDurationSeconds < 0) throw new AriError(400, 'maxDurationSeconds must be non-negative');
  const terminateKeys = TERMINATE_KEYS[a['terminateOn'] ?? 'none'];
  if (terminateKeys === undefined) throw new AriError(400, 'terminateOn invalid');
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
  let maxTimer: NodeJS.Timeout | undefined;
  const end = () => {
    clearTimeout(maxTimer);
    finishRecording(env, rec, 'done');
  };
  rec.channelGone = end;
  rec.keyed = (digit) => {
    if (rec.state === 'recording' && terminateKeys.includes(digit.toUpperCase())) end();
  };
  env.pbx.liveRecordings.set(name, rec);
  ch.recording = rec;
  setImmediate(() => {
    if (rec.state !== 'queued') return;
    rec.state = 'recording';
    env.pbx.ariEvent(ch.apps, 'RecordingStarted', { recording: ariLiveRecording(rec) });
    if (/^(true|yes|1)$/i.test(a['beep'] ?? '')) ch.onEvent?.({ type: 'playback', media: BEEP_MEDIA });
    if (maxDurationSeconds > 0) {
      maxTimer = setTimeout(end, maxDurationSeconds * 1000);
      maxTimer.unref();
    }
  });
  return rec;
}

export function finishRecording(env: AriEnv, rec: LiveRecording, state: 'done' | 'canceled'): void {
  if (env.pbx.liveRecordings.get(rec.name) !== rec) return;
  env.pbx.liveRecordings.delete(rec.name);
  if (rec.channel.recording === rec) rec.channel.recording = undefined;
  rec.state = state;
  const elapsedMs = env.pbx.now() - rec.startedMs;
  if (state === 'done') env.pbx.storedRecordings.set(rec.name, { name: rec.name, format: rec.format, durationMs: elapsedMs });
  const duration = Math.floor(elapsedMs / 1000);
  env.pbx.ariEvent(rec.channel.apps, 'RecordingFinished', { recording: { ...ariLiveRecording(rec), duration } });
}

/** A RIFF/WAVE file of 16-bit mono PCM: a quiet 440 Hz tone as long as the take. */
export function recordingFile(rec: StoredRecording): Buffer {
  const rate = WAV_RATES[rec.format];
  if (rate === undefined) throw new AriError(500, 'Format specified by recording not available or loaded');
  const samples = Math.round(((rec.durationMs ?? 0) * rate) / 1000);
  const file = Buffer.alloc(44 + samples * 2);
  file.write('RIFF', 0, 'ascii');
  file.writeUInt32LE(36 + samples * 2, 4);
  file.write('WAVEfmt ', 8, 'ascii');
  file.writeUInt32LE(16, 16);
  file.writeUInt16LE(1, 20);
  file.writeUInt16LE(1, 22);
  file.writeUInt32LE(rate, 24);
  file.writeUInt32LE(rate * 2, 28);
  file.writeUInt16LE(2, 32);
  file.writeUInt16LE(16, 34);
  file.write('data', 36, 'ascii');
  file.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) file.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return file;
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
    body: [...env.pbx.storedRecordings.values()].map(storedJson).sort((x, y) => x.name.localeCompare(y.name)),
  }));
  const stored = (name: string | undefined) => {
    const rec = name ? env.pbx.storedRecordings.get(name) : undefined;
    if (!rec) throw notFound('Recording');
    return rec;
  };
  r.add('GET', '/recordings/stored/:name', (req) => ({ status: 200, body: storedJson(stored(req.params['name'])) }));
  r.add('GET', '/recordings/stored/:name/file', (req) => {
    const rec = stored(req.params['name']);
    return { status: 200, body: recordingFile(rec), contentType: `audio/${rec.format}` };
  });
  r.add('DELETE', '/recordings/stored/:name', (req) => {
    env.pbx.storedRecordings.delete(stored(req.params['name']).name);
    return { status: 204 };
  });
}

function storedJson(rec: StoredRecording): { name: string; format: string } {
  return { name: rec.name, format: rec.format };
}
