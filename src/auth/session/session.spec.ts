import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';
import { strictMock } from '../../../test/helpers/strict-mock';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { User } from '../../users/user.model';
import { UsersRepository } from '../../users/users.repository';
import { AnonymousCsrf } from './anonymous-csrf';
import { SessionAuthenticator } from './session-authenticator';
import { SessionSecretService } from './session-secret.service';
import { MemoryInstanceSecrets } from '../secrets/persistence/memory/memory-instance-secrets';
import { SessionService } from './session.service';

const user = (overrides: Partial<User> = {}): User => ({
  id: 'u1',
  username: 'alice',
  role: 'user',
  createdAt: null,
  disabled: false,
  invitedBy: null,
  lastLoginAt: null,
  sessionVersion: 3,
  dailyDrafts: null,
  ...overrides,
});

const config = {
  sessionIdleMinutes: 30,
  sessionAbsoluteHours: 12,
  cookieSecure: false,
  sessionSecret: 'unit-test-session-secret-0123456789abcdef',
} as AppConfig;

describe('SessionAuthenticator', () => {
  const start = new Date('2026-05-01T12:00:00Z');
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock(start);
  });
  const loggedIn = (overrides: Partial<SessionData> = {}): Partial<SessionData> => ({
    userId: 'u1',
    sessionVersion: 3,
    loginAt: start.getTime(),
    lastSeenAt: start.getTime(),
    ...overrides,
  });
  const withUser = (found: User | undefined) =>
    new SessionAuthenticator(
      strictMock<UsersRepository>('UsersRepository', { findById: async () => found }),
      clock,
      config,
    );

  it('answers nothing, without reading users, for a request without a logged-in session', async () => {
    const authenticator = new SessionAuthenticator(strictMock<UsersRepository>('UsersRepository'), clock, config);
    expect(await authenticator.authenticate({})).toBeUndefined();
    expect(await authenticator.authenticate({ session: {} })).toBeUndefined();
  });

  it('re-reads the user and answers a session context', async () => {
    const users = strictMock<UsersRepository>('UsersRepository', { findById: async () => user() });
    const context = await new SessionAuthenticator(users, clock, config).authenticate({ session: loggedIn() });
    expect(context).toEqual({ user: user(), method: 'session', mfaPending: false });
    expect(users.findById).toHaveBeenCalledWith('u1');
  });

  it.each([
    ['deleted', undefined],
    ['disabled', user({ disabled: true })],
    ['whose session version moved on', user({ sessionVersion: 4 })],
  ])('drops the user fields of a session whose user is %s', async (_what, found) => {
    const session = loggedIn();
    expect(await withUser(found).authenticate({ session })).toBeUndefined();
    expect(session.userId).toBeUndefined();
    expect(session.sessionVersion).toBeUndefined();
    expect(session.loginAt).toBeUndefined();
  });

  it('ends a session idle past SESSION_IDLE_MINUTES, or older than SESSION_ABSOLUTE_HOURS', async () => {
    clock.advance(31 * 60_000);
    expect(await withUser(user()).authenticate({ session: loggedIn() })).toBeUndefined();
    const active = loggedIn({ loginAt: start.getTime() - 12 * 3600_000 });
    clock.set(start);
    clock.advance(1000);
    expect(await withUser(user()).authenticate({ session: active })).toBeUndefined();
  });

  describe('a half-done two-factor login (twoFactorLogin, no userId)', () => {
    const half = () => ({ userId: 'u1', sessionVersion: 3, startedAt: start.getTime(), next: '/' });

    it('answers an mfaPending session context for its live user', async () => {
      const context = await withUser(user()).authenticate({ session: { twoFactorLogin: half() } });
      expect(context).toEqual({ user: user(), method: 'session', mfaPending: true });
    });

    it.each([
      ['over five minutes old', user(), 5 * 60_000 + 1],
      ['of a deleted user', undefined, 0],
      ['of a disabled user', user({ disabled: true }), 0],
      ['of a user signed out everywhere since', user({ sessionVersion: 4 }), 0],
    ])('drops one %s', async (_what, found, later) => {
      clock.advance(later);
      const session: Partial<SessionData> = { twoFactorLogin: half() };
      expect(await withUser(found).authenticate({ session })).toBeUndefined();
      expect(session.twoFactorLogin).toBeUndefined();
    });
  });

  it('moves lastSeenAt only after a while (not a store write per request)', async () => {
    const session = loggedIn();
    clock.advance(10_000);
    await withUser(user()).authenticate({ session });
    expect(session.lastSeenAt).toBe(start.getTime());
    clock.advance(3 * 60_000);
    await withUser(user()).authenticate({ session });
    expect(session.lastSeenAt).toBe(clock.now().getTime());
  });
});

/** Just enough of express's req/res for the cookie and the session calls. */
function fakeHttp(cookieHeader?: string, body: Record<string, unknown> = {}) {
  const res = {
    locals: {} as Record<string, unknown>,
    cookie: jest.fn(),
    clearCookie: jest.fn(),
  };
  const req = { headers: cookieHeader ? { cookie: cookieHeader } : {}, body, secure: false, res };
  return { req: req as unknown as Request, res: res as unknown as Response, raw: { req, res } };
}

describe('AnonymousCsrf', () => {
  const anonymous = new AnonymousCsrf(config, new SessionSecretService(config, new MemoryInstanceSecrets()));

  function issue(): { cookie: string; token: string } {
    const { req, res, raw } = fakeHttp();
    const token = anonymous.tokenFor(req, res);
    const [name, id, options] = raw.res.cookie.mock.calls[0] as [string, string, Record<string, unknown>];
    expect(name).toBe('gatehouse.pre');
    expect(options).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/', secure: false });
    return { cookie: `other=1; gatehouse.pre=${id}`, token };
  }

  it('sets a random pre-login id once per response and signs it', () => {
    const { req, res, raw } = fakeHttp();
    const token = anonymous.tokenFor(req, res);
    expect(anonymous.tokenFor(req, res)).toBe(token);
    expect(raw.res.cookie).toHaveBeenCalledTimes(1);
    expect(issue().token).not.toBe(token);
  });

  it('reuses the id the browser sends', () => {
    const { cookie, token } = issue();
    const { req, res, raw } = fakeHttp(cookie);
    expect(anonymous.tokenFor(req, res)).toBe(token);
    expect(raw.res.cookie).not.toHaveBeenCalled();
  });

  it('accepts the pair, from the form field or the header', () => {
    const { cookie, token } = issue();
    expect(anonymous.isValid(fakeHttp(cookie, { _csrf: token }).req)).toBe(true);
    const viaHeader = fakeHttp(cookie).req;
    viaHeader.headers['x-csrf-token'] = token;
    expect(anonymous.isValid(viaHeader)).toBe(true);
  });

  it("refuses a missing or wrong token, another browser's token, and a token without its cookie", () => {
    const mine = issue();
    const theirs = issue();
    expect(anonymous.isValid(fakeHttp(mine.cookie).req)).toBe(false);
    expect(anonymous.isValid(fakeHttp(mine.cookie, { _csrf: 'forged' }).req)).toBe(false);
    expect(anonymous.isValid(fakeHttp(mine.cookie, { _csrf: theirs.token }).req)).toBe(false);
    expect(anonymous.isValid(fakeHttp(undefined, { _csrf: mine.token }).req)).toBe(false);
    expect(anonymous.isValid(fakeHttp('gatehouse.pre=short', { _csrf: mine.token }).req)).toBe(false);
  });

  it('depends on the secret: another secret does not accept the token', () => {
    const { cookie, token } = issue();
    const other = { ...config, sessionSecret: 'another-secret-of-enough-length-0123456789' } as AppConfig;
    expect(
      new AnonymousCsrf(other, new SessionSecretService(other, new MemoryInstanceSecrets())).isValid(
        fakeHttp(cookie, { _csrf: token }).req,
      ),
    ).toBe(false);
  });

  it('is __Host- prefixed with COOKIE_SECURE=true', () => {
    const secure = { ...config, cookieSecure: true } as AppConfig;
    expect(new AnonymousCsrf(secure, new SessionSecretService(secure, new MemoryInstanceSecrets())).cookieName).toBe(
      '__Host-gatehouse.pre',
    );
  });
});

describe('SessionService', () => {
  const clock = new ManualClock(new Date('2026-05-01T12:00:00Z'));

  function sessionRequest(cookieHeader?: string) {
    const http = fakeHttp(cookieHeader);
    const session: Record<string, unknown> & { regenerate: jest.Mock; save: jest.Mock; destroy: jest.Mock } = {
      csrfToken: 'anonymous-token',
      regenerate: jest.fn((done: (err?: unknown) => void) => {
        delete session.csrfToken;
        done();
      }),
      save: jest.fn((done: (err?: unknown) => void) => done()),
      destroy: jest.fn((done: (err?: unknown) => void) => done()),
    };
    (http.raw.req as Record<string, unknown>).session = session;
    return { ...http, session };
  }

  it('establish(): a new session id, the user and their version, no CSRF token carried over, saved', async () => {
    const anonymous = strictMock<AnonymousCsrf>('AnonymousCsrf', { forget: () => undefined });
    const { req, session } = sessionRequest('gatehouse.pre=x');
    await new SessionService(clock, anonymous).establish(req, user());
    expect(session.regenerate).toHaveBeenCalled();
    expect(session).toMatchObject({
      userId: 'u1',
      sessionVersion: 3,
      loginAt: clock.now().getTime(),
      lastSeenAt: clock.now().getTime(),
    });
    expect(session.csrfToken).toBeUndefined();
    expect(session.save).toHaveBeenCalled();
    expect(anonymous.forget).toHaveBeenCalledWith(req, req.res);
  });

  it('establish() fails when the session cannot be regenerated', async () => {
    const { req, session } = sessionRequest();
    session.regenerate.mockImplementation((done: (err?: unknown) => void) => done(new Error('store down')));
    await expect(
      new SessionService(clock, strictMock<AnonymousCsrf>('AnonymousCsrf')).establish(req, user()),
    ).rejects.toThrow('store down');
  });

  it('beginHalfLogin(): a new session holding only the half-done login (no userId), saved; the pre-login cookie goes', async () => {
    const anonymous = strictMock<AnonymousCsrf>('AnonymousCsrf', { forget: () => undefined });
    const { req, session } = sessionRequest('gatehouse.pre=x');
    await new SessionService(clock, anonymous).beginHalfLogin(req, user(), '/jobs');
    expect(session.regenerate).toHaveBeenCalled();
    expect(session.twoFactorLogin).toEqual({
      userId: 'u1',
      sessionVersion: 3,
      startedAt: clock.now().getTime(),
      next: '/jobs',
    });
    expect(session.userId).toBeUndefined();
    expect(session.csrfToken).toBeUndefined();
    expect(session.save).toHaveBeenCalled();
    expect(anonymous.forget).toHaveBeenCalledWith(req, req.res);
  });

  it('end() destroys the session; keepAfterVersionBump() keeps this one valid', async () => {
    const service = new SessionService(clock, strictMock<AnonymousCsrf>('AnonymousCsrf'));
    const { req, session } = sessionRequest();
    service.keepAfterVersionBump(req, 9);
    expect(session.sessionVersion).toBe(9);
    await service.end(req);
    expect(session.destroy).toHaveBeenCalled();
  });
});
