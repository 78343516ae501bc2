import type { ApiDeps } from '../deps.js';
import type { RouteSpec } from '../route-spec.js';
import { advisorRoutes } from './advisors-routes.js';
import { authRoutes } from './auth-routes.js';
import { callbackRoutes } from './callbacks-routes.js';
import { callRoutes } from './calls-routes.js';
import { memberRoutes } from './members-routes.js';
import { allocationRoutes } from './allocation-routes.js';
import { desktopRoutes } from './desktop-routes.js';
import { statsRoutes } from './stats-routes.js';
import { userRoutes } from './users-routes.js';

export function apiRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    ...authRoutes(deps), ...memberRoutes(deps), ...advisorRoutes(deps), ...callRoutes(deps), ...callbackRoutes(deps),
    ...allocationRoutes(deps),
    ...desktopRoutes(deps),
    ...statsRoutes(deps),
    ...userRoutes(deps),
  ];
}
