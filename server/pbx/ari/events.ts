// Typed ARI events. Known types are validated into their typed form; an unknown type is
// passed on as an AriOtherEvent (never a crash, unlike ari-client); a known type whose
// body does not match is reported as invalid so the socket can log and skip it.
import { z } from 'zod';
import {
  BridgeSchema,
  ChannelSchema,
  DeviceStateSchema,
  LiveRecordingSchema,
  PlaybackSchema,
} from './models.js';
import { ARI_EVENTS } from './protocol.js';

const base = {
  timestamp: z.string().optional(),
  application: z.string(),
  asterisk_id: z.string().optional(),
};

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.looseObject({ type: z.literal(type), ...base, ...shape });

const channelEvent = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  event(type, { channel: ChannelSchema, ...shape });

export const StasisStartSchema = channelEvent(ARI_EVENTS.StasisStart, {
  /** The `Stasis(app,arg1,arg2)` arguments, or `appArgs` of an ARI originate, split on commas. */
  args: z.array(z.string()),
  replace_channel: ChannelSchema.optional(),
});
export const StasisEndSchema = channelEvent(ARI_EVENTS.StasisEnd, {});
export const ChannelStateChangeSchema = channelEvent(ARI_EVENTS.ChannelStateChange, {});
export const ChannelDtmfReceivedSchema = channelEvent(ARI_EVENTS.ChannelDtmfReceived, {
  digit: z.string(),
  duration_ms: z.number(),
});
export const ChannelHangupRequestSchema = channelEvent(ARI_EVENTS.ChannelHangupRequest, {
  cause: z.number().optional(),
  soft: z.boolean().optional(),
});
export const ChannelDestroyedSchema = channelEvent(ARI_EVENTS.ChannelDestroyed, {
  cause: z.number(),
  cause_txt: z.string(),
});
export const ChannelVarsetSchema = event(ARI_EVENTS.ChannelVarset, {
  variable: z.string(),
  value: z.string(),
  /** Absent for global variables. */
  channel: ChannelSchema.optional(),
});
export const ChannelDialplanSchema = channelEvent(ARI_EVENTS.ChannelDialplan, {
  dialplan_app: z.string(),
  dialplan_app_data: z.string(),
});
export const ChannelCallerIdSchema = channelEvent(ARI_EVENTS.ChannelCallerId, {
  caller_presentation: z.number(),
  caller_presentation_txt: z.string(),
});
export const ChannelConnectedLineSchema = channelEvent(ARI_EVENTS.ChannelConnectedLine, {});
export const ChannelEnteredBridgeSchema = event(ARI_EVENTS.ChannelEnteredBridge, {
  bridge: BridgeSchema,
  channel: ChannelSchema,
});
export const ChannelLeftBridgeSchema = event(ARI_EVENTS.ChannelLeftBridge, { bridge: BridgeSchema, channel: ChannelSchema });
export const BridgeDestroyedSchema = event(ARI_EVENTS.BridgeDestroyed, { bridge: BridgeSchema });
export const PlaybackStartedSchema = event(ARI_EVENTS.PlaybackStarted, { playback: PlaybackSchema });
export const PlaybackFinishedSchema = event(ARI_EVENTS.PlaybackFinished, { playback: PlaybackSchema });
export const RecordingStartedSchema = event(ARI_EVENTS.RecordingStarted, { recording: LiveRecordingSchema });
export const RecordingFinishedSchema = event(ARI_EVENTS.RecordingFinished, { recording: LiveRecordingSchema });
export const RecordingFailedSchema = event(ARI_EVENTS.RecordingFailed, { recording: LiveRecordingSchema });
export const DialSchema = event(ARI_EVENTS.Dial, {
  /** See DIAL_STATUSES; empty while the dial is in progress. */
  dialstatus: z.string(),
  peer: ChannelSchema,
  caller: ChannelSchema.optional(),
  forward: z.string().optional(),
  forwarded: ChannelSchema.optional(),
  dialstring: z.string().optional(),
});
export const DeviceStateChangedSchema = event(ARI_EVENTS.DeviceStateChanged, { device_state: DeviceStateSchema });
export const ApplicationReplacedSchema = event(ARI_EVENTS.ApplicationReplaced, {});

export const AriEventSchema = z.discriminatedUnion('type', [
  StasisStartSchema,
  StasisEndSchema,
  ChannelStateChangeSchema,
  ChannelDtmfReceivedSchema,
  ChannelHangupRequestSchema,
  ChannelDestroyedSchema,
  ChannelVarsetSchema,
  ChannelDialplanSchema,
  ChannelCallerIdSchema,
  ChannelConnectedLineSchema,
  ChannelEnteredBridgeSchema,
  ChannelLeftBridgeSchema,
  BridgeDestroyedSchema,
  PlaybackStartedSchema,
  PlaybackFinishedSchema,
  RecordingStartedSchema,
  RecordingFinishedSchema,
  RecordingFailedSchema,
  DialSchema,
  DeviceStateChangedSchema,
  ApplicationReplacedSchema,
]);

/** Every event type this client knows, narrowed by `switch (event.type)`. */
export type AriEvent = z.infer<typeof AriEventSchema>;
/** The member of AriEvent with the given `type`. */
export type AriEventOf<T extends AriEvent['type']> = Extract<AriEvent, { type: T }>;

export type StasisStartEvent = AriEventOf<'StasisStart'>;
export type StasisEndEvent = AriEventOf<'StasisEnd'>;
export type ChannelDtmfReceivedEvent = AriEventOf<'ChannelDtmfReceived'>;
export type ChannelDestroyedEvent = AriEventOf<'ChannelDestroyed'>;
export type PlaybackFinishedEvent = AriEventOf<'PlaybackFinished'>;
export type DialEvent = AriEventOf<'Dial'>;

/** An event of a type this client does not model, passed through untouched. */
export interface AriOtherEvent {
  type: string;
  application?: string;
  timestamp?: string;
  [key: string]: unknown;
}

export type ParsedAriMessage =
  | { kind: 'event'; event: AriEvent }
  | { kind: 'other'; event: AriOtherEvent }
  | { kind: 'invalid'; reason: string };

const KNOWN_TYPES = new Set<string>(Object.values(ARI_EVENTS));

/** Parses one WebSocket text message. Never throws. */
export function parseAriMessage(text: string): ParsedAriMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  return classifyAriEvent(raw);
}

/** Classifies an already-decoded message. Never throws. */
export function classifyAriEvent(raw: unknown): ParsedAriMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { kind: 'invalid', reason: 'not a JSON object' };
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || type === '') return { kind: 'invalid', reason: 'no "type"' };
  if (!KNOWN_TYPES.has(type)) return { kind: 'other', event: raw as AriOtherEvent };
  const parsed = AriEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', reason: `${type}: ${issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'invalid'}` };
  }
  return { kind: 'event', event: parsed.data };
}
