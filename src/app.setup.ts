import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import * as express from 'express';
import * as path from 'node:path';
import { SessionMiddleware } from './auth/session/session.middleware';
import { sendError } from './common/filters/error-page';
import { sendStoreUnavailable } from './common/filters/http-exception.filter';
import { isStoreUnavailable } from './persistence/store-unavailable';
import { accessLog } from './common/logging/access-log.middleware';
import { rejectDeepJson } from './common/http/json-depth';
import { requestsPerTurn } from './common/http/requests-per-turn';
import { helmetOptions, securityHeaders } from './common/http/security-headers';
import { AppConfig } from './config/app-config';
import { configureViews } from './common/view-engine';
import { OpenApiDocument } from './generation/openapi/openapi';

export const PUBLIC_DIR = path.join(__dirname, '..', 'public');
export const BODY_LIMIT = '100kb';

/**
 * Everything main.ts does to the app besides listening; e2e tests call it too, so they exercise the
 * same headers, parsers, sessions and views as production. Create the app with `bodyParser: false`.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get(AppConfig);
  app.disable('x-powered-by');
  // No SHA-1 ETag of every body: pages are per user and per session (CSRF tokens), authenticated ones are
  // `no-store`; static files keep serve-static's own ETag and Last-Modified (docs/DECISIONS.md).
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy ?? false);
  app.use(accessLog()); // first: every response is logged, whoever answers it
  app.use(requestsPerTurn()); // a busy process keeps accepting new connections (the log's durations include the wait)
  app.use(securityHeaders(helmetOptions(config.cookieSecure === true))); // helmet's headers, computed once
  app.useStaticAssets(PUBLIC_DIR, { prefix: '/static/', index: false, maxAge: '1h' });
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 200 }));
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(bodyParserErrors);
  app.use(rejectDeepJson); // urlencoded bodies are flat (extended: false); JSON ones may nest

  app.use(app.get(SessionMiddleware).handler);
  app.use(middlewareErrors); // the session store failing (postgres mode: the database is down)
  configureViews(app);
  app.get(OpenApiDocument, { strict: false }).build(app); // GET /api/openapi.json, from the controllers' metadata
  app.enableShutdownHooks();
  return app;
}

/** Body-parser failures happen before Nest's filters: answer them here with the same pages. */
function bodyParserErrors(
  err: Error & { status?: number; type?: string },
  req: express.Request,
  res: express.Response,
  next: express.NextFunction,
): void {
  if (!err) return next();
  const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 400;
  const message = status === 413 ? 'The request body is too large.' : 'The request body could not be read.';
  sendError(req, res, status, message);
}

const middlewareLogger = new Logger('Errors');

/**
 * Errors of the middleware mounted before Nest's routes (the session store's reads) never reach
 * HttpExceptionFilter: answer them here the same way, 503 when the store is unreachable, else 500.
 */
function middlewareErrors(err: unknown, req: express.Request, res: express.Response, next: express.NextFunction): void {
  if (!err) return next();
  if (isStoreUnavailable(err)) {
    sendStoreUnavailable(req, res, err, middlewareLogger);
    return;
  }
  middlewareLogger.error(err instanceof Error ? (err.stack ?? err.message) : JSON.stringify(err));
  sendError(req, res, 500, 'Something went wrong on our side. Please try again.');
}
