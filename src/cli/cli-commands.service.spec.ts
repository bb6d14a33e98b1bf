import { AdminService } from '../admin/admin.service';
import { AuditService } from '../audit/audit.service';
import { FirstAdminService } from '../users/first-admin.service';
import { PasswordHasher } from '../users/passwords/password-hasher';
import { aUser } from '../../test/factories/users';
import { anInvite } from '../../test/factories/invites';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import { AdminExistsError, LastAdminError, NewUser, UsernameTakenError, UsersService } from '../users/users.service';
import { AppConfig } from '../config/app-config';
import { CliCommands } from './cli-commands.service';
import { CliRefusedError, CliUsageError } from './cli-errors';
import { CliIo } from './cli-io';

const bob = aUser({ createdAt: '2026-01-02T03:04:05.000Z', sessionVersion: 3 });
const minted = anInvite({ code: 'Abc123_-xyz', role: 'admin', createdAt: null, createdBy: 'cli', maxUses: 2 });

describe('CliCommands', () => {
  let admin: StrictMock<AdminService>;
  let users: StrictMock<UsersService>;
  let hasher: StrictMock<PasswordHasher>;
  let audit: StrictMock<AuditService>;
  let out: string[];
  let err: string[];
  let io: CliIo & { readNewPassword: jest.Mock };
  let commands: CliCommands;

  beforeEach(() => {
    admin = strictMock<AdminService>('AdminService', {
      mintInvite: async () => minted,
      createResetLink: async () => ({ user: bob, path: '/reset-password?token=tok' }),
      disableUser: async () => ({ ...bob, disabled: true }),
      enableUser: async () => bob,
    });
    users = strictMock<UsersService>('UsersService', {
      hasAdmin: async () => false,
      create: async (input: NewUser) => ({ ...bob, username: input.username, role: input.role }),
      list: async () => [bob],
      findByUsername: async (name: string) => (name.toLowerCase() === 'bob' ? bob : undefined),
    });
    hasher = strictMock<PasswordHasher>('PasswordHasher', { hash: async () => '$2b$04$hash' });
    audit = strictMock<AuditService>('AuditService', { record: async () => undefined });
    out = [];
    err = [];
    io = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      readNewPassword: jest.fn().mockResolvedValue('a long enough passphrase'),
    };
    const config = { host: '0.0.0.0', port: 8080, generationDailyDrafts: 50 } as AppConfig;
    // The real first-admin path, over the stubbed users, hasher and audit log.
    commands = new CliCommands(admin, users, new FirstAdminService(users, hasher, audit, config), config);
  });

  describe('create-admin', () => {
    it('hashes the password, creates the admin only if none exists, audits with actor cli', async () => {
      await commands.run({ name: 'create-admin', username: 'alice' }, io);
      expect(hasher.hash).toHaveBeenCalledWith('a long enough passphrase');
      expect(users.create).toHaveBeenCalledWith(
        { username: 'alice', passwordHash: '$2b$04$hash', role: 'admin' },
        { onlyIfNoAdmin: true },
      );
      expect(audit.record).toHaveBeenCalledWith('admin.cli', {
        actor: 'cli',
        ip: null,
        command: 'create-admin',
        created: 'alice',
      });
      expect(out.join('\n')).toContain('Created admin alice. Log in at http://localhost:8080/login');
      expect(JSON.stringify([out, audit.record.mock.calls])).not.toContain('a long enough passphrase');
    });

    it('refuses once an admin exists, before asking for a password', async () => {
      users.hasAdmin.mockResolvedValue(true);
      const error = await commands.run({ name: 'create-admin', username: 'alice' }, io).catch((e) => e);
      expect(error).toBeInstanceOf(CliRefusedError);
      expect(error.message).toContain('An admin already exists');
      expect(io.readNewPassword).not.toHaveBeenCalled();
      expect(users.create).not.toHaveBeenCalled();
    });

    it('refuses when another process made an admin meanwhile', async () => {
      users.create.mockRejectedValue(new AdminExistsError());
      await expect(commands.run({ name: 'create-admin', username: 'alice' }, io)).rejects.toThrow(CliRefusedError);
    });

    it('applies the password policy (SPEC §5)', async () => {
      for (const [password, reason] of [
        ['short', 'at least 8'],
        ['password123', 'too common'],
        ['é'.repeat(37), 'at most 72 bytes'],
      ]) {
        io.readNewPassword.mockResolvedValue(password);
        const error = await commands.run({ name: 'create-admin', username: 'alice' }, io).catch((e) => e);
        expect(error).toBeInstanceOf(CliRefusedError);
        expect(error.message).toContain(reason);
      }
      expect(users.create).not.toHaveBeenCalled();
    });

    it('refuses an invalid username as a usage error', async () => {
      await expect(commands.run({ name: 'create-admin', username: 'a b' }, io)).rejects.toThrow(CliUsageError);
      expect(io.readNewPassword).not.toHaveBeenCalled();
    });

    it('turns a taken username into a refusal with the service message', async () => {
      users.create.mockRejectedValue(new UsernameTakenError());
      const error = await commands.run({ name: 'create-admin', username: 'bob' }, io).catch((e) => e);
      expect(error).toBeInstanceOf(CliRefusedError);
      expect(error.message).toBe('That username is taken.');
    });
  });

  describe('mint-invite', () => {
    it('validates the options like the web form and prints code and link', async () => {
      await commands.run({ name: 'mint-invite', role: 'admin', maxUses: '2', expiresInDays: '0', note: ' hi ' }, io);
      expect(admin.mintInvite).toHaveBeenCalledWith(
        { name: 'cli', userId: null },
        expect.objectContaining({ role: 'admin', maxUses: 2, expiresInDays: 0, note: 'hi' }),
        null,
      );
      expect(out).toEqual([
        'Invite code: Abc123_-xyz',
        'Invite link: http://localhost:8080/register?code=Abc123_-xyz',
        'Role admin, 2 use(s), expires never.',
      ]);
    });

    it.each([
      [{ role: 'boss' }, 'Choose a role'],
      [{ maxUses: '0' }, 'Uses must be a whole number from 1 to 1000.'],
      [{ maxUses: 'x' }, 'Uses must be'],
      [{ expiresInDays: '400' }, 'from 0 (never) to 365'],
      [{ code: 'abc' }, 'A custom code must be 6–64'],
    ])('refuses %j as a usage error without minting', async (options, message) => {
      const error = await commands.run({ name: 'mint-invite', ...options }, io).catch((e) => e);
      expect(error).toBeInstanceOf(CliUsageError);
      expect(error.message).toContain(message);
      expect(admin.mintInvite).not.toHaveBeenCalled();
    });
  });

  it('reset-password prints the full one-time link', async () => {
    await commands.run({ name: 'reset-password', username: 'BOB' }, io);
    expect(admin.createResetLink).toHaveBeenCalledWith({ name: 'cli', userId: null }, 'BOB', null);
    expect(out[1]).toBe('http://localhost:8080/reset-password?token=tok');
  });

  it.each(['reset-password', 'disable-user', 'enable-user'] as const)('%s refuses an unknown user', async (name) => {
    const error = await commands.run({ name, username: 'ghost' }, io).catch((e) => e);
    expect(error).toBeInstanceOf(CliRefusedError);
    expect(error.message).toBe('No such user: ghost');
  });

  it('disable-user reports the last-admin refusal', async () => {
    admin.disableUser.mockRejectedValue(new LastAdminError());
    const error = await commands.run({ name: 'disable-user', username: 'bob' }, io).catch((e) => e);
    expect(error).toBeInstanceOf(CliRefusedError);
    expect(error.message).toBe('The last admin cannot be disabled, demoted or deleted.');
  });

  it('list-users prints a table and JSON, never a hash or session version', async () => {
    await commands.run({ name: 'list-users', json: false }, io);
    const lines = out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^USERNAME\s+ROLE\s+STATUS\s+CREATED\s+LAST LOGIN\s+INVITED BY\s+DAILY LIMIT$/);
    expect(lines[1]).toMatch(/^bob\s+user\s+active\s+2026-01-02 03:04\s+-\s+root\s+50$/);
    expect(lines[2]).toBe('1 user(s).');
    out = [];
    await commands.run({ name: 'list-users', json: true }, io);
    const parsed = JSON.parse(out.join('\n'));
    expect(parsed.users[0]).toMatchObject({ username: 'bob', role: 'user', disabled: false });
    expect(out.join('\n')).not.toMatch(/hash|session_version/);
  });

  it('import-files is refused in files mode (it copies into PostgreSQL)', async () => {
    const error = await commands.run({ name: 'import-files', from: '/srv/data' }, io).catch((e) => e);
    expect(error).toBeInstanceOf(CliRefusedError);
    expect(error.message).toContain('STORE=postgres');
  });
});
