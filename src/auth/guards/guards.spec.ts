import { ExecutionContext, ForbiddenException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthenticatedError } from '../../common/errors/unauthenticated.error';
import { AppConfig } from '../../config/app-config';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import { ROLES_KEY } from '../decorators/roles.decorator';
import { User } from '../../users/user.model';
import { AnonymousCsrf } from '../session/anonymous-csrf';
import { CSRF_FAILED, CsrfGuard, isCrossSite } from './csrf.guard';
import { RolesGuard } from './roles.guard';
import { AuthService } from '../auth.service';
import { strictMock } from '../../../test/helpers/strict-mock';
import { AuthenticationGuard } from './authentication.guard';

const user = (role: 'admin' | 'user'): User => ({
  id: 'u1',
  username: 'u',
  role,
  createdAt: null,
  disabled: false,
  invitedBy: null,
  lastLoginAt: null,
  sessionVersion: 0,
  dailyDrafts: null,
});

function contextFor(req: Record<string, unknown>, metadata: Record<string, unknown> = {}) {
  const handler = () => undefined;
  const cls = class {};
  for (const [key, value] of Object.entries(metadata)) Reflect.defineMetadata(key, value, handler);
  return {
    getHandler: () => handler,
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
}

describe('AuthenticationGuard', () => {
  const asAnonymous = () => strictMock<AuthService>('AuthService', { authenticate: async () => undefined });
  const guardFor = (auth: AuthService) => new AuthenticationGuard(new Reflector(), auth);
  const res = () => ({ locals: {} as Record<string, unknown>, setHeader: jest.fn() });
  const httpContext = (req: Record<string, unknown>, response: ReturnType<typeof res>, metadata = {}) => {
    const ctx = contextFor(req, metadata) as unknown as { switchToHttp: () => Record<string, unknown> };
    const http = ctx.switchToHttp();
    ctx.switchToHttp = () => ({ ...http, getResponse: () => response });
    return ctx as unknown as ExecutionContext;
  };

  it('lets anyone through a @Public() route', async () => {
    await expect(guardFor(asAnonymous()).canActivate(httpContext({}, res(), { [IS_PUBLIC_KEY]: true }))).resolves.toBe(
      true,
    );
  });

  it('closes every other route to anonymous requests', async () => {
    await expect(guardFor(asAnonymous()).canActivate(httpContext({}, res()))).rejects.toThrow(UnauthenticatedError);
  });

  it('lets a resolved user through, attaching the context, the user and no-store', async () => {
    const auth = strictMock<AuthService>('AuthService', {
      authenticate: async () => ({ user: user('admin'), method: 'session', mfaPending: false }),
    });
    const req: Record<string, unknown> = { session: { userId: 'u1' } };
    const response = res();
    await expect(guardFor(auth).canActivate(httpContext(req, response))).resolves.toBe(true);
    expect(auth.authenticate).toHaveBeenCalledWith(req);
    expect(req.auth).toEqual({ user: user('admin'), method: 'session', mfaPending: false });
    expect(req.user).toEqual(user('admin'));
    expect(response.locals).toEqual({ currentUser: user('admin'), isAdmin: true });
    expect(response.setHeader).toHaveBeenCalledWith('Cache-Control', 'no-store');
  });

  it('authenticates on public routes too, so their pages know who is looking', async () => {
    const auth = strictMock<AuthService>('AuthService', {
      authenticate: async () => ({ user: user('user'), method: 'session', mfaPending: false }),
    });
    const req: Record<string, unknown> = {};
    await guardFor(auth).canActivate(httpContext(req, res(), { [IS_PUBLIC_KEY]: true }));
    expect(req.user).toEqual(user('user'));
  });

  it('treats a half login (second factor pending) as not logged in', async () => {
    const auth = strictMock<AuthService>('AuthService', {
      authenticate: async () => ({ user: user('user'), method: 'session', mfaPending: true }),
    });
    const req: Record<string, unknown> = {};
    const response = res();
    await expect(guardFor(auth).canActivate(httpContext(req, response))).rejects.toThrow(UnauthenticatedError);
    expect(req.user).toBeUndefined();
    expect(response.locals).toEqual({});
  });
});

describe('RolesGuard', () => {
  const guard = new RolesGuard(new Reflector());

  it('allows routes without @Roles', () => {
    expect(guard.canActivate(contextFor({ user: user('user') }))).toBe(true);
  });

  it('refuses a user on an admin route with a 403', () => {
    const ctx = contextFor({ user: user('user') }, { [ROLES_KEY]: ['admin'] });
    expect(() => guard.canActivate(ctx)).toThrow(ForbiddenException);
    expect(() => guard.canActivate(ctx)).toThrow('You do not have access to this page.');
  });

  it('allows an admin on an admin route', () => {
    expect(guard.canActivate(contextFor({ user: user('admin') }, { [ROLES_KEY]: ['admin'] }))).toBe(true);
  });

  it('treats a missing user on a role route as unauthenticated', () => {
    expect(() => guard.canActivate(contextFor({}, { [ROLES_KEY]: ['admin'] }))).toThrow(UnauthenticatedError);
  });
});

describe('CsrfGuard', () => {
  const guard = new CsrfGuard();
  const session = { csrfToken: 'good-token' };

  it('lets safe methods through without a token', () => {
    expect(guard.canActivate(contextFor({ method: 'GET', headers: {} }))).toBe(true);
  });

  it('refuses a POST without a token', () => {
    expect(() => guard.canActivate(contextFor({ method: 'POST', headers: {}, body: {}, session }))).toThrow(
      ForbiddenException,
    );
  });

  it('refuses a POST with the wrong token, and one without a session', () => {
    expect(() =>
      guard.canActivate(contextFor({ method: 'POST', headers: {}, body: { _csrf: 'bad' }, session })),
    ).toThrow(ForbiddenException);
    expect(() => guard.canActivate(contextFor({ method: 'POST', headers: {}, body: { _csrf: 'good-token' } }))).toThrow(
      ForbiddenException,
    );
  });

  it('accepts the session token from the form field or the header', () => {
    expect(guard.canActivate(contextFor({ method: 'POST', headers: {}, body: { _csrf: 'good-token' }, session }))).toBe(
      true,
    );
    expect(
      guard.canActivate(contextFor({ method: 'DELETE', headers: { 'x-csrf-token': 'good-token' }, body: {}, session })),
    ).toBe(true);
  });

  it('refuses a valid token sent cross-site', () => {
    const req = {
      method: 'POST',
      protocol: 'https',
      headers: { origin: 'https://evil.example', host: 'gate.example' },
      body: { _csrf: 'good-token' },
      session,
    };
    expect(() => guard.canActivate(contextFor(req))).toThrow('Cross-site requests are not accepted.');
  });

  it("refuses an Origin with this host but another scheme; accepts PUBLIC_URL's origin", () => {
    const req = (origin: string) => ({
      method: 'POST',
      protocol: 'http',
      headers: { origin, host: 'gate.example' },
      body: { _csrf: 'good-token' },
      session,
    });
    expect(guard.canActivate(contextFor(req('http://gate.example')))).toBe(true);
    expect(() => guard.canActivate(contextFor(req('https://gate.example')))).toThrow('Cross-site');
    const behindProxy = new CsrfGuard({ publicUrl: 'https://gate.example' } as AppConfig);
    expect(behindProxy.canActivate(contextFor(req('https://gate.example')))).toBe(true);
    expect(() => behindProxy.canActivate(contextFor(req('https://evil.example')))).toThrow('Cross-site');
  });
});

describe('CsrfGuard with the stateless pre-login token', () => {
  const anonymous = (valid: boolean) => strictMock<AnonymousCsrf>('AnonymousCsrf', { isValid: () => valid });
  const post = (extra: Record<string, unknown>) =>
    contextFor({ method: 'POST', headers: {}, body: { _csrf: 'x' }, ...extra });
  const sessionAuth = { user: user('user'), method: 'session', mfaPending: false };

  it('accepts an anonymous request with a valid pre-login pair, refuses one without', () => {
    expect(new CsrfGuard(undefined, anonymous(true)).canActivate(post({}))).toBe(true);
    expect(() => new CsrfGuard(undefined, anonymous(false)).canActivate(post({}))).toThrow(CSRF_FAILED);
  });

  it('asks a session-authenticated request for its session token only', () => {
    const guard = new CsrfGuard(undefined, anonymous(true));
    expect(() => guard.canActivate(post({ auth: sessionAuth, session: { csrfToken: 'good-token' } }))).toThrow(
      ForbiddenException,
    );
    expect(
      guard.canActivate(
        post({ auth: sessionAuth, session: { csrfToken: 'good-token' }, body: { _csrf: 'good-token' } }),
      ),
    ).toBe(true);
  });

  it('checks the origin before any token', () => {
    const req = { protocol: 'https', headers: { origin: 'https://evil.example', host: 'gate.example' } };
    expect(() => new CsrfGuard(undefined, anonymous(true)).canActivate(post(req))).toThrow('Cross-site');
  });
});

describe('isCrossSite', () => {
  const req = (headers: Record<string, string>, protocol = 'https') =>
    ({ protocol, headers: { host: 'gate.example', ...headers } }) as never;

  it.each([
    [{}, false],
    [{ origin: 'https://gate.example' }, false],
    [{ origin: 'http://gate.example' }, true],
    [{ origin: 'https://gate.example:8443' }, true],
    [{ origin: 'https://evil.example' }, true],
    [{ origin: 'http://gate.example.evil.example' }, true],
    [{ origin: 'null' }, true],
    [{ origin: 'garbage' }, true],
    [{ 'sec-fetch-site': 'cross-site' }, true],
    [{ 'sec-fetch-site': 'same-origin' }, false],
    [{ 'sec-fetch-site': 'none' }, false],
  ])('%j → %s', (headers, expected) => {
    expect(isCrossSite(req(headers as Record<string, string>))).toBe(expected);
  });

  it("compares the scheme with the request's own (http here)", () => {
    expect(isCrossSite(req({ origin: 'http://gate.example' }, 'http'))).toBe(false);
    expect(isCrossSite(req({ origin: 'https://gate.example' }, 'http'))).toBe(true);
  });

  it("treats PUBLIC_URL's origin as this site", () => {
    expect(isCrossSite(req({ origin: 'https://gate.example.com' }, 'http'), 'https://gate.example.com')).toBe(false);
    expect(isCrossSite(req({ origin: 'http://gate.example.com' }, 'http'), 'https://gate.example.com')).toBe(true);
  });
});
