export { AriClient, type AriClientOptions } from './client.js';
export {
  AriEventSocket,
  type AriClientEvents,
  type AriConnectedInfo,
  type AriDisconnectedInfo,
  type AriEventSocketOptions,
  type AriSocketState,
} from './event-socket.js';
export type {
  AriContinueParams,
  AriCreateParams,
  AriDtmfOptions,
  AriOriginateParams,
  AriPlayOptions,
  AriRecordParams,
} from './channels.js';
export type { AriAddChannelOptions, AriBridgeCreateParams } from './bridges.js';
export * from './errors.js';
export * from './events.js';
export * from './models.js';
export * from './protocol.js';
