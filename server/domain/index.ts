// The domain's public surface: pure decisions over snapshots, no I/O, no clock reads.
export * from './model.js';
export * from './phone.js';
export * from './session.js';
export * from './tiers.js';
export * from './presence.js';
export * from './expected-wait.js';
export * from './pool-staffing.js';
export * from './route.js';
export * from './local-time.js';
export * from './pacing.js';
export * from './callback-ladder.js';
export * from './dispatch.js';
export * from './retry.js';
export * from './lifecycle.js';
export * from './allocation.js';
export * from './settings.js';
