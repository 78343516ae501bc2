export {
  DeviceStateTracker,
  liveUpdate,
  type DeviceStateTrackerEvents,
  type DeviceStateTrackerOptions,
  type PhoneStateChange,
} from './tracker.js';
export { combinePhoneStates, deviceForEndpoint, phoneStateFromDeviceState, phoneStateFromExtensionStatus } from './phone-state.js';
