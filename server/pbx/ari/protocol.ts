// ARI protocol strings, named once. Values as Asterisk 22 sends them
// (../shared/asterisk/capture/*.jsonl); other modules import these names.

export const ARI_EVENTS = {
  StasisStart: 'StasisStart',
  StasisEnd: 'StasisEnd',
  ChannelStateChange: 'ChannelStateChange',
  ChannelDtmfReceived: 'ChannelDtmfReceived',
  ChannelHangupRequest: 'ChannelHangupRequest',
  ChannelDestroyed: 'ChannelDestroyed',
  ChannelVarset: 'ChannelVarset',
  ChannelDialplan: 'ChannelDialplan',
  ChannelCallerId: 'ChannelCallerId',
  ChannelConnectedLine: 'ChannelConnectedLine',
  ChannelEnteredBridge: 'ChannelEnteredBridge',
  ChannelLeftBridge: 'ChannelLeftBridge',
  BridgeDestroyed: 'BridgeDestroyed',
  PlaybackStarted: 'PlaybackStarted',
  PlaybackFinished: 'PlaybackFinished',
  RecordingStarted: 'RecordingStarted',
  RecordingFinished: 'RecordingFinished',
  RecordingFailed: 'RecordingFailed',
  Dial: 'Dial',
  DeviceStateChanged: 'DeviceStateChanged',
  ApplicationReplaced: 'ApplicationReplaced',
} as const;
export type AriEventType = (typeof ARI_EVENTS)[keyof typeof ARI_EVENTS];

/** Channel `state` as ARI spells it. */
export const ARI_CHANNEL_STATES = {
  Down: 'Down',
  Rsrvd: 'Rsrvd',
  OffHook: 'OffHook',
  Dialing: 'Dialing',
  Ring: 'Ring',
  Ringing: 'Ringing',
  Up: 'Up',
  Busy: 'Busy',
  DialingOffhook: 'Dialing Offhook',
  PreRing: 'Pre-ring',
  Unknown: 'Unknown',
} as const;
export type AriChannelState = (typeof ARI_CHANNEL_STATES)[keyof typeof ARI_CHANNEL_STATES];

/** Q.850 hangup causes seen in ChannelHangupRequest / ChannelDestroyed and AMI Hangup. */
export const HANGUP_CAUSES = {
  /** The far Local half hung up; also the busy `;1` half. */
  Unknown: 0,
  Unallocated: 1,
  NormalClearing: 16,
  UserBusy: 17,
  NoUserResponse: 18,
  /** "User alerting, no answer": ring timeout. */
  NoAnswer: 19,
  CallRejected: 21,
  NormalUnspecified: 31,
  /** What ChannelHangupRequest reports for a hangup requested through ARI DELETE. */
  AriRequested: 32,
  NormalCircuitCongestion: 34,
  NetworkOutOfOrder: 38,
} as const;

/** `reason` values of DELETE /channels/{id}. */
export const ARI_HANGUP_REASONS = {
  normal: 'normal',
  busy: 'busy',
  congestion: 'congestion',
  noAnswer: 'no_answer',
  timeout: 'timeout',
  rejected: 'rejected',
  unallocated: 'unallocated',
  normalUnspecified: 'normal_unspecified',
  numberIncomplete: 'number_incomplete',
  codecMismatch: 'codec_mismatch',
  interworking: 'interworking',
  failure: 'failure',
  answeredElsewhere: 'answered_elsewhere',
} as const;
export type AriHangupReason = (typeof ARI_HANGUP_REASONS)[keyof typeof ARI_HANGUP_REASONS];

export const PLAYBACK_STATES = {
  queued: 'queued',
  playing: 'playing',
  continuing: 'continuing',
  done: 'done',
  failed: 'failed',
} as const;

export const RECORDING_STATES = {
  queued: 'queued',
  recording: 'recording',
  paused: 'paused',
  done: 'done',
  failed: 'failed',
  canceled: 'canceled',
} as const;

/** `dialstatus` of Dial events (empty while the dial is in progress). */
export const DIAL_STATUSES = {
  inProgress: '',
  RINGING: 'RINGING',
  ANSWER: 'ANSWER',
  BUSY: 'BUSY',
  NOANSWER: 'NOANSWER',
  CANCEL: 'CANCEL',
  CONGESTION: 'CONGESTION',
  CHANUNAVAIL: 'CHANUNAVAIL',
  PROGRESS: 'PROGRESS',
} as const;

export const BRIDGE_TYPES = { mixing: 'mixing', holding: 'holding', dtmfEvents: 'dtmf_events', proxyMedia: 'proxy_media' } as const;

/** Error bodies: `{"message": ...}`, except allocation failures: `{"error": "Allocation failed"}`. */
export const ARI_MESSAGES = {
  ChannelNotFound: 'Channel not found',
  BridgeNotFound: 'Bridge not found',
  PlaybackNotFound: 'Playback not found',
  RecordingNotFound: 'Recording not found',
  ApplicationNotFound: 'Application not found',
  ChannelNotInStasis: 'Channel not in Stasis application',
  ChannelNotDown: "Channel is not in the 'Down' state",
  AllocationFailed: 'Allocation failed',
  AuthenticationRequired: 'Authentication required',
} as const;
