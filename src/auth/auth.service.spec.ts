import { strictMock } from '../../test/helpers/strict-mock';
import { AuditService } from '../audit/audit.service';
import { LOGIN_FAILED, LoginFailedError, TooManyAttemptsError } from './auth-errors';
import { AuthService } from './auth.service';
import { PasswordHasher } from '../users/passwords/password-hasher';
import { PasswordAttempts } from './throttling/password-attempts.service';
import { User } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import { TwoFactorRepository } from './two-factor/two-factor.repository';
import { TwoFactorState } from './two-factor/two-factor.model';

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

function setup(
  overrides: {
    credentials?: { user: User; passwordHash: string };
    valid?: boolean;
    lock?: number;
    twoFactor?: TwoFactorState;
  } = {},
) {
  const users = strictMock<UsersRepository>('UsersRepository', { findCredentials: async () => overrides.credentials });
  const usersService = strictMock<UsersService>('UsersService', { recordLogin: async () => undefined });
  const hasher = strictMock<PasswordHasher>('PasswordHasher', {
    verify: async () => overrides.valid ?? true,
    verifyAgainstDummy: async () => false,
    needsRehash: () => false,
    hash: async () => '$2b$new',
  });
  // The real lockout is covered by password-attempts.spec.ts; here it runs the check unless locked.
  const attempts = strictMock<PasswordAttempts>('PasswordAttempts', {
    run: async (_username: string, _ip: string, check: () => Promise<boolean>) => {
      if (overrides.lock) throw new TooManyAttemptsError(overrides.lock, 'failed logins');
      return { valid: await check(), locked: false };
    },
  });
  const audit = strictMock<AuditService>('AuditService', { record: async () => undefined });
  const twoFactor = strictMock<TwoFactorRepository>('TwoFactorRepository', { find: async () => overrides.twoFactor });
  const service = new AuthService(users, usersService, hasher, attempts, audit, twoFactor);
  return { service, users, usersService, hasher, attempts, audit };
}

describe('AuthService.login', () => {
  it('returns the user and records the login, as one attempt of that username and IP', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: '$2b$12$x' } });
    await expect(m.service.login('alice', 'pw', '1.2.3.4')).resolves.toEqual({ user: alice, secondFactorDue: false });
    expect(m.attempts.run).toHaveBeenCalledWith('alice', '1.2.3.4', expect.any(Function), 'login', {
      firstStepOnly: expect.any(Function),
    });
    expect(m.attempts.run.mock.calls[0][4]?.firstStepOnly?.()).toBe(false);
    expect(m.usersService.recordLogin).toHaveBeenCalledWith('id-alice', undefined);
    expect(m.audit.record).toHaveBeenCalledWith(
      'login.success',
      expect.objectContaining({ actor: 'alice', ip: '1.2.3.4' }),
    );
  });

  it('with two-factor login on, a right password is only the first step: no login recorded, failures kept', async () => {
    const m = setup({
      credentials: { user: alice, passwordHash: '$2b$12$x' },
      twoFactor: {
        userId: alice.id,
        pending: null,
        enrolment: { sealedSecret: 's', enabledAt: 'x', lastUsedStep: 1, recoveryCodeHashes: [] },
      },
    });
    await expect(m.service.login('alice', 'pw', 'ip')).resolves.toEqual({ user: alice, secondFactorDue: true });
    expect(m.attempts.run.mock.calls[0][4]?.firstStepOnly?.()).toBe(true);
    expect(m.usersService.recordLogin).not.toHaveBeenCalled();
    expect(m.audit.record).not.toHaveBeenCalled();
  });

  it('a pending (unconfirmed) setup does not ask for a code', async () => {
    const m = setup({
      credentials: { user: alice, passwordHash: '$2b$12$x' },
      twoFactor: { userId: alice.id, pending: { sealedSecret: 's', createdAt: 'x' }, enrolment: null },
    });
    await expect(m.service.login('alice', 'pw', 'ip')).resolves.toEqual({ user: alice, secondFactorDue: false });
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
    expect(m.attempts.run).toHaveBeenCalledTimes(1);
  });

  it('fails a wrong password with the same message and audits the failure', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: 'h' }, valid: false });
    await expect(m.service.login('Alice', 'bad', '9.9.9.9')).rejects.toThrow(LOGIN_FAILED);
    expect(m.audit.record).toHaveBeenCalledWith('login.failure', { actor: 'Alice', ip: '9.9.9.9', locked: false });
    expect(m.usersService.recordLogin).not.toHaveBeenCalled();
  });

  it('refuses a disabled user with the generic message even with the right password (a failed attempt)', async () => {
    const m = setup({ credentials: { user: { ...alice, disabled: true }, passwordHash: 'h' }, valid: true });
    await expect(m.service.login('alice', 'pw', 'ip')).rejects.toThrow(LoginFailedError);
    expect(m.hasher.verify).toHaveBeenCalled();
  });

  it('refuses while locked, before checking the password, with Retry-After', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: 'h' }, lock: 120 });
    const error = await m.service.login('alice', 'pw', 'ip').catch((e) => e);
    expect(error).toBeInstanceOf(TooManyAttemptsError);
    expect(error.status).toBe(429);
    expect(error.retryAfterSeconds).toBe(120);
    expect(m.hasher.verify).not.toHaveBeenCalled();
  });
});

describe('AuthService.verifyCurrentPassword', () => {
  it('is an attempt of the user under the login lockout; a wrong one is audited', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: 'h' }, valid: false });
    await expect(m.service.verifyCurrentPassword(alice, 'bad', '9.9.9.9')).resolves.toBe(false);
    expect(m.attempts.run).toHaveBeenCalledWith('alice', '9.9.9.9', expect.any(Function), 'password_change');
    expect(m.audit.record).toHaveBeenCalledWith(
      'user.password_change_failure',
      expect.objectContaining({ actor: 'alice', ip: '9.9.9.9' }),
    );
  });

  it('throws 429 while the user is locked, without checking', async () => {
    const m = setup({ credentials: { user: alice, passwordHash: 'h' }, lock: 60 });
    await expect(m.service.verifyCurrentPassword(alice, 'pw', 'ip')).rejects.toThrow(TooManyAttemptsError);
    expect(m.hasher.verify).not.toHaveBeenCalled();
  });
});
