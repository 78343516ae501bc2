// ARI resource shapes as Asterisk 22 returns them. Loose objects: fields Asterisk adds
// in later versions pass through; the fields we rely on are checked.
import { z } from 'zod';

const CallerIdSchema = z.looseObject({ name: z.string(), number: z.string() });

const DialplanSchema = z.looseObject({
  context: z.string(),
  exten: z.string(),
  priority: z.number(),
  app_name: z.string().optional(),
  app_data: z.string().optional(),
});

export const ChannelSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  /** See ARI_CHANNEL_STATES. */
  state: z.string(),
  protocol_id: z.string().optional(),
  caller: CallerIdSchema,
  connected: CallerIdSchema,
  accountcode: z.string().optional(),
  dialplan: DialplanSchema,
  creationtime: z.string(),
  language: z.string().optional(),
  channelvars: z.record(z.string(), z.string()).optional(),
});
export type AriChannel = z.infer<typeof ChannelSchema>;

export const BridgeSchema = z.looseObject({
  id: z.string(),
  technology: z.string(),
  bridge_type: z.string(),
  bridge_class: z.string(),
  creator: z.string(),
  name: z.string(),
  channels: z.array(z.string()),
  creationtime: z.string().optional(),
  video_mode: z.string().optional(),
});
export type AriBridge = z.infer<typeof BridgeSchema>;

export const PlaybackSchema = z.looseObject({
  id: z.string(),
  media_uri: z.string(),
  next_media_uri: z.string().optional(),
  target_uri: z.string(),
  language: z.string().optional(),
  /** See PLAYBACK_STATES. */
  state: z.string(),
});
export type AriPlayback = z.infer<typeof PlaybackSchema>;

export const LiveRecordingSchema = z.looseObject({
  name: z.string(),
  format: z.string(),
  /** See RECORDING_STATES. */
  state: z.string(),
  target_uri: z.string(),
  duration: z.number().optional(),
  talking_duration: z.number().optional(),
  silence_duration: z.number().optional(),
  cause: z.string().optional(),
});
export type AriLiveRecording = z.infer<typeof LiveRecordingSchema>;

export const StoredRecordingSchema = z.looseObject({ name: z.string(), format: z.string() });
export type AriStoredRecording = z.infer<typeof StoredRecordingSchema>;

export const EndpointSchema = z.looseObject({
  technology: z.string(),
  resource: z.string(),
  state: z.string().optional(),
  channel_ids: z.array(z.string()),
});
export type AriEndpoint = z.infer<typeof EndpointSchema>;

export const ApplicationSchema = z.looseObject({
  name: z.string(),
  channel_ids: z.array(z.string()),
  bridge_ids: z.array(z.string()),
  endpoint_ids: z.array(z.string()),
  device_names: z.array(z.string()),
  events_allowed: z.array(z.unknown()).optional(),
  events_disallowed: z.array(z.unknown()).optional(),
});
export type AriApplication = z.infer<typeof ApplicationSchema>;

export const AsteriskInfoSchema = z.looseObject({
  build: z.looseObject({ os: z.string(), kernel: z.string(), machine: z.string() }).partial().optional(),
  system: z.looseObject({ version: z.string(), entity_id: z.string() }).partial().optional(),
  config: z.looseObject({ name: z.string(), default_language: z.string() }).partial().optional(),
  status: z.looseObject({ startup_time: z.string(), last_reload_time: z.string() }).partial().optional(),
});
export type AriAsteriskInfo = z.infer<typeof AsteriskInfoSchema>;

export const VariableSchema = z.looseObject({ value: z.string() });

export const DeviceStateSchema = z.looseObject({ name: z.string(), state: z.string() });
export type AriDeviceState = z.infer<typeof DeviceStateSchema>;
