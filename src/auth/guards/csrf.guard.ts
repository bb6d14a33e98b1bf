import { CanActivate, ExecutionContext, ForbiddenException, Injectable, Optional } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../../config/app-config';
import { AnonymousCsrf } from '../session/anonymous-csrf';
import { csrf } from '../session/csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_FAILED = 'This form has expired or did not come from this site. Reload the page and try again.';

/**
 * Every state-changing request must not come from another site (Origin / Sec-Fetch-Site) and needs a
 * CSRF token (SPEC §5): a session-authenticated request its session's synchronizer token; anyone else
 * (the login, register, setup and reset forms) the stateless pre-login token — or, for a session that
 * has just stopped authenticating (expired, disabled), the token still in that session.
 * Runs after AuthenticationGuard (req.auth is set).
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    @Optional() private readonly config?: AppConfig,
    @Optional() private readonly anonymous?: AnonymousCsrf,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    // A bearer token is not sent by a browser on its own (no cookie is involved): nothing to forge (SPEC §5.2).
    if (req.auth?.method === 'token') return true;
    if (SAFE_METHODS.has(req.method)) return true;
    if (isCrossSite(req, this.config?.publicUrl)) throw new ForbiddenException('Cross-site requests are not accepted.');
    if (!this.hasValidToken(req)) throw new ForbiddenException(CSRF_FAILED);
    return true;
  }

  private hasValidToken(req: Request): boolean {
    const sessionTokenValid = () => !!req.session?.csrfToken && csrf.isRequestValid(req);
    if (req.auth?.method === 'session') return sessionTokenValid();
    return (this.anonymous?.isValid(req) ?? false) || sessionTokenValid();
  }
}

/**
 * Cross-site by Sec-Fetch-Site, or by an Origin that is not this site's: scheme and host must both
 * match (an `http://` page of the same host is another origin, e.g. one an attacker on the network can
 * write). This site is `req.protocol://Host` (the protocol honours TRUST_PROXY's X-Forwarded-Proto),
 * and PUBLIC_URL's origin when it is set (behind a TLS proxy that does not say so).
 */
export function isCrossSite(req: Request, publicUrl?: string): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  if (origin === 'null') return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return true;
  }
  if (publicUrl !== undefined && url.origin === publicUrl) return false;
  return url.host !== req.headers.host || url.protocol !== `${req.protocol}:`;
}
