import { Logger, LoggerService } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { StructuredMessage } from './quiet-logger';

export const ACCESS_LOG_CONTEXT = 'Access';

/**
 * The request's path as it may be logged: never the query string (reset and setup tokens, invite
 * codes travel there), and an invite code in a path (`/admin/invites/<code>/revoke`) cut to the same
 * 4-character hint the audit log keeps.
 */
export function loggablePath(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  return path.replace(/^(\/admin\/invites\/)([^/]+)/, (_, prefix: string, code: string) =>
    code.length > 4 ? `${prefix}${code.slice(0, 4)}…` : `${prefix}${code}`,
  );
}

/**
 * One access-log line per request (SPEC §10): method, path without the query string, status,
 * milliseconds, user id or `-`. Installed first in configureApp, so static files, 404s, body-parser
 * errors and redirects are logged too. Written when the response finishes, or when the connection
 * closes before it could (then marked `aborted`); `req.user` is set by later middleware and read then.
 * Nothing else of the request is read: no query string, cookie, header, token or form field.
 */
export function accessLog(logger: LoggerService = new Logger(ACCESS_LOG_CONTEXT)): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const method = req.method;
    const path = loggablePath(req.originalUrl ?? req.url);
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      const aborted = !res.writableFinished;
      const user = req.user?.id ?? '-';
      const text = `${method} ${path} ${res.statusCode} ${ms}ms ${user}${aborted ? ' aborted' : ''}`;
      const fields = { method, path, status: res.statusCode, ms, user, ...(aborted ? { aborted } : {}) };
      logger.log(new StructuredMessage(text, fields));
    };
    res.once('finish', write);
    res.once('close', write);
    next();
  };
}
