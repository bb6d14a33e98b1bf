import { strictMock } from '../../../test/helpers/strict-mock';
import { AuditService } from '../../audit/audit.service';
import { ManualClock } from '../../common/clock/clock';
import { DomainError } from '../../common/errors/domain-error';
import { Unit, UnitOfWork } from '../../persistence/unit-of-work';
import { PasswordHasher } from '../../users/passwords/password-hasher';
import { User } from '../../users/user.model';
import { UsersRepository } from '../../users/users.repository';
import { UsersService } from '../../users/users.service';
import { SessionSecretService } from '../session/session-secret.service';
import { PasswordAttempts } from '../throttling/password-attempts.service';
import { MemoryTwoFactorRepository } from './persistence/memory/memory-two-factor.repository';
import { SecretBox } from './secret-box';
import { Totp } from './totp';
import { TwoFactorService } from './two-factor.service';

const alice: User = {
  id: 'id-alice',
  username: 'alice',
  role: 'admin',
  createdAt: null,
  disabled: false,
  invitedBy: null,
  lastLoginAt: null,
  sessionVersion: 0,
  dailyDrafts: null,
};

class InlineUnitOfWork extends UnitOfWork {
  readonly names: string[] = [];
  run<T>(name: string, fn: (unit: Unit) => Promise<T>): Promise<T> {
    this.names.push(name);
    return fn({ onRollback: () => undefined });
  }
}

function setup() {
  const clock = new ManualClock(new Date('2026-12-07T05:00:10Z'));
  const repository = new MemoryTwoFactorRepository();
  const totp = new Totp();
  const box = new SecretBox({ secret: 'unit-test-session-secret-0123456789abcdef' } as SessionSecretService);
  const units = new InlineUnitOfWork();
  const attempts = strictMock<PasswordAttempts>('PasswordAttempts', {
    run: async (_u: string, _ip: string, check: () => Promise<boolean>) => ({ valid: await check(), locked: false }),
  });
  const users = strictMock<UsersRepository>('UsersRepository', {
    findCredentials: async () => ({ user: alice, passwordHash: 'hash' }),
  });
  const usersService = strictMock<UsersService>('UsersService', { recordLogin: async () => undefined });
  const hasher = strictMock<PasswordHasher>('PasswordHasher', { verify: async (pw: string) => pw === 'right' });
  const audit = strictMock<AuditService>('AuditService', { record: async () => undefined });
  const service = new TwoFactorService(
    repository,
    totp,
    box,
    units,
    attempts,
    users,
    usersService,
    hasher,
    audit,
    clock,
  );
  /** Enrols alice; returns her secret and recovery codes. */
  const enrol = async () => {
    const { secret } = await service.beginSetup(alice);
    const codes = await service.enable(alice, totp.generate(secret, clock.now()), '1.2.3.4');
    return { secret, codes };
  };
  return { service, repository, totp, clock, attempts, audit, units, usersService, enrol };
}

const domainError = (code: string) => expect.objectContaining({ code }) as unknown as DomainError;

describe('TwoFactorService', () => {
  it('enrols: a pending secret, sealed at rest, turned on by a current code, with 10 hashed recovery codes', async () => {
    const m = setup();
    const { secret, uri } = await m.service.beginSetup(alice);
    expect(uri).toContain(`secret=${secret}`);
    const pending = (await m.repository.find(alice.id))?.pending;
    expect(pending?.sealedSecret).not.toContain(secret);
    expect(await m.service.pendingSetup(alice)).toEqual({ secret, uri });
    expect(await m.service.status(alice.id)).toMatchObject({ enabled: false, pending: true });

    await expect(m.service.enable(alice, '000000', 'ip')).rejects.toEqual(domainError('invalid_input'));
    const codes = await m.service.enable(alice, m.totp.generate(secret, m.clock.now()), 'ip');
    expect(codes).toHaveLength(10);
    const enrolment = (await m.repository.find(alice.id))?.enrolment;
    expect(enrolment?.recoveryCodeHashes).toHaveLength(10);
    for (const code of codes) expect(JSON.stringify(enrolment)).not.toContain(code.replace(/-/g, ''));
    expect(await m.service.status(alice.id)).toMatchObject({ enabled: true, recoveryCodesLeft: 10, pending: false });
    expect(await m.service.pendingSetup(alice)).toBeUndefined();
    expect(m.audit.record).toHaveBeenCalledWith('2fa.enable', { actor: 'alice', ip: 'ip' });
    // Neither the secret nor a code reaches the audit log.
    expect(JSON.stringify(m.audit.record.mock.calls)).not.toMatch(new RegExp(`${secret}|${codes[0]}`));
  });

  it('refuses a new setup or a second enable while on', async () => {
    const m = setup();
    await m.enrol();
    await expect(m.service.beginSetup(alice)).rejects.toEqual(domainError('conflict'));
    await expect(m.service.enable(alice, '123456', 'ip')).rejects.toEqual(domainError('conflict'));
  });

  it("the code used to enrol cannot log in again (its step is spent); the next step's code can, once", async () => {
    const m = setup();
    const { secret } = await m.enrol();
    const enrolCode = m.totp.generate(secret, m.clock.now());
    await expect(m.service.verifySecondFactor(alice, enrolCode, 'ip')).rejects.toEqual(
      domainError('invalid_credentials'),
    );
    m.clock.advance(30_000);
    const next = m.totp.generate(secret, m.clock.now());
    await expect(m.service.verifySecondFactor(alice, next, 'ip')).resolves.toBe('totp');
    await expect(m.service.verifySecondFactor(alice, next, 'ip')).rejects.toEqual(domainError('invalid_credentials'));
    expect(m.audit.record).toHaveBeenCalledWith('login.2fa_failure', {
      actor: 'alice',
      ip: 'ip',
      locked: false,
      via: 'login_2fa',
    });
    expect(m.units.names).toContain('two-factor-codes');
  });

  it('accepts a code one step behind or ahead (clock drift), not two', async () => {
    const m = setup();
    const { secret } = await m.enrol();
    m.clock.advance(10 * 30_000);
    const at = (steps: number) => m.totp.generate(secret, new Date(m.clock.now().getTime() + steps * 30_000));
    await expect(m.service.verifySecondFactor(alice, at(-2), 'ip')).rejects.toBeInstanceOf(DomainError);
    await expect(m.service.verifySecondFactor(alice, at(-1), 'ip')).resolves.toBe('totp');
    await expect(m.service.verifySecondFactor(alice, at(+2), 'ip')).rejects.toBeInstanceOf(DomainError);
    await expect(m.service.verifySecondFactor(alice, at(+1), 'ip')).resolves.toBe('totp');
    // Having used step +1, the current step's code is older: refused.
    await expect(m.service.verifySecondFactor(alice, at(0), 'ip')).rejects.toBeInstanceOf(DomainError);
  });

  it('each recovery code works once, typed in any case and grouping, and is audited without the code', async () => {
    const m = setup();
    const { codes } = await m.enrol();
    const typed = codes[3].toUpperCase().replace(/-/g, ' ');
    await expect(m.service.verifySecondFactor(alice, typed, 'ip')).resolves.toBe('recovery_code');
    await expect(m.service.verifySecondFactor(alice, codes[3], 'ip')).rejects.toEqual(
      domainError('invalid_credentials'),
    );
    expect(m.audit.record).toHaveBeenCalledWith('login.recovery_code', {
      actor: 'alice',
      ip: 'ip',
      via: 'login_2fa',
      left: 9,
    });
    expect(JSON.stringify(m.audit.record.mock.calls)).not.toContain(codes[3]);
  });

  it('counts every check as an attempt of the username and IP (the login lockout)', async () => {
    const m = setup();
    await m.enrol();
    await m.service.verifySecondFactor(alice, '000000', '9.9.9.9').catch(() => undefined);
    expect(m.attempts.run).toHaveBeenCalledWith('alice', '9.9.9.9', expect.any(Function), 'login_2fa');
  });

  it('disable needs the current password and a code; then it is off', async () => {
    const m = setup();
    const { secret } = await m.enrol();
    m.clock.advance(30_000);
    const code = m.totp.generate(secret, m.clock.now());
    await expect(m.service.disable(alice, 'wrong', code, 'ip')).rejects.toEqual(domainError('invalid_credentials'));
    await expect(m.service.disable(alice, 'right', '000000', 'ip')).rejects.toEqual(domainError('invalid_credentials'));
    await m.service.disable(alice, 'right', code, 'ip');
    expect(await m.service.isEnabled(alice.id)).toBe(false);
    expect(m.audit.record).toHaveBeenCalledWith('2fa.disable', { actor: 'alice', ip: 'ip' });
  });

  it('completing a login records it, with the second factor used', async () => {
    const m = setup();
    await m.service.completeLogin(alice, 'totp', 'ip');
    expect(m.usersService.recordLogin).toHaveBeenCalledWith('id-alice');
    expect(m.audit.record).toHaveBeenCalledWith('login.success', { actor: 'alice', ip: 'ip', second_factor: 'totp' });
  });
});
