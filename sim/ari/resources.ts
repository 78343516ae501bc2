// /ari bridges, playbacks, endpoints, applications, deviceStates and asterisk/info.
import { randomUUID } from 'node:crypto';
import { ariBridge, ariPlayback } from '../core/format.js';
import { ariTimestamp } from '../core/clock.js';
import { startPlayback, endPlayback } from '../core/media.js';
import { ASTERISK_VERSION, DEVICE_STATES, ENTITY_ID, type DeviceState } from '../core/protocol.js';
import { AriError, notFound, type Router } from './http.js';
import { BUILD_DATE } from '../ami/actions.js';
import { startMoh, stopMoh } from './channels.js';
import type { AriEnv } from './routes.js';

const BRIDGE_TYPES = new Set(['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label']);

export function registerResourceRoutes(r: Router, env: AriEnv): void {
  const pbx = env.pbx;
  const bridgeOf = (id: string | undefined) => {
    const b = id ? pbx.bridges.get(id) : undefined;
    if (!b) throw notFound('Bridge');
    return b;
  };
  const createBridge = (id: string | undefined, a: Record<string, string>) => {
    const type = (a['type'] ?? 'mixing').split(',')[0] ?? 'mixing';
    if (!BRIDGE_TYPES.has(type)) throw new AriError(400, 'Invalid bridge type');
    const existing = id ? pbx.bridges.get(id) : undefined;
    if (existing) return { status: 200, body: ariBridge(existing) };
    return { status: 200, body: ariBridge(pbx.createBridge(id ?? randomUUID(), type, a['name'] ?? '')) };
  };
  r.add('GET', '/bridges', () => ({ status: 200, body: [...pbx.bridges.values()].map(ariBridge) }));
  r.add('POST', '/bridges', (req) => createBridge(req.args['bridgeId'], req.args));
  r.add('POST', '/bridges/:id', (req) => createBridge(req.params['id'], req.args));
  r.add('GET', '/bridges/:id', (req) => ({ status: 200, body: ariBridge(bridgeOf(req.params['id'])) }));
  r.add('DELETE', '/bridges/:id', (req) => {
    pbx.destroyBridge(bridgeOf(req.params['id']));
    return { status: 204 };
  });
  const channelsArg = (a: Record<string, string>) => {
    const ids = (a['channel'] ?? '').split(',').filter(Boolean);
    if (ids.length === 0) throw new AriError(400, 'channel: Missing required field');
    return ids;
  };
  r.add('POST', '/bridges/:id/addChannel', (req) => {
    const bridge = bridgeOf(req.params['id']);
    const ids = channelsArg(req.args);
    const chans = ids.map((id) => {
      const ch = pbx.channels.get(id);
      if (!ch || ch.hungup) throw new AriError(400, 'Channel not found');
      if (!ch.stasis) throw new AriError(422, 'Channel not in Stasis application');
      return ch;
    });
    for (const ch of chans) {
      if (ch.playback) endPlayback(pbx, ch.playback, 'done');
      pbx.enterBridge(bridge, ch);
    }
    pbx.announcePeers(bridge);
    return { status: 204 };
  });
  r.add('POST', '/bridges/:id/removeChannel', (req) => {
    const bridge = bridgeOf(req.params['id']);
    for (const id of channelsArg(req.args)) {
      const ch = pbx.channels.get(id);
      if (!ch) throw new AriError(400, 'Channel not found');
      if (!ch.stasis) throw new AriError(422, 'Channel not in Stasis application');
      if (ch.bridge !== bridge) throw new AriError(422, 'Channel not in this bridge');
      pbx.leaveBridge(ch);
    }
    return { status: 204 };
  });
  const playOnBridge = (bridgeId: string | undefined, a: Record<string, string>, id?: string) => {
    const bridge = bridgeOf(bridgeId);
    const media = (a['media'] ?? '').split(',').filter(Boolean);
    if (media.length === 0) throw new AriError(400, 'media: Missing required field');
    const p = startPlayback(pbx, env.media, { bridge }, media, { id: id ?? a['playbackId'], lang: a['lang'] });
    return { status: 201, body: ariPlayback(p), location: `/ari/playbacks/${p.id}` };
  };
  r.add('POST', '/bridges/:id/play', (req) => playOnBridge(req.params['id'], req.args));
  r.add('POST', '/bridges/:id/play/:playbackId', (req) => playOnBridge(req.params['id'], req.args, req.params['playbackId']));
  r.add('POST', '/bridges/:id/moh', (req) => {
    const bridge = bridgeOf(req.params['id']);
    bridge.mohClass = req.args['mohClass'] ?? 'default';
    for (const ch of bridge.channels) startMoh(env, ch, bridge.mohClass);
    return { status: 204 };
  });
  r.add('DELETE', '/bridges/:id/moh', (req) => {
    const bridge = bridgeOf(req.params['id']);
    if (bridge.mohClass === undefined) throw new AriError(409, 'Bridge isn\'t playing music on hold');
    bridge.mohClass = undefined;
    for (const ch of bridge.channels) stopMoh(env, ch);
    return { status: 204 };
  });

  const playbackOf = (id: string | undefined) => {
    const p = id ? pbx.playbacks.get(id) : undefined;
    if (!p) throw notFound('Playback');
    return p;
  };
  r.add('GET', '/playbacks/:id', (req) => ({ status: 200, body: ariPlayback(playbackOf(req.params['id'])) }));
  r.add('DELETE', '/playbacks/:id', (req) => {
    endPlayback(pbx, playbackOf(req.params['id']), 'done');
    return { status: 204 };
  });

  r.add('GET', '/endpoints', () => ({ status: 200, body: env.endpoints() }));
  r.add('GET', '/endpoints/:tech', (req) => {
    const tech = req.params['tech'] ?? '';
    const list = env.endpoints().filter((e) => e.technology === tech);
    if (list.length === 0) throw new AriError(404, `No Endpoints found - invalid tech ${tech}`);
    return { status: 200, body: list };
  });
  r.add('GET', '/endpoints/:tech/:resource', (req) => {
    const found = env.endpoints().find((e) => e.technology === req.params['tech'] && e.resource === req.params['resource']);
    if (!found) throw notFound('Endpoint');
    return { status: 200, body: found };
  });

  const appJson = (name: string) => ({
    name,
    channel_ids: [] as string[],
    bridge_ids: [] as string[],
    endpoint_ids: [] as string[],
    device_names: [] as string[],
    events_allowed: [] as unknown[],
    events_disallowed: [] as unknown[],
  });
  r.add('GET', '/applications', () => ({ status: 200, body: [...pbx.registeredApps].sort().map(appJson) }));
  r.add('GET', '/applications/:app', (req) => {
    const name = req.params['app'] ?? '';
    if (!pbx.registeredApps.has(name)) throw notFound('Application');
    return { status: 200, body: appJson(name) };
  });

  const stasisDevices = () => [...pbx.deviceStates].filter(([name]) => name.startsWith('Stasis:'));
  r.add('GET', '/deviceStates', () => ({
    status: 200,
    body: stasisDevices().map(([name, state]) => ({ name, state })),
  }));
  r.add('GET', '/deviceStates/:name', (req) => {
    const name = req.params['name'] ?? '';
    return { status: 200, body: { name, state: pbx.deviceStates.get(name) ?? DEVICE_STATES.unknown } };
  });
  r.add('PUT', '/deviceStates/:name', (req) => {
    const name = req.params['name'] ?? '';
    if (!name.startsWith('Stasis:')) throw new AriError(409, 'Cannot modify device state of a non-Stasis device');
    const state = (req.args['deviceState'] ?? '').toUpperCase() as DeviceState;
    if (!Object.values(DEVICE_STATES).includes(state)) throw new AriError(400, 'Invalid device state');
    pbx.publishDevice(name, state, false);
    return { status: 204 };
  });
  r.add('DELETE', '/deviceStates/:name', (req) => {
    const name = req.params['name'] ?? '';
    if (!name.startsWith('Stasis:')) throw new AriError(409, 'Cannot delete device state of a non-Stasis device');
    if (!pbx.deviceStates.delete(name)) throw notFound('Device');
    return { status: 204 };
  });

  r.add('GET', '/asterisk/info', () => ({
    status: 200,
    body: {
      build: { os: 'Linux', kernel: 'sim', machine: 'x86_64', options: 'OPTIONAL_API', date: BUILD_DATE, user: 'root' },
      system: { version: ASTERISK_VERSION, entity_id: ENTITY_ID },
      config: { name: '', default_language: 'en', setid: { user: '', group: '' } },
      status: { startup_time: ariTimestamp(pbx.startedMs), last_reload_time: ariTimestamp(pbx.lastReloadMs) },
    },
  }));
  r.add('GET', '/asterisk/ping', () => ({
    status: 200,
    body: { asterisk_id: ENTITY_ID, ping: 'pong', timestamp: ariTimestamp(pbx.now()) },
  }));
  r.add('GET', '/asterisk/variable', (req) => {
    const name = req.args['variable'];
    if (!name) throw new AriError(400, 'Variable name is required');
    return { status: 200, body: { value: pbx.globals.get(name) ?? '' } };
  });
}
