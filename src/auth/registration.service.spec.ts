import { strictMock } from '../../test/helpers/strict-mock';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { InviteNotValidError } from '../invites/invite-errors';
import { Invite } from '../invites/invite.model';
import { InvitesService } from '../invites/invites.service';
import { Unit, UnitOfWork } from '../persistence/unit-of-work';
import { TooManyAttemptsError } from './auth-errors';
import { PasswordHasher } from '../users/passwords/password-hasher';
import { RegistrationService } from './registration.service';
import { RateLimiter } from './throttling/rate-limiter.service';
import { User } from '../users/user.model';
import { UsernameTakenError, UsersService } from '../users/users.service';

const invite = { code: 'code-123456', role: 'admin', createdBy: 'root' } as Invite;
const created = { id: 'new', username: 'newbie', role: 'admin' } as User;
const input = { username: 'newbie', password: 'a fine passphrase', inviteCode: ' code-123456 ' };

function setup() {
  const invites = strictMock<InvitesService>('InvitesService', {
    check: async () => invite,
    redeem: async () => invite,
    release: async () => undefined,
  });
  const users = strictMock<UsersService>('UsersService', {
    findByUsername: async () => undefined,
    create: async () => created,
  });
  const hasher = strictMock<PasswordHasher>('PasswordHasher', { hash: async () => '$2b$hash' });
  const limiter = strictMock<RateLimiter>('RateLimiter', {
    take: async () => ({ retryAfter: 0, firstRefusal: false }),
  });
  const audit = strictMock<AuditService>('AuditService', { record: async () => undefined });
  // Runs the unit like the real ones do: its undo steps run (newest first) when it fails.
  const unitOfWork = strictMock<UnitOfWork>('UnitOfWork', {
    run: async (_name: string, fn: (unit: Unit) => Promise<unknown>) => {
      const undo: Array<() => Promise<void>> = [];
      try {
        return await fn({ onRollback: (step) => void undo.push(step) });
      } catch (error) {
        for (const step of undo.reverse()) await step();
        throw error;
      }
    },
  });
  const config = { registerMaxPerIpHour: 20 } as AppConfig;
  const service = new RegistrationService(invites, users, hasher, limiter, audit, unitOfWork, config);
  return { service, invites, users, hasher, limiter, audit, unitOfWork };
}

describe('RegistrationService', () => {
  it('redeems the (trimmed) code inside the critical section and creates the user with the invite role', async () => {
    const m = setup();
    await expect(m.service.register(input, 'ip')).resolves.toBe(created);
    expect(m.unitOfWork.run).toHaveBeenCalledWith('registration', expect.any(Function));
    expect(m.invites.redeem).toHaveBeenCalledWith('code-123456', 'newbie');
    expect(m.users.create).toHaveBeenCalledWith({
      username: 'newbie',
      passwordHash: '$2b$hash',
      role: 'admin',
      invitedBy: 'root',
      inviteCode: 'code-123456',
    });
    expect(m.audit.record).toHaveBeenCalledWith('register', expect.objectContaining({ actor: 'newbie' }));
  });

  it('refuses a bad invite before hashing (no bcrypt cost for junk)', async () => {
    const m = setup();
    m.invites.check.mockRejectedValue(new InviteNotValidError());
    await expect(m.service.register(input, 'ip')).rejects.toThrow(InviteNotValidError);
    expect(m.hasher.hash).not.toHaveBeenCalled();
    expect(m.users.create).not.toHaveBeenCalled();
  });

  it('refuses a taken username (409) without using the invite', async () => {
    const m = setup();
    m.users.findByUsername.mockResolvedValue(created);
    await expect(m.service.register(input, 'ip')).rejects.toThrow(UsernameTakenError);
    expect(m.invites.redeem).not.toHaveBeenCalled();
  });

  it('gives the invite use back if the account cannot be created', async () => {
    const m = setup();
    m.users.create.mockRejectedValue(new UsernameTakenError());
    await expect(m.service.register(input, 'ip')).rejects.toThrow(UsernameTakenError);
    expect(m.invites.release).toHaveBeenCalledWith('code-123456', 'newbie');
  });

  it('countAttempt() throws 429 with Retry-After when the IP is over its hourly allowance', async () => {
    const m = setup();
    m.limiter.take.mockResolvedValue({ retryAfter: 1800, firstRefusal: true });
    const error = await m.service.countAttempt('5.6.7.8').catch((e) => e);
    expect(error).toBeInstanceOf(TooManyAttemptsError);
    expect(error.retryAfterSeconds).toBe(1800);
    expect(m.limiter.take).toHaveBeenCalledWith('register:ip:5.6.7.8', { max: 20, windowMs: 3600_000 });
    expect(m.audit.record).toHaveBeenCalledWith('register.throttled', expect.objectContaining({ ip: '5.6.7.8' }));
  });

  it('countAttempt() records the lockout only on its first refusal, and keys IPv6 clients by /64', async () => {
    const m = setup();
    m.limiter.take.mockResolvedValue({ retryAfter: 1700, firstRefusal: false });
    await expect(m.service.countAttempt('2001:db8:1:2:3:4:5:6')).rejects.toThrow(TooManyAttemptsError);
    expect(m.audit.record).not.toHaveBeenCalled();
    expect(m.limiter.take).toHaveBeenCalledWith('register:ip:2001:db8:1:2::/64', expect.anything());
  });
});
