import { strictMock } from '../../test/helpers/strict-mock';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { LOGIN_FAILED, LoginFailedError, TooManyAttemptsError } from './auth-errors';
import { AuthService } from './auth.service';
import { PasswordHasher } from './passwords/password-hasher';
import { RateLimiter } from './throttling/rate-limiter.service';
import { User } from './users/user.model';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

const alice: User = {
  id: 'id-alice',
  username: 'alice',
  role: 'user',
  createdAt: null,
  disabled: false,
  invitedBy: null,
  lastLoginAt: null,
  sessionVersion: 0,
  dailyDrafts: null,
};
const config = { loginMaxFailures: 5, loginMaxFailuresPerIp: 50, loginLockoutMinutes: 15 } as AppConfig;

function setup(overrides: { credentials?: { user: User; passwordHash: string }; valid?: boolean; lock?: number } = {}) {
  const users = strictMock<UsersRepository>('UsersRepository', { findCredentials: async () => overrides.credentials });
  const usersService = strictMock<UsersService>('UsersService', { recordLogin: async () => undefined });
  const hasher = strictMock<PasswordHasher>('PasswordHasher', {
    verify: async () => overrides.valid ?? true,
    verifyAgainstDummy: async () => false,
    needsRehash: () => false,
    hash: async () => '$2b$new',
  });
  const limiter = strictMock<RateLimiter>('RateLimiter', {
    retryAfter: async () => overrides.lock ?? 0,
    hit: async () => 0,
    reset: async () => undefined,
  });
  const audit = strictMock<AuditService>('AuditService', { record: async () => undefined });
  const service = new AuthService(users, usersService, hasher, limiter, audit, config);
  return { service, users, usersService, hasher, limiter, audit };
}

describe('AuthService.login', () => {
  it('returns the user, records the login and clears the username counter', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: '$2b$12$x' } });
    await expect(m.service.login('alice', 'pw', '1.2.3.4')).resolves.toBe(alice);
    expect(m.usersService.recordLogin).toHaveBeenCalledWith('id-alice', undefined);
    expect(m.limiter.reset).toHaveBeenCalledWith('login:user:alice');
    expect(m.audit.record).toHaveBeenCalledWith(
      'login.success',
      expect.objectContaining({ actor: 'alice', ip: '1.2.3.4' }),
    );
  });

  it('re-hashes a legacy hash after a successful login', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: 'pbkdf2:sha256:1$s$00' } });
    m.hasher.needsRehash.mockReturnValue(true);
    await m.service.login('alice', 'pw', 'ip');
    expect(m.hasher.hash).toHaveBeenCalledWith('pw');
    expect(m.usersService.recordLogin).toHaveBeenCalledWith('id-alice', '$2b$new');
  });

  it('keeps a legacy hash of a password over 72 bytes (bcrypt would cut it, and it could never log in again)', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: 'pbkdf2:sha256:1$s$00' } });
    m.hasher.needsRehash.mockReturnValue(true);
    await m.service.login('alice', 'p'.repeat(73), 'ip');
    expect(m.hasher.hash).not.toHaveBeenCalled();
    expect(m.usersService.recordLogin).toHaveBeenCalledWith('id-alice', undefined);
  });

  it('checks unknown usernames against the dummy hash (no timing shortcut) and fails generically', async () => {
    const m = setup({ credentials: undefined });
    await expect(m.service.login('ghost', 'pw', 'ip')).rejects.toThrow(LoginFailedError);
    expect(m.hasher.verifyAgainstDummy).toHaveBeenCalledWith('pw');
    expect(m.limiter.hit).toHaveBeenCalledTimes(2);
  });

  it('fails a wrong password with the same message and counts it per username and per IP', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: 'h' }, valid: false });
    await expect(m.service.login('Alice', 'bad', '9.9.9.9')).rejects.toThrow(LOGIN_FAILED);
    expect(m.limiter.hit).toHaveBeenCalledWith('login:user:alice', { max: 5, windowMs: 900_000 });
    expect(m.limiter.hit).toHaveBeenCalledWith('login:ip:9.9.9.9', { max: 50, windowMs: 900_000 });
    expect(m.usersService.recordLogin).not.toHaveBeenCalled();
  });

  it('refuses a disabled user with the generic message even with the right password', async () => {
    const m = setup({ credentials: { user: { ...alice, disabled: true }, passwordHash: 'h' }, valid: true });
    await expect(m.service.login('alice', 'pw', 'ip')).rejects.toThrow(LoginFailedError);
  });

  it('refuses while locked, before checking the password, with Retry-After', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: 'h' }, lock: 120 });
    const error = await m.service.login('alice', 'pw', 'ip').catch((e) => e);
    expect(error).toBeInstanceOf(TooManyAttemptsError);
    expect(error.getStatus()).toBe(429);
    expect(error.headers['Retry-After']).toBe('120');
    expect(m.hasher.verify).not.toHaveBeenCalled();
  });
});
