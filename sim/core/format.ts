// How the model looks on each face: AMI key/value blocks and ARI JSON objects,
// with the field order of the recordings.
import type { Bridge, Channel, LiveRecording, PartyId, Playback } from './model.js';
import { CHANNEL_STATES } from './protocol.js';
import { ariTimestamp } from './clock.js';

export type AmiFields = Array<[string, string]>;

const unknown = (v: string): string => (v === '' ? '<unknown>' : v);

export function amiChannel(ch: Channel, prefix = ''): AmiFields {
  return [
    [`${prefix}Channel`, ch.name],
    [`${prefix}ChannelState`, String(CHANNEL_STATES[ch.state])],
    [`${prefix}ChannelStateDesc`, ch.state],
    [`${prefix}CallerIDNum`, unknown(ch.caller.num)],
    [`${prefix}CallerIDName`, unknown(ch.caller.name)],
    [`${prefix}ConnectedLineNum`, unknown(ch.connected.num)],
    [`${prefix}ConnectedLineName`, unknown(ch.connected.name)],
    [`${prefix}Language`, 'en'],
    [`${prefix}AccountCode`, ''],
    [`${prefix}Context`, ch.context],
    [`${prefix}Exten`, ch.exten],
    [`${prefix}Priority`, String(ch.priority)],
    [`${prefix}Uniqueid`, ch.id],
    [`${prefix}Linkedid`, ch.linkedid],
  ];
}

export function amiBridge(b: Bridge): AmiFields {
  return [
    ['BridgeUniqueid', b.id],
    ['BridgeType', 'stasis'],
    ['BridgeTechnology', 'simple_bridge'],
    ['BridgeCreator', 'Stasis'],
    ['BridgeName', unknown(b.name)],
    ['BridgeNumChannels', String(b.channels.length)],
    ['BridgeVideoSourceMode', 'talker'],
  ];
}

const party = (p: PartyId) => ({ name: p.name, number: p.num });

export interface AriChannelJson {
  id: string;
  name: string;
  state: string;
  protocol_id: string;
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  accountcode: string;
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  language: string;
}

export function ariChannel(ch: Channel): AriChannelJson {
  return {
    id: ch.id,
    name: ch.name,
    state: ch.state,
    protocol_id: '',
    caller: party(ch.caller),
    connected: party(ch.connected),
    accountcode: '',
    dialplan: {
      context: ch.context,
      exten: ch.exten,
      priority: ch.priority,
      app_name: ch.appName,
      app_data: ch.appData,
    },
    creationtime: ariTimestamp(ch.createdMs),
    language: 'en',
  };
}

export function ariBridge(b: Bridge) {
  return {
    id: b.id,
    technology: 'simple_bridge',
    bridge_type: b.type,
    bridge_class: 'stasis',
    creator: 'Stasis',
    name: b.name,
    channels: b.channels.map((c) => c.id),
    creationtime: ariTimestamp(b.createdMs),
    video_mode: 'talker',
  };
}

export function ariPlayback(p: Playback) {
  const media = p.mediaUris[Math.min(p.mediaIndex, p.mediaUris.length - 1)] ?? '';
  const json: Record<string, unknown> = { id: p.id, media_uri: media };
  if (p.mediaUris.length > 1) json['next_media_uri'] = p.mediaUris[p.mediaIndex + 1];
  json['target_uri'] = p.targetUri;
  json['language'] = p.language;
  json['state'] = p.state;
  if (json['next_media_uri'] === undefined) delete json['next_media_uri'];
  return json;
}

export function ariLiveRecording(r: LiveRecording) {
  return {
    name: r.name,
    format: r.format,
    state: r.state,
    target_uri: r.targetUri,
  };
}
