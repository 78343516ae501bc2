// /ari/channels: originate, create + dial, answer, ring, hangup, play, record, dtmf,
// variables, continue, moh; with the error bodies of the recordings.
import type { Channel } from '../core/model.js';
import { amiChannel, ariChannel, ariLiveRecording, ariPlayback } from '../core/format.js';
import { ARI_HANGUP_REASONS, CAUSES } from '../core/protocol.js';
import { startPlayback } from '../core/media.js';
import { DTMF_DIGITS, receiveDtmf } from '../core/dtmf.js';
import { parseCallerId } from '../ami/actions.js';
import { AriError, notFound, notInStasis, type AriRequest, type Router } from './http.js';
import type { AriEnv } from './routes.js';
import { startRecording } from './recordings.js';

const DEFAULT_TIMEOUT_S = 30;

export function channelOf(env: AriEnv, id: string | undefined): Channel {
  const ch = id ? env.pbx.channels.get(id) : undefined;
  if (!ch || ch.hungup) throw notFound('Channel');
  return ch;
}

function stasisChannel(env: AriEnv, id: string | undefined): Channel {
  const ch = channelOf(env, id);
  if (!ch.stasis) throw notInStasis();
  return ch;
}

function variablesOf(req: AriRequest): Record<string, string> {
  const raw = req.body['variables'];
  const vars: Record<string, string> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) vars[k] = String(v);
  }
  return vars;
}

function originate(env: AriEnv, req: AriRequest, idFromPath?: string) {
  const a = req.args;
  const endpoint = a['endpoint'];
  if (!endpoint) throw new AriError(400, 'Endpoint must be specified');
  const app = a['app'];
  const extension = a['extension'];
  if (!app && !extension) throw new AriError(400, 'Application or extension must be specified');
  const timeoutS = a['timeout'] !== undefined ? Number(a['timeout']) : DEFAULT_TIMEOUT_S;
  const args = app && a['appArgs'] ? a['appArgs'].split(',') : [];
  const id = idFromPath ?? a['channelId'];
  if (id && env.pbx.channels.has(id)) throw new AriError(409, 'Channel with given unique ID already exists');
  env.tel.countOriginate(endpoint);
  const result = env.tel.dial({
    endpoint,
    caller: parseCallerId(a['callerId']),
    timeoutMs: Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS * 1000 : 0,
    id,
    otherId: a['otherChannelId'],
    variables: variablesOf(req),
    app,
    onAnswer: (ch) => {
      if (app) env.tel.startOriginatedStasis(ch, app, args);
      else if (!env.runner.start(ch, a['context'] ?? 'default', extension ?? 's', Number(a['priority'] ?? '1') || 1)) {
        env.tel.hangup(ch, CAUSES.normal, 'self');
      }
    },
  });
  if (!result.ok) {
    if (result.error === 'invalid-endpoint') throw new AriError(400, 'Invalid endpoint specified');
    throw new AriError(500, 'Allocation failed', { error: 'Allocation failed' });
  }
  return { status: 200, body: ariChannel(result.channel) };
}

const pendingCreates = new WeakMap<Channel, (timeoutMs: number) => void>();

function create(env: AriEnv, req: AriRequest) {
  const a = req.args;
  const endpoint = a['endpoint'];
  if (!endpoint) throw new AriError(400, 'Endpoint must be specified');
  const app = a['app'];
  if (!app) throw new AriError(400, 'Application must be specified');
  const args = a['appArgs'] ? a['appArgs'].split(',') : [];
  env.tel.countOriginate(endpoint);
  const prepared = env.tel.prepare({
    endpoint,
    timeoutMs: 0,
    id: a['channelId'],
    otherId: a['otherChannelId'],
    variables: variablesOf(req),
    onAnswer: () => {},
  });
  if (!prepared.ok) {
    if (prepared.error === 'invalid-endpoint') throw new AriError(400, 'Invalid endpoint specified');
    throw new AriError(500, 'Allocation failed', { error: 'Allocation failed' });
  }
  const ch = prepared.channel;
  pendingCreates.set(ch, prepared.start);
  const body = ariChannel(ch);
  ch.apps.add(app);
  ch.originatedBy.add(app);
  ch.appName = 'Stasis';
  ch.appData = [app, ...args].join(',');
  env.pbx.ariChannelEvent(ch, 'ChannelDialplan', { dialplan_app: ch.appName, dialplan_app_data: ch.appData });
  void env.tel.enterStasis(ch, app, args).then((r) => {
    if (r !== 'hangup') env.tel.hangup(ch, CAUSES.normal, 'self');
  });
  return { status: 200, body };
}

function hangupCause(a: Record<string, string>): number {
  if (a['reason_code'] !== undefined) {
    const code = Number(a['reason_code']);
    if (!Number.isInteger(code)) throw new AriError(400, 'Invalid reason for hangup provided');
    return code;
  }
  const reason = a['reason'];
  if (reason === undefined) return CAUSES.normal;
  const cause = ARI_HANGUP_REASONS[reason];
  if (cause === undefined) throw new AriError(400, 'Invalid reason for hangup provided');
  return cause;
}

function play(env: AriEnv, req: AriRequest, playbackId?: string) {
  const ch = stasisChannel(env, req.params['id']);
  const media = (req.args['media'] ?? '').split(',').filter(Boolean);
  const fromBody = req.body['media'];
  if (Array.isArray(fromBody)) media.splice(0, media.length, ...fromBody.map(String));
  if (media.length === 0) throw new AriError(400, 'media: Missing required field');
  const id = playbackId ?? req.args['playbackId'];
  if (id && env.pbx.playbacks.has(id)) throw new AriError(409, 'A playback with the same ID already exists');
  const p = startPlayback(env.pbx, env.media, { channel: ch }, media, { id, lang: req.args['lang'] });
  return { status: 201, body: ariPlayback(p), location: `/ari/playbacks/${p.id}` };
}

export function registerChannelRoutes(r: Router, env: AriEnv): void {
  r.add('GET', '/channels', () => ({ status: 200, body: [...env.pbx.channels.values()].map(ariChannel) }));
  r.add('POST', '/channels', (req) => originate(env, req));
  r.add('POST', '/channels/create', (req) => create(env, req));
  r.add('GET', '/channels/:id', (req) => ({ status: 200, body: ariChannel(channelOf(env, req.params['id'])) }));
  r.add('POST', '/channels/:id', (req) => originate(env, req, req.params['id']));
  r.add('DELETE', '/channels/:id', (req) => {
    const ch = channelOf(env, req.params['id']);
    env.tel.hangup(ch, hangupCause(req.args), 'ari');
    return { status: 204 };
  });
  r.add('POST', '/channels/:id/answer', (req) => {
    const ch = stasisChannel(env, req.params['id']);
    if (ch.state !== 'Up') env.tel.answer(ch);
    return { status: 204 };
  });
  r.add('POST', '/channels/:id/ring', (req) => {
    stasisChannel(env, req.params['id']);
    return { status: 204 };
  });
  r.add('DELETE', '/channels/:id/ring', (req) => {
    stasisChannel(env, req.params['id']);
    return { status: 204 };
  });
  r.add('POST', '/channels/:id/dial', (req) => {
    const ch = stasisChannel(env, req.params['id']);
    const start = pendingCreates.get(ch);
    if (!start || ch.state !== 'Down') throw new AriError(409, "Channel is not in the 'Down' state");
    pendingCreates.delete(ch);
    const timeoutS = Number(req.args['timeout'] ?? DEFAULT_TIMEOUT_S);
    start(Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS * 1000 : 0);
    return { status: 204 };
  });
  r.add('POST', '/channels/:id/play', (req) => play(env, req));
  r.add('POST', '/channels/:id/play/:playbackId', (req) => play(env, req, req.params['playbackId']));
  r.add('POST', '/channels/:id/record', (req) => {
    const ch = stasisChannel(env, req.params['id']);
    const rec = startRecording(env, ch, req.args);
    return { status: 201, body: ariLiveRecording(rec), location: `/ari/recordings/live/${rec.name}` };
  });
  r.add('POST', '/channels/:id/dtmf', (req) => {
    const ch = stasisChannel(env, req.params['id']);
    const dtmf = req.args['dtmf'] ?? '';
    if (dtmf === '' || ![...dtmf].every((d) => DTMF_DIGITS.test(d) || d === ',')) throw new AriError(400, 'DTMF is required');
    // Digits sent into a Local half arrive on the other half.
    const far = ch.localPeer;
    if (far) [...dtmf].filter((d) => d !== ',').forEach((d, i) => setTimeout(() => receiveDtmf(env.pbx, far, d), 100 * (i + 1)));
    return { status: 204 };
  });
  r.add('GET', '/channels/:id/variable', (req) => {
    const ch = channelOf(env, req.params['id']);
    const name = req.args['variable'];
    if (!name) throw new AriError(400, 'Variable name is required');
    const value = env.pbx.getVar(ch, name);
    if (value === undefined) throw new AriError(404, 'Provided variable was not found');
    return { status: 200, body: { value } };
  });
  r.add('POST', '/channels/:id/variable', (req) => {
    const ch = channelOf(env, req.params['id']);
    const name = req.args['variable'];
    if (!name) throw new AriError(400, 'Variable name is required');
    env.pbx.setVar(ch, name, req.args['value'] ?? '');
    return { status: 204 };
  });
  r.add('POST', '/channels/:id/continue', (req) => {
    const ch = stasisChannel(env, req.params['id']);
    const a = req.args;
    if (a['context'] !== undefined || a['extension'] !== undefined || a['priority'] !== undefined || a['label'] !== undefined) {
      const context = a['context'] || ch.context;
      const exten = a['extension'] || ch.exten;
      const target = a['label'] ?? a['priority'] ?? '1';
      if (!env.runner.hasExten(context, exten)) throw new AriError(400, 'Requested priority is illegal');
      ch.continueAt = `${context},${exten},${target}`;
    }
    env.tel.leaveStasis(ch, 'continue');
    return { status: 204 };
  });
  r.add('POST', '/channels/:id/moh', (req) => {
    const ch = stasisChannel(env, req.params['id']);
    startMoh(env, ch, req.args['mohClass'] ?? 'default');
    return { status: 204 };
  });
  r.add('DELETE', '/channels/:id/moh', (req) => {
    const ch = stasisChannel(env, req.params['id']);
    stopMoh(env, ch);
    return { status: 204 };
  });
  r.add('POST', '/channels/:id/silence', (req) => {
    stasisChannel(env, req.params['id']);
    return { status: 204 };
  });
  r.add('DELETE', '/channels/:id/silence', (req) => {
    stasisChannel(env, req.params['id']);
    return { status: 204 };
  });
  r.add('POST', '/channels/:id/hold', (req) => {
    stasisChannel(env, req.params['id']);
    return { status: 204 };
  });
  r.add('DELETE', '/channels/:id/hold', (req) => {
    stasisChannel(env, req.params['id']);
    return { status: 204 };
  });
}

const MOH_PRIVILEGE = 'call,all';

export function startMoh(env: AriEnv, ch: Channel, mohClass: string): void {
  if (ch.mohClass !== undefined) stopMoh(env, ch);
  ch.mohClass = mohClass;
  // An unknown class still starts: Asterisk falls back to the default class.
  env.pbx.amiEvent('MusicOnHoldStart', MOH_PRIVILEGE, [...amiChannel(ch), ['Class', env.mohClasses.has(mohClass) ? mohClass : 'default']]);
  ch.onEvent?.({ type: 'playback', media: `moh:${mohClass}` });
}

export function stopMoh(env: AriEnv, ch: Channel): void {
  if (ch.mohClass === undefined) return;
  ch.mohClass = undefined;
  env.pbx.amiEvent('MusicOnHoldStop', MOH_PRIVILEGE, amiChannel(ch));
}
