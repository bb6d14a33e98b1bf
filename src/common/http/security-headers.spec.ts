import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { helmetEffect, helmetOptions, securityHeaders } from './security-headers';

/** A real node:http response (not sent), with an X-Powered-By for helmet to remove. */
function realResponse(): { req: Request; res: Response } {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  res.setHeader('X-Powered-By', 'Express');
  return { req: req as Request, res: res as unknown as Response };
}

/** The headers a middleware leaves on a real response, names in the order they were set. */
function headersAfter(middleware: RequestHandler): { names: string[]; headers: Record<string, unknown> } {
  const { req, res } = realResponse();
  const next = jest.fn();
  middleware(req, res, next as NextFunction);
  expect(next).toHaveBeenCalledWith();
  return { names: res.getHeaderNames(), headers: { ...res.getHeaders() } };
}

describe('securityHeaders', () => {
  it.each([
    ['cookies not Secure (no HSTS)', false],
    ['cookies Secure (HSTS)', true],
  ])('%s: sets exactly what helmet sets on a real response', (_, cookieSecure) => {
    const options = helmetOptions(cookieSecure);
    const precomputed = headersAfter(securityHeaders(options));
    expect(precomputed).toEqual(headersAfter(helmet(options)));
    expect(precomputed.headers['x-powered-by']).toBeUndefined();
    expect(precomputed.headers['content-security-policy']).toContain("script-src 'self'");
    expect('strict-transport-security' in precomputed.headers).toBe(cookieSecure);
  });

  it("computes helmet's headers once, from helmet itself", () => {
    const effect = helmetEffect(helmetOptions(false));
    expect(effect?.set.map(([name]) => name)).toEqual(
      expect.arrayContaining(['Content-Security-Policy', 'X-Frame-Options', 'Referrer-Policy']),
    );
    expect(effect?.removed).toEqual(['X-Powered-By']);
  });

  it('stays helmet per request when the headers depend on the request (a CSP nonce)', () => {
    const options: HelmetOptions = {
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'", (_req, res) => `'nonce-${(res as Response).locals.nonce as string}'`],
        },
      },
    };
    expect(helmetEffect(options)).toBeUndefined();
    const handler = securityHeaders(options);
    const csp = (nonce: string) => {
      const { req, res } = realResponse();
      res.locals = { nonce };
      handler(req, res, jest.fn() as NextFunction);
      return res.getHeader('Content-Security-Policy');
    };
    expect(csp('abc')).toContain("'nonce-abc'");
    expect(csp('xyz')).toContain("'nonce-xyz'");
  });
});
