// Wires every /ari resource onto the router.
import type { Pbx } from '../core/pbx.js';
import type { Telephony } from '../core/calls.js';
import type { MediaCatalog } from '../core/media.js';
import type { DialplanRunner } from '../dialplan/run.js';
import type { Router } from './http.js';
import { registerChannelRoutes } from './channels.js';
import { registerRecordingRoutes } from './recordings.js';
import { registerResourceRoutes } from './resources.js';

export interface AriEndpoint {
  technology: string;
  resource: string;
  state: 'online' | 'offline' | 'unknown';
  channel_ids: string[];
}

export interface AriEnv {
  pbx: Pbx;
  tel: Telephony;
  runner: DialplanRunner;
  media: MediaCatalog;
  mohClasses: ReadonlySet<string>;
  endpoints(): AriEndpoint[];
}

export function registerRoutes(r: Router, env: AriEnv): void {
  registerChannelRoutes(r, env);
  registerRecordingRoutes(r, env);
  registerResourceRoutes(r, env);
}
