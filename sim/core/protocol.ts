// Protocol vocabulary shared by the AMI and ARI faces: every string Asterisk puts on
// the wire is named here once.

export const CHANNEL_STATES = {
  Down: 0,
  Rsrvd: 1,
  OffHook: 2,
  Dialing: 3,
  Ring: 4,
  Ringing: 5,
  Up: 6,
  Busy: 7,
} as const;
export type ChannelStateName = keyof typeof CHANNEL_STATES;

export const CAUSES = {
  unknown: 0,
  normal: 16,
  busy: 17,
  noAnswer: 19,
  subscriberAbsent: 20,
  rejected: 21,
  congestion: 34,
  softRequest: 32,
} as const;

export const CAUSE_TEXT: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  20: 'Subscriber absent',
  21: 'Call Rejected',
  32: 'Circuit/channel congestion',
  34: 'Circuit/channel congestion',
};

/** ARI hangup `reason` values mapped to Q.850 causes as res_ari_channels does. */
export const ARI_HANGUP_REASONS: Readonly<Record<string, number>> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 19,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

export const DEVICE_STATES = {
  unknown: 'UNKNOWN',
  notInUse: 'NOT_INUSE',
  inUse: 'INUSE',
  busy: 'BUSY',
  invalid: 'INVALID',
  unavailable: 'UNAVAILABLE',
  ringing: 'RINGING',
  ringInUse: 'RINGINUSE',
  onHold: 'ONHOLD',
} as const;
export type DeviceState = (typeof DEVICE_STATES)[keyof typeof DEVICE_STATES];

/** ExtensionStatus codes and texts for a hint's device state. */
export const EXTENSION_STATUS: Readonly<Record<string, readonly [number, string]>> = {
  NOT_INUSE: [0, 'Idle'],
  INUSE: [1, 'InUse'],
  BUSY: [2, 'Busy'],
  UNAVAILABLE: [4, 'Unavailable'],
  INVALID: [4, 'Unavailable'],
  RINGING: [8, 'Ringing'],
  RINGINUSE: [9, 'InUse&Ringing'],
  ONHOLD: [16, 'Hold'],
  UNKNOWN: [-1, 'Unknown'],
};

export const DIAL_STATUS = {
  none: '',
  ringing: 'RINGING',
  answer: 'ANSWER',
  busy: 'BUSY',
  noAnswer: 'NOANSWER',
  chanUnavail: 'CHANUNAVAIL',
  congestion: 'CONGESTION',
  cancel: 'CANCEL',
} as const;

export const AMI_PRIVILEGE = {
  call: 'call,all',
  dialplan: 'dialplan,all',
  system: 'system,all',
  security: 'security,all',
  agent: 'agent,all',
} as const;

export const STASIS_STATUS = { variable: 'STASISSTATUS', success: 'SUCCESS', failed: 'FAILED' } as const;
export const BRIDGEPEER = 'BRIDGEPEER';
export const ASTERISK_VERSION = '22.10.1';
export const AMI_BANNER = 'Asterisk Call Manager/11.0.0';
export const ENTITY_ID = '02:fc:00:00:00:01';
