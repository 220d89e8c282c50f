// The HTTP service: codejail-service's API (/api/v0/code-exec, /health/), the native JSON API
// (/api/v1/jail_code, /api/v1/safe_exec), /metrics, the OpenAPI document and, when configured,
// the playground. createApp assembles them; it does not listen (main.ts does).
import express, { type Request, type Response } from 'express';
import type { Config } from '../config/config.js';
import type { JailService } from '../jail/types.js';
import { createAuthenticator, requireAuth } from './auth.js';
import { codejailServiceApi } from './codejailServiceApi.js';
import { errorHandler, sendError } from './errors.js';
import type { HealthState } from './health.js';
import { createMetrics, type Metrics } from './metrics.js';
import { nativeApi } from './nativeApi.js';
import { operationsApi } from './operationsApi.js';
import { playgroundRouter } from './playground.js';
import { createLogger, type Logger } from './logger.js';
import { endpoint, requestLog, requestRecorder } from './requestInfo.js';

export { HttpError } from './errors.js';

export interface AppOptions {
  jail: JailService;
  config: Config;
  health: HealthState;
  /** Where request lines and internal errors (with their stacks) go (default: createLogger()). */
  logger?: Logger;
  metrics?: Metrics;
  /** Image names offered by the playground, default first. */
  images?: string[];
}

export type App = express.Express & { metrics: Metrics };

export function createApp(opts: AppOptions): App {
  const { jail, config, health } = opts;
  const logger = opts.logger ?? createLogger();
  const metrics = opts.metrics ?? createMetrics(jail);
  const auth = createAuthenticator(config.auth);
  const authorised = requireAuth(auth, (res, message) => sendError(res, 401, message, 'unauthorized'));

  const app = express() as App;
  app.metrics = metrics;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestRecorder({ metrics }));
  app.use(requestLog({ logger, logCode: config.logCode }));
  app.use(codejailServiceApi({ jail, config, health, metrics, requireAuth: authorised }));
  app.use(nativeApi({ jail, config, health, metrics, requireAuth: authorised }));
  app.use(operationsApi({ metrics }));
  if (config.playground) {
    app.use('/playground', endpoint('playground'));
    app.use(playgroundRouter({
      jail, images: opts.images ?? [], legacy: config.playgroundLegacy, requireAuth: authorised, maxBodyBytes: config.maxBodyBytes,
    }));
  }

  // Known paths with the wrong method (DRF answers 405 too).
  app.all(['/api/v0/code-exec', '/api/v1/jail_code', '/api/v1/safe_exec', '/metrics', '/api/openapi.json', '/health/'], (req: Request, res: Response) => {
    sendError(res, 405, `Method "${req.method}" not allowed.`, 'method_not_allowed');
  });
  app.use((_req: Request, res: Response) => {
    sendError(res, 404, 'not found', 'not_found');
  });
  app.use(errorHandler({ maxBodyBytes: config.maxBodyBytes }));
  return app;
}
