import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AnonymousCsrf } from './anonymous-csrf';
import { csrf } from './csrf';

/**
 * Pages read `csrfToken` lazily, when they render a form: a logged-in request gets its session's
 * synchronizer token, anyone else the stateless pre-login token (no session is created for it).
 * Read at render time, so the authentication guard has run.
 */
@Injectable()
export class CsrfTokenMiddleware implements NestMiddleware {
  constructor(private readonly anonymous: AnonymousCsrf) {}

  use(req: Request, res: Response, next: NextFunction): void {
    res.locals.csrfToken = () =>
      req.auth?.method === 'session' ? csrf.generateToken(req) : this.anonymous.tokenFor(req, res);
    next();
  }
}
