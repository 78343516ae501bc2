import express, { type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { authenticate, type VerifyToken } from './authenticate.js';
import { errorMiddleware, notFoundHandler } from './error-middleware.js';
import { requestRateLimit } from './request-rate-limit.js';
import { buildOpenApi, mountRoutes, type RouteSpec } from './route-spec.js';

export interface HealthReport {
  ok: boolean;
  [part: string]: unknown;
}

export interface ApiAppOptions {
  logger: Logger;
  metrics: Metrics;
  verifyToken: VerifyToken;
  routes: readonly RouteSpec[];
  health: () => Promise<HealthReport>;
  /** Routers mounted before the API (static desktop, prompt media). */
  extraRouters?: readonly { path: string; router: Router }[];
  version: string;
  /** Requests a minute per signed-in user, or per address without a valid token (default 600; CTI_API_RATE_LIMIT). */
  requestsPerMinute?: number;
}

export function createApiApp(options: ApiAppOptions): express.Express {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { defaultSrc: ["'self'"], connectSrc: ["'self'", 'ws:', 'wss:'], imgSrc: ["'self'", 'data:'] },
      },
    }),
  );
  app.use(
    pinoHttp({
      logger,
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url.split('?')[0] }) },
    }),
  );
  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: (req.route?.path as string | undefined) ?? 'unmatched', status: String(res.statusCode) }));
    next();
  });

  app.get('/healthz', async (_req, res) => {
    const report = await options.health();
    res.status(report.ok ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  const openApi = buildOpenApi(options.routes, { title: 'Affinity CTI server', version: options.version });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  for (const { path, router } of options.extraRouters ?? []) app.use(path, router);

  const api = express.Router();
  // Counted before the body is read, so a flood costs no JSON parsing.
  api.use(authenticate(options.verifyToken));
  api.use(requestRateLimit(options.requestsPerMinute));
  api.use(express.json({ limit: '100kb' }));
  mountRoutes(api, options.routes);
  app.use(api);

  app.use(notFoundHandler);
  app.use(errorMiddleware(logger));
  return app;
}
