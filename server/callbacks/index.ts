// The callback engine's public surface for the composition root and the REST routes.
export { startCallbackEngine, type CallbackEngine, type CallbackEngineOptions, type CallbackTelephony } from './engine.js';
export { callbackServiceFor, type CallbackServiceDeps } from './callback-service-registry.js';
export { CallbackService, PLANNED_CALLBACK_REASONS, type ManualCallback, type SupervisorPatch, type AbandonCapture } from './callback-service.js';
export type { CallbackChange, CallbackDesktop } from './callback-changes.js';
export { callbackLegArgs, CALLBACK_LEGS } from './callback-legs.js';
