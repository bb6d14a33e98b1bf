import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { HelmetOptions } from 'helmet';

/**
 * Gatehouse's helmet configuration: a CSP without inline script or style, frames denied, referrer
 * same-origin, HSTS only when cookies are `Secure` (the site is served over HTTPS).
 */
export function helmetOptions(cookieSecure: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': null,
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: cookieSecure,
  };
}

/** What helmet does to a response: headers set (in order) and headers removed. */
export interface HelmetEffect {
  set: Array<[string, string]>;
  removed: string[];
}

/**
 * Runs helmet's middleware once against a recording response and returns what it did, or `undefined`
 * when that depends on the request: helmet read the request or anything of the response besides
 * setHeader/removeHeader (a CSP nonce function, say), failed, or did not call `next` at once.
 */
export function helmetEffect(options: HelmetOptions): HelmetEffect | undefined {
  const effect: HelmetEffect = { set: [], removed: [] };
  let perRequest = false;
  const recorder = { setHeader: (name: string, value: unknown) => effect.set.push([name, String(value)]) };
  const res = new Proxy(recorder, {
    get(_, key) {
      if (key === 'setHeader') return recorder.setHeader;
      if (key === 'removeHeader') return (name: string) => effect.removed.push(name);
      perRequest = true;
      return undefined;
    },
  });
  const req = new Proxy(
    {},
    {
      get() {
        perRequest = true;
        return undefined;
      },
    },
  );
  let done = false;
  let failed = false;
  helmet(options)(req as Request, res as unknown as Response, (err?: unknown) => {
    done = true;
    failed = err !== undefined;
  });
  return done && !failed && !perRequest ? effect : undefined;
}

/**
 * helmet with the same options, its headers computed once at start-up instead of on every request
 * (helmet runs ~12 small middlewares per response). helmet stays the source of every name and value;
 * if they depend on the request, this is plain `helmet(options)`.
 */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  const effect = helmetEffect(options);
  if (!effect) return helmet(options);
  const { set, removed } = effect;
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}
