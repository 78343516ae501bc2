// One CallbackService per store: the REST routes (built before telephony) and the engine
// (started after it) must announce through the same emitter, so `callbacks:changed`
// reaches the desktops whichever side made the change.
import type { Config } from '../config/config.js';
import type { Logger } from '../shared/logger.js';
import { CallbackService, type CallbackServiceStore } from './callback-service.js';

export { CallbackService } from './callback-service.js';

const services = new WeakMap<object, CallbackService>();

export interface CallbackServiceDeps {
  store: CallbackServiceStore;
  config: Pick<Config, 'callbacks'>;
  logger: Logger;
  now: () => number;
}

/** The service of this store's callback queue, created on first use. */
export function callbackServiceFor(deps: CallbackServiceDeps): CallbackService {
  const key = deps.store.callbacks;
  let service = services.get(key);
  if (!service) {
    service = new CallbackService(deps);
    services.set(key, service);
  }
  return service;
}
