// Turns AMI frames and ARI events into per-channel timelines of normalised lines,
// so a recording and a simulator run can be compared event by event.
import { get, type AriMessage, type Frame } from './clients.js';
import { normaliseAmiValue, normaliseAri, normaliseChannelName, substituteTokens } from './capture.js';

/** The AMI events the simulator models; the rest (queue member status, connected-line chatter) are left out. */
export const AMI_COMPARED = new Set([
  'Newchannel',
  'Newstate',
  'Newexten',
  'NewCallerid',
  'LocalBridge',
  'DialBegin',
  'DialState',
  'DialEnd',
  'VarSet',
  'BridgeCreate',
  'BridgeEnter',
  'BridgeLeave',
  'BridgeDestroy',
  'HangupRequest',
  'SoftHangupRequest',
  'Hangup',
  'OriginateResponse',
  'DTMFBegin',
  'DTMFEnd',
  'MusicOnHoldStart',
  'MusicOnHoldStop',
  'DeviceStateChange',
  'FullyBooted',
]);

function amiKey(f: Frame): string {
  const event = get(f, 'Event') ?? '';
  if (event === 'DeviceStateChange') return `device ${get(f, 'Device') ?? ''}`;
  if (event === 'OriginateResponse') return `originate ${get(f, 'ActionID') ?? ''}`;
  if (event.startsWith('Bridge') && !get(f, 'Channel')) return `bridge ${get(f, 'BridgeUniqueid') ?? ''}`;
  const ch = get(f, 'Channel') ?? get(f, 'DestChannel') ?? get(f, 'LocalOneChannel') ?? '';
  return `channel ${normaliseChannelName(ch)}`;
}

export function amiLine(f: Frame, toRecorded: ReadonlyMap<string, string> = new Map()): string {
  return f.map(([k, v]) => `${k}=${normaliseAmiValue(k, substituteTokens(v, toRecorded))}`).join(' | ');
}

export function amiTimelines(frames: Frame[], toRecorded: ReadonlyMap<string, string> = new Map()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of frames) {
    const event = get(raw, 'Event');
    if (!event || !AMI_COMPARED.has(event)) continue;
    if (get(raw, 'ActionID') && event !== 'OriginateResponse') continue;
    const f = raw.map(([k, v]): [string, string] => [k, substituteTokens(v, toRecorded)]);
    const key = amiKey(f);
    const list = out.get(key) ?? [];
    list.push(amiLine(f));
    out.set(key, list);
  }
  return out;
}

/** Responses (and list items) by ActionID, normalised. */
export function amiResponses(frames: Frame[], toRecorded: ReadonlyMap<string, string> = new Map()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of frames) {
    const id = get(f, 'ActionID');
    if (!id || get(f, 'Event') === 'OriginateResponse') continue;
    const list = out.get(id) ?? [];
    list.push(amiLine(f, toRecorded));
    out.set(id, list);
  }
  return out;
}

const ARI_CHANNEL_OF = (e: AriMessage): string => {
  const ch = (e['channel'] ?? e['peer']) as { name?: string } | undefined;
  if (ch?.name) return `channel ${normaliseChannelName(ch.name)}`;
  const pb = e['playback'] as { id?: string } | undefined;
  if (pb?.id) return `playback ${pb.id}`;
  const rec = e['recording'] as { name?: string } | undefined;
  if (rec?.name) return `recording ${rec.name}`;
  const br = e['bridge'] as { id?: string } | undefined;
  return `bridge ${br?.id ?? ''}`;
};

export function ariLine(e: AriMessage, toRecorded: ReadonlyMap<string, string> = new Map()): string {
  const mapped = JSON.parse(substituteTokens(JSON.stringify(e), toRecorded)) as AriMessage;
  return JSON.stringify(normaliseAri(mapped));
}

export function ariTimelines(events: AriMessage[], toRecorded: ReadonlyMap<string, string> = new Map()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of events) {
    const mapped = JSON.parse(substituteTokens(JSON.stringify(e), toRecorded)) as AriMessage;
    const key = ARI_CHANNEL_OF(mapped);
    const list = out.get(key) ?? [];
    list.push(ariLine(mapped));
    out.set(key, list);
  }
  return out;
}

export const asObject = (m: Map<string, string[]>): Record<string, string[]> => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
