import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { aUser } from '../../test/factories/users';
import { strictMock } from '../../test/helpers/strict-mock';
import { AuditService } from '../audit/audit.service';
import { TooManyAttemptsError } from '../auth/auth-errors';
import { AuthService } from '../auth/auth.service';
import { AuthenticationGuard } from '../auth/guards/authentication.guard';
import { CsrfGuard } from '../auth/guards/csrf.guard';
import { SessionAuthenticator } from '../auth/session/session-authenticator';
import { MemoryThrottleRepository } from '../auth/throttling/persistence/memory/memory-throttle.repository';
import { RateLimiter } from '../auth/throttling/rate-limiter.service';
import { ManualClock } from '../common/clock/clock';
import { DomainError } from '../common/errors/domain-error';
import { isApiRequest } from '../common/http/request-info';
import { AppConfig } from '../config/app-config';
import type { User } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { CookieAndBearerError, InvalidApiTokenError } from './api-token-errors';
import { ApiTokensService } from './api-tokens.service';
import { BearerAuthenticator, bearerSecret, isTokenRoute } from './bearer-authenticator';
import { MemoryApiTokensRepository } from './persistence/memory/memory-api-tokens.repository';
import { apiTokenDigest } from './token-format';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const DAY = 24 * 3600_000;

type RequestParts = Partial<Omit<Request, 'headers'>> & { headers?: Record<string, string> };

function fakeRequest(overrides: RequestParts = {}): Request {
  return { method: 'GET', path: '/api/jobs', ip: '203.0.113.9', headers: {}, ...overrides } as unknown as Request;
}

describe('ApiTokensService and BearerAuthenticator', () => {
  let clock: ManualClock;
  let repo: MemoryApiTokensRepository;
  let users: Map<string, User>;
  let audit: ReturnType<typeof strictMock<AuditService>>;
  let service: ApiTokensService;
  let bearer: BearerAuthenticator;
  let bob: User;

  const config = { apiTokenMaxDays: 365, loginMaxFailuresPerIp: 3, loginLockoutMinutes: 15 } as AppConfig;
  const withToken = (secret: string, extra: RequestParts = {}) =>
    fakeRequest({ ...extra, headers: { authorization: `Bearer ${secret}`, ...(extra.headers ?? {}) } });

  beforeEach(() => {
    clock = new ManualClock(T0);
    repo = new MemoryApiTokensRepository();
    bob = aUser();
    users = new Map([[bob.id, bob]]);
    audit = strictMock<AuditService>('AuditService', { record: async () => undefined });
    service = new ApiTokensService(repo, clock, config, audit);
    const usersRepo = strictMock<UsersRepository>('UsersRepository', {
      findById: async (id: string) => users.get(id),
    });
    bearer = new BearerAuthenticator(
      service,
      usersRepo,
      new RateLimiter(new MemoryThrottleRepository(), clock),
      audit,
      config,
    );
  });

  describe('ApiTokensService', () => {
    it('creates gat_ + 32 base62, stores only the SHA-256, 90 days by default, audits id and name', async () => {
      const { secret, token } = await service.create(bob, { name: '  ci  ' }, '10.0.0.1');
      expect(secret).toMatch(/^gat_[0-9A-Za-z]{32}$/);
      expect(token).toMatchObject({
        userId: bob.id,
        name: 'ci',
        tokenSha256: apiTokenDigest(secret),
        lastUsedAt: null,
      });
      expect(JSON.stringify(await repo.listForUser(bob.id))).not.toContain(secret.slice(4));
      expect(new Date(token.expiresAt).getTime()).toBe(T0.getTime() + 90 * DAY);
      expect(audit.record).toHaveBeenCalledWith('token.create', {
        actor: 'bob',
        ip: '10.0.0.1',
        id: token.id,
        name: 'ci',
        expires_at: token.expiresAt,
      });
      expect(JSON.stringify(audit.record.mock.calls)).not.toContain(secret);
    });

    it.each([
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(65) }, 'name'],
      [{ name: 'tab\there' }, 'name'],
      [{ name: 'ok', expiresInDays: 0 }, 'expiresInDays'],
      [{ name: 'ok', expiresInDays: 366 }, 'expiresInDays'],
      [{ name: 'ok', expiresInDays: 1.5 }, 'expiresInDays'],
    ])('refuses %j (field %s), storing nothing', async (input, field) => {
      const error = await service.create(bob, input, null).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).fields).toHaveProperty(field);
      expect(await repo.listForUser(bob.id)).toEqual([]);
    });

    it('counts 64 characters, not UTF-16 units, and takes API_TOKEN_MAX_DAYS as the limit', async () => {
      await expect(service.create(bob, { name: '☃'.repeat(64), expiresInDays: 365 }, null)).resolves.toBeDefined();
    });

    it('defaults to API_TOKEN_MAX_DAYS when that is under 90 days', async () => {
      const short = new ApiTokensService(repo, clock, { ...config, apiTokenMaxDays: 30 }, audit);
      const { token } = await short.create(bob, { name: 'ci' }, null);
      expect(new Date(token.expiresAt).getTime()).toBe(T0.getTime() + 30 * DAY);
    });

    it('revoking an id that is not a UUID is "not found" without asking the store', async () => {
      const remove = jest.spyOn(repo, 'delete');
      await expect(service.revoke(bob, 'x\u0000y', null)).rejects.toMatchObject({ code: 'not_found' });
      expect(remove).not.toHaveBeenCalled();
    });

    it('caps the tokens one user holds', async () => {
      for (let i = 0; i < 50; i++) await service.create(bob, { name: `t${i}` }, null);
      await expect(service.create(bob, { name: 'one more' }, null)).rejects.toMatchObject({ code: 'conflict' });
    });

    it("revoke: only the owner's, once; revokeAllForUser audits each with the reason", async () => {
      const { token } = await service.create(bob, { name: 'a' }, null);
      await service.create(bob, { name: 'b' }, null);
      const carol = aUser({ id: 'id-carol', username: 'carol' });
      await expect(service.revoke(carol, token.id, null)).rejects.toMatchObject({ code: 'not_found' });
      await service.revoke(bob, token.id, null);
      await expect(service.revoke(bob, token.id, null)).rejects.toMatchObject({ code: 'not_found' });
      expect(await service.revokeAllForUser(bob, 'root', null, 'user_disabled')).toBe(1);
      expect(audit.record).toHaveBeenLastCalledWith(
        'token.revoke',
        expect.objectContaining({ actor: 'root', target: 'bob', name: 'b', reason: 'user_disabled' }),
      );
      expect(await service.list(bob)).toEqual([]);
    });
  });

  describe('bearerSecret / isTokenRoute', () => {
    it('reads only the Bearer scheme (any case); other schemes are not tokens', () => {
      expect(bearerSecret({ headers: { authorization: 'Bearer gat_x' } } as Request)).toBe('gat_x');
      expect(bearerSecret({ headers: { authorization: 'bearer   gat_x ' } } as Request)).toBe('gat_x');
      expect(bearerSecret({ headers: { authorization: 'Bearer' } } as Request)).toBe('');
      expect(bearerSecret({ headers: { authorization: 'Basic abc' } } as Request)).toBeUndefined();
      expect(bearerSecret({ headers: { authorization: 'Bearerish x' } } as Request)).toBeUndefined();
      expect(bearerSecret({ headers: {} } as Request)).toBeUndefined();
    });

    it('opens /api/* and GET /download/<id>.zip only', () => {
      const route = (method: string, path: string) => isTokenRoute({ method, path } as Request);
      expect(route('GET', '/api/jobs')).toBe(true);
      expect(route('POST', '/api/jobs')).toBe(true);
      expect(route('GET', '/download/0b9e3a40-9c3f-4d55-a1a4-7d1b2f1d1e10.zip')).toBe(true);
      expect(route('POST', '/download/x.zip')).toBe(false);
      expect(route('GET', '/download/x.zip/more')).toBe(false);
      expect(route('GET', '/apis')).toBe(false);
      expect(route('GET', '/account')).toBe(false);
      expect(route('POST', '/generate')).toBe(false);
      expect(route('GET', '/')).toBe(false);
    });

    it('a bearer request is answered in JSON wherever it goes', () => {
      expect(isApiRequest(withToken('x', { path: '/account' }))).toBe(true);
      expect(isApiRequest(fakeRequest({ path: '/account' }))).toBe(false);
    });
  });

  describe('BearerAuthenticator', () => {
    it('no Authorization: Bearer header: not its business (undefined)', async () => {
      await expect(bearer.authenticate(fakeRequest())).resolves.toBeUndefined();
      await expect(
        bearer.authenticate(fakeRequest({ headers: { authorization: 'Basic x' } })),
      ).resolves.toBeUndefined();
    });

    it("a good token acts as its owner, re-read now (role of the moment), and refunds the IP's count", async () => {
      const { secret, token } = await service.create(bob, { name: 'ci' }, null);
      await expect(bearer.authenticate(withToken(secret))).resolves.toEqual({
        user: bob,
        method: 'token',
        mfaPending: false,
        tokenId: token.id,
      });
      users.set(bob.id, { ...bob, role: 'admin' });
      expect((await bearer.authenticate(withToken(secret)))?.user.role).toBe('admin');
      // Many good requests never lock the IP (each is refunded).
      for (let i = 0; i < 10; i++) await bearer.authenticate(withToken(secret));
    });

    it('cookie + bearer: 400 before anything is looked up', async () => {
      const { secret } = await service.create(bob, { name: 'ci' }, null);
      await expect(bearer.authenticate(withToken(secret, { headers: { cookie: 'gatehouse.sid=s' } }))).rejects.toThrow(
        CookieAndBearerError,
      );
    });

    it('a page or a form: 401, whatever the token', async () => {
      const { secret } = await service.create(bob, { name: 'ci' }, null);
      for (const [method, path] of [
        ['GET', '/account'],
        ['POST', '/generate'],
        ['POST', '/account/tokens'],
      ]) {
        await expect(bearer.authenticate(withToken(secret, { method, path }))).rejects.toThrow(InvalidApiTokenError);
      }
    });

    it('unknown, malformed, expired, disabled or deleted owner: 401', async () => {
      const { secret } = await service.create(bob, { name: 'ci', expiresInDays: 1 }, null);
      await expect(bearer.authenticate(withToken('gat_' + 'A'.repeat(32)))).rejects.toThrow(InvalidApiTokenError);
      users.set(bob.id, { ...bob, disabled: true });
      await expect(bearer.authenticate(withToken(secret))).rejects.toThrow(InvalidApiTokenError);
      users.delete(bob.id);
      await expect(bearer.authenticate(withToken(secret))).rejects.toThrow(InvalidApiTokenError);
    });

    it('an expired token: 401 from its expiry on', async () => {
      const { secret } = await service.create(bob, { name: 'ci', expiresInDays: 1 }, null);
      clock.advance(DAY - 1);
      await expect(bearer.authenticate(withToken(secret))).resolves.toBeDefined();
      clock.advance(1);
      await expect(bearer.authenticate(withToken(secret))).rejects.toThrow(InvalidApiTokenError);
    });

    it('bad tokens lock the IP after LOGIN_MAX_FAILURES_PER_IP (429 with Retry-After, good tokens too), audited once', async () => {
      const { secret } = await service.create(bob, { name: 'ci' }, null);
      for (let i = 0; i < 3; i++)
        await expect(bearer.authenticate(withToken(`bad${i}`))).rejects.toThrow(InvalidApiTokenError);
      const locked = await bearer.authenticate(withToken(secret)).catch((e: unknown) => e);
      expect(locked).toBeInstanceOf(TooManyAttemptsError);
      expect((locked as TooManyAttemptsError).retryAfterSeconds).toBe(15 * 60);
      await expect(bearer.authenticate(withToken('bad'))).rejects.toThrow(TooManyAttemptsError);
      expect(audit.record.mock.calls.filter(([event]) => event === 'login.throttled')).toEqual([
        ['login.throttled', expect.objectContaining({ ip: '203.0.113.9', lock: 'ip', via: 'api_token' })],
      ]);
      // Another address is not affected; the lock ends with its window.
      await expect(bearer.authenticate(withToken(secret, { ip: '198.51.100.1' }))).resolves.toBeDefined();
      clock.advance(15 * 60_000);
      await expect(bearer.authenticate(withToken(secret))).resolves.toBeDefined();
    });

    it('bad tokens sent at once cannot pass the limit (counted before the lookup)', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => bearer.authenticate(withToken(`b${i}`))),
      );
      const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : r.value));
      expect(reasons.filter((r) => r instanceof InvalidApiTokenError)).toHaveLength(3);
      expect(reasons.filter((r) => r instanceof TooManyAttemptsError)).toHaveLength(7);
    });

    it('last used is written at most once a minute', async () => {
      const { secret } = await service.create(bob, { name: 'ci' }, null);
      const touch = jest.spyOn(repo, 'touch');
      await bearer.authenticate(withToken(secret));
      clock.advance(59_999);
      await bearer.authenticate(withToken(secret));
      await bearer.authenticate(withToken(secret));
      expect(touch).toHaveBeenCalledTimes(1);
      expect((await service.list(bob))[0].lastUsedAt).toBe(T0.toISOString());
      clock.advance(1);
      await bearer.authenticate(withToken(secret));
      expect(touch).toHaveBeenCalledTimes(2);
      expect((await service.list(bob))[0].lastUsedAt).toBe(new Date(T0.getTime() + 60_000).toISOString());
    });
  });

  describe('the guard path (AuthenticationGuard → AuthService.authenticate → bearer, then session)', () => {
    function authService(session: Partial<SessionAuthenticator>): AuthService {
      const auth = Object.create(AuthService.prototype) as AuthService;
      Object.assign(auth, { bearerAuthenticator: bearer, sessionAuthenticator: session });
      return auth;
    }
    const contextFor = (req: Request) => {
      const res = { locals: {} as Record<string, unknown>, setHeader: jest.fn() };
      const handler = () => undefined;
      return {
        getHandler: () => handler,
        getClass: () => class {},
        switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
      } as unknown as ExecutionContext;
    };

    it('a bearer request is the token\'s (method "token"), the session is not asked; CSRF does not apply', async () => {
      const { secret } = await service.create(bob, { name: 'ci' }, null);
      const session = { authenticate: jest.fn() };
      const req = withToken(secret, { method: 'POST' });
      await expect(
        new AuthenticationGuard(new Reflector(), authService(session)).canActivate(contextFor(req)),
      ).resolves.toBe(true);
      expect(req.auth).toMatchObject({ method: 'token', user: bob });
      expect(req.user).toBe(bob);
      expect(session.authenticate).not.toHaveBeenCalled();
      expect(new CsrfGuard().canActivate(contextFor(req))).toBe(true);
    });

    it('without a bearer token, the session decides', async () => {
      const session = {
        authenticate: jest.fn(async () => ({ user: bob, method: 'session' as const, mfaPending: false })),
      };
      const req = fakeRequest();
      await new AuthenticationGuard(new Reflector(), authService(session)).canActivate(contextFor(req));
      expect(req.auth?.method).toBe('session');
      expect(session.authenticate).toHaveBeenCalledTimes(1);
    });

    it('a refused token is refused by the guard (no fallback to anonymous)', async () => {
      const session = { authenticate: jest.fn() };
      const guard = new AuthenticationGuard(new Reflector(), authService(session));
      await expect(guard.canActivate(contextFor(withToken('gat_nope')))).rejects.toThrow(InvalidApiTokenError);
    });
  });
});
