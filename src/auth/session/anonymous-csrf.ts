import { Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { csrfTokenFromRequest } from './csrf';
import { SessionSecretService } from './session-secret.service';

/** A random pre-login id: 24 bytes, base64url. */
const PRE_LOGIN_ID = /^[A-Za-z0-9_-]{32}$/;

/**
 * CSRF for visitors who are not logged in, without a server-side session (SPEC §5: they cost the store
 * nothing). A signed double-submit token: an HttpOnly cookie holds a random pre-login id, and the form's
 * `_csrf` is HMAC(key, id), the key derived from the session secret. A forged form has no valid pair:
 * another site can neither read the cookie nor compute the MAC; a token copied from another browser
 * fails against this browser's id. Login and registration drop the cookie (the logged-in session's
 * synchronizer token takes over), as they used to kill the anonymous session and its token.
 *
 * Double-submit's known limit: someone who can set cookies for this host (a sibling subdomain, plain
 * HTTP on the network) can plant an id of theirs. With COOKIE_SECURE=true the cookie is `__Host-`
 * prefixed, which browsers only accept from this host over HTTPS. See docs/DECISIONS.md.
 */
@Injectable()
export class AnonymousCsrf {
  readonly cookieName: string;
  private key: Buffer | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly secret: SessionSecretService,
  ) {
    this.cookieName = config.cookieSecure === true ? '__Host-gatehouse.pre' : 'gatehouse.pre';
  }

  /** The token for a form on this response; sets the pre-login cookie when the request has none. */
  tokenFor(req: Request, res: Response): string {
    const locals = res.locals as { preLoginId?: string };
    let id = locals.preLoginId ?? this.idOf(req);
    if (!id) {
      id = randomBytes(24).toString('base64url');
      res.cookie(this.cookieName, id, this.cookieOptions(req));
    }
    locals.preLoginId = id;
    return this.mac(id);
  }

  /** The request carries this browser's pre-login id and its token. */
  isValid(req: Request): boolean {
    const id = this.idOf(req);
    const token = csrfTokenFromRequest(req);
    if (!id || !token) return false;
    const expected = Buffer.from(this.mac(id));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** After login: the pre-login id is done with. */
  forget(req: Request, res: Response): void {
    if (this.idOf(req) === undefined) return;
    const { maxAge: _maxAge, ...options } = this.cookieOptions(req);
    res.clearCookie(this.cookieName, options);
  }

  private idOf(req: Request): string | undefined {
    const header = req.headers.cookie;
    if (!header) return undefined;
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== this.cookieName) continue;
      const value = part.slice(eq + 1).trim();
      return PRE_LOGIN_ID.test(value) ? value : undefined;
    }
    return undefined;
  }

  private mac(id: string): string {
    this.key ??= createHmac('sha256', this.secret.secret).update('gatehouse pre-login csrf key').digest();
    return createHmac('sha256', this.key).update(id).digest('base64url');
  }

  private cookieOptions(req: Request): CookieOptions {
    const secure = this.config.cookieSecure === 'auto' ? req.secure : this.config.cookieSecure;
    return { httpOnly: true, sameSite: 'lax', path: '/', secure };
  }
}
