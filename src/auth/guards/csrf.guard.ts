import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { csrf } from '../session/csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_FAILED = 'This form has expired or did not come from this site. Reload the page and try again.';

/**
 * Every state-changing request needs the session's CSRF token, and must not come from another site
 * (Origin / Sec-Fetch-Site), including the login and register forms (SPEC §5).
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method)) return true;
    if (isCrossSite(req)) throw new ForbiddenException('Cross-site requests are not accepted.');
    if (!req.session || !csrf.isRequestValid(req)) throw new ForbiddenException(CSRF_FAILED);
    return true;
  }
}

export function isCrossSite(req: Request): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  if (origin === 'null') return true;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}
