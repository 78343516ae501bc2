// AMI protocol strings, named once. Values are exactly what Asterisk 22 puts on the
// wire (see ../shared/asterisk/capture/ami-*.raw); other modules import these names
// instead of spelling the strings again.

export const AMI_ACTIONS = {
  Login: 'Login',
  Logoff: 'Logoff',
  Ping: 'Ping',
  Originate: 'Originate',
  Hangup: 'Hangup',
  Getvar: 'Getvar',
  Setvar: 'Setvar',
  Command: 'Command',
  CoreShowChannels: 'CoreShowChannels',
  DeviceStateList: 'DeviceStateList',
  ExtensionStateList: 'ExtensionStateList',
  PlayDTMF: 'PlayDTMF',
  Redirect: 'Redirect',
  QueueStatus: 'QueueStatus',
  QueueSummary: 'QueueSummary',
  QueueAdd: 'QueueAdd',
  QueueRemove: 'QueueRemove',
  QueuePause: 'QueuePause',
} as const;
export type AmiActionName = (typeof AMI_ACTIONS)[keyof typeof AMI_ACTIONS];

export const AMI_EVENTS = {
  FullyBooted: 'FullyBooted',
  SuccessfulAuth: 'SuccessfulAuth',
  Shutdown: 'Shutdown',
  DeviceStateChange: 'DeviceStateChange',
  DeviceStateListComplete: 'DeviceStateListComplete',
  ExtensionStatus: 'ExtensionStatus',
  ExtensionStateListComplete: 'ExtensionStateListComplete',
  CoreShowChannel: 'CoreShowChannel',
  CoreShowChannelsComplete: 'CoreShowChannelsComplete',
  OriginateResponse: 'OriginateResponse',
  Newchannel: 'Newchannel',
  Newstate: 'Newstate',
  Newexten: 'Newexten',
  NewCallerid: 'NewCallerid',
  NewConnectedLine: 'NewConnectedLine',
  LocalBridge: 'LocalBridge',
  DialBegin: 'DialBegin',
  DialEnd: 'DialEnd',
  Hangup: 'Hangup',
  HangupRequest: 'HangupRequest',
  SoftHangupRequest: 'SoftHangupRequest',
  VarSet: 'VarSet',
  BridgeCreate: 'BridgeCreate',
  BridgeDestroy: 'BridgeDestroy',
  BridgeEnter: 'BridgeEnter',
  BridgeLeave: 'BridgeLeave',
  QueueCallerJoin: 'QueueCallerJoin',
  QueueCallerLeave: 'QueueCallerLeave',
  QueueCallerAbandon: 'QueueCallerAbandon',
  AgentCalled: 'AgentCalled',
  AgentConnect: 'AgentConnect',
  AgentComplete: 'AgentComplete',
  AgentRingNoAnswer: 'AgentRingNoAnswer',
} as const;
export type AmiEventName = (typeof AMI_EVENTS)[keyof typeof AMI_EVENTS];

/** Header names the client itself reads or writes. */
export const AMI_KEYS = {
  Action: 'Action',
  ActionID: 'ActionID',
  Response: 'Response',
  Event: 'Event',
  Message: 'Message',
  EventList: 'EventList',
  ListItems: 'ListItems',
  Username: 'Username',
  Secret: 'Secret',
  Events: 'Events',
  Output: 'Output',
  Channel: 'Channel',
  Variable: 'Variable',
  Value: 'Value',
  Device: 'Device',
  State: 'State',
  Status: 'Status',
  Hint: 'Hint',
  Exten: 'Exten',
  Context: 'Context',
  Reason: 'Reason',
  Uniqueid: 'Uniqueid',
  Cause: 'Cause',
  Async: 'Async',
} as const;

export const AMI_RESPONSES = {
  Success: 'Success',
  Error: 'Error',
  Follows: 'Follows',
  Goodbye: 'Goodbye',
} as const;

export const AMI_EVENT_LIST = { start: 'start', Complete: 'Complete' } as const;

/** OriginateResponse `Response:` values. */
export const ORIGINATE_RESULTS = { Success: 'Success', Failure: 'Failure' } as const;

/** OriginateResponse `Reason:` codes (Asterisk's AST_CONTROL_* outcome of the dial). */
export const ORIGINATE_REASONS = {
  0: 'failed',
  1: 'hung up',
  3: 'ring timeout',
  4: 'answered',
  5: 'busy',
  8: 'congestion',
} as const satisfies Record<number, string>;

/** Numeric `ChannelState` of AMI channel events, with its `ChannelStateDesc`. */
export const AMI_CHANNEL_STATES = {
  0: 'Down',
  1: 'Rsrvd',
  2: 'OffHook',
  3: 'Dialing',
  4: 'Ring',
  5: 'Ringing',
  6: 'Up',
  7: 'Busy',
  8: 'Dialing Offhook',
  9: 'Pre-ring',
  10: 'Unknown',
} as const satisfies Record<number, string>;

/** Device states as DeviceStateChange `State:` spells them. */
export const DEVICE_STATES = {
  UNKNOWN: 'UNKNOWN',
  NOT_INUSE: 'NOT_INUSE',
  INUSE: 'INUSE',
  BUSY: 'BUSY',
  INVALID: 'INVALID',
  UNAVAILABLE: 'UNAVAILABLE',
  RINGING: 'RINGING',
  RINGINUSE: 'RINGINUSE',
  ONHOLD: 'ONHOLD',
} as const;
export type DeviceStateName = (typeof DEVICE_STATES)[keyof typeof DEVICE_STATES];

/** ExtensionStatus `Status:` codes (bit flags; 9 and 17 are combinations). */
export const EXTENSION_STATUS = {
  Removed: -2,
  Deleted: -1,
  Idle: 0,
  InUse: 1,
  Busy: 2,
  Unavailable: 4,
  Ringing: 8,
  InUseRinging: 9,
  Hold: 16,
  InUseHold: 17,
} as const;

/** The banner's prefix; the version after the slash is the AMI protocol version. */
export const AMI_BANNER_PREFIX = 'Asterisk Call Manager/';

/** Login `Message:` on success, and the one Asterisk sends for a wrong user or secret. */
export const AMI_MESSAGES = {
  AuthenticationAccepted: 'Authentication accepted',
  AuthenticationFailed: 'Authentication failed',
  OriginateQueued: 'Originate successfully queued',
  NoSuchChannel: 'No such channel',
} as const;
