export { AmiClient, type AmiOriginateParams, type AmiOriginateResult } from './client.js';
export {
  AmiConnection,
  type AmiActionOptions,
  type AmiClientEvents,
  type AmiClientOptions,
  type AmiClientState,
  type AmiConnectedInfo,
  type AmiDisconnectedInfo,
  type AmiLoginFailedInfo,
  type AmiResult,
} from './connection.js';
export * from './errors.js';
export { AmiMessage, type AmiActionFields, type AmiField } from './message.js';
export { AmiFrameParser } from './framing.js';
export * from './protocol.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { createAsteriskClients, type AsteriskClients, type AsteriskClientsOptions } from './asterisk-clients.js';
