import { ApiTokensService } from '../api-tokens/api-tokens.service';
import { AuditService } from '../audit/audit.service';
import { PasswordResetService } from '../auth/reset/password-reset.service';
import { FirstAdminService } from '../users/first-admin.service';
import { Role } from '../users/user.model';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import { aUser, anAdmin } from '../../test/factories/users';
import { anInvite } from '../../test/factories/invites';
import { LastAdminError, UsernameTakenError, UserNotFoundError, UsersService } from '../users/users.service';
import { ManualClock } from '../common/clock/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { InvitesService, MintInviteInput } from '../invites/invites.service';
import { actorOf, CLI_ACTOR } from './actor';
import { DeleteNotConfirmedError, SelfLockoutError } from './admin-errors';
import { AdminService } from './admin.service';
import { TwoFactorRepository } from '../auth/two-factor/two-factor.repository';
import { TwoFactorService } from '../auth/two-factor/two-factor.service';

const user = aUser;
const invite = anInvite;
const root = anAdmin();
const bob = aUser();

/** FirstAdminService's `bootstrapAvailable` is a getter; the tests flip it. */
type FirstAdminStub = StrictMock<Omit<FirstAdminService, 'bootstrapAvailable'>> & { bootstrapAvailable: boolean };

describe('AdminService', () => {
  let users: StrictMock<UsersService>;
  let invites: StrictMock<InvitesService>;
  let resets: StrictMock<PasswordResetService>;
  let setup: FirstAdminStub;
  let audit: StrictMock<AuditService>;
  let apiTokens: StrictMock<ApiTokensService>;
  let service: AdminService;

  beforeEach(() => {
    users = strictMock<UsersService>('UsersService', {
      list: async () => [root, bob],
      findByUsername: async (name: string) => [root, bob].find((u) => u.username === name.toLowerCase()),
      hasAdmin: async () => true,
      setDisabled: async (name: string, disabled: boolean) => ({ ...bob, username: name, disabled }),
      setRole: async (name: string, role: Role) => ({ ...bob, username: name, role }),
      delete: async (name: string) => ({ ...bob, username: name }),
      endAllSessions: async (name: string) => ({ ...bob, username: name, sessionVersion: 1 }),
    });
    invites = strictMock<InvitesService>('InvitesService', {
      list: async () => [],
      mint: async (input: MintInviteInput) =>
        invite({ role: input.role ?? 'user', code: input.code ?? 'ABCDEFGHIJKLMNOPQRSTUVWX' }),
      revoke: async (code: string) => invite({ code, status: 'revoked' }),
    });
    resets = strictMock<PasswordResetService>('PasswordResetService', {
      createLink: async () => ({ user: bob, path: '/reset-password?token=t0k3n' }),
    });
    // bootstrap() is left unstubbed: a test that expects it to be called stubs it.
    setup = strictMock<FirstAdminStub>('FirstAdminService', { bootstrapAvailable: false });
    audit = strictMock<AuditService>('AuditService', { record: async () => undefined, recent: async () => [] });
    apiTokens = strictMock<ApiTokensService>('ApiTokensService', {
      liveCountsByUser: async () => new Map([[bob.id, 2]]),
      revokeAllForUser: async () => 0,
    });
    const config = { generationDailyDrafts: 50 } as AppConfig;
    service = new AdminService(
      users,
      invites,
      resets,
      setup as unknown as FirstAdminService,
      audit,
      config,
      new ManualClock(new Date('2026-03-01T12:00:00Z')),
      strictMock<TwoFactorRepository>('TwoFactorRepository', { enrolledUserIds: async () => new Set<string>() }),
      strictMock<TwoFactorService>('TwoFactorService'),
      apiTokens,
    );
  });

  describe('panel', () => {
    it('lists users with their daily limit (per-user override, default, 0 = unlimited) and marks the viewer', async () => {
      users.list.mockResolvedValue([
        root,
        bob,
        user({ id: 'c', username: 'carol', dailyDrafts: 0 }),
        user({ id: 'd', username: 'dan', dailyDrafts: 7 }),
      ]);
      const panel = await service.panel(root, 'http://h:1');
      expect(panel.users.map((u) => [u.username, u.dailyLimit, u.dailyLimitIsDefault, u.isSelf])).toEqual([
        ['root', '50', true, true],
        ['bob', '50', true, false],
        ['carol', 'unlimited', false, false],
        ['dan', '7', false, false],
      ]);
    });

    it('gives active invites a full link and no link to the others', async () => {
      invites.list.mockResolvedValue([
        invite({ code: 'active-code' }),
        invite({ code: 'gone-code', status: 'revoked' }),
      ]);
      const panel = await service.panel(root, 'http://h:1');
      expect(panel.invites.map((i) => [i.code, i.link, i.isRevoked])).toEqual([
        ['active-code', 'http://h:1/register?code=active-code', false],
        ['gone-code', null, true],
      ]);
    });

    it('shows audit details without the base keys', async () => {
      audit.recent.mockResolvedValue([
        { at: 'a', event: 'user.role', actor: 'root', ip: '1.2.3.4', target: 'bob', to: 'admin' },
      ]);
      const panel = await service.panel(root, 'http://h:1');
      expect(audit.recent).toHaveBeenCalledWith(50);
      expect(panel.audit[0]).toEqual({
        at: 'a',
        event: 'user.role',
        actor: 'root',
        ip: '1.2.3.4',
        details: 'target=bob to=admin',
      });
    });
  });

  it('mints with the acting admin as creator and audits a hint, never the code', async () => {
    await service.mintInvite(actorOf(root), { role: 'admin', maxUses: 2, code: 'SECRETCODE99' }, '10.0.0.1');
    expect(invites.mint).toHaveBeenCalledWith(
      expect.objectContaining({ role: 'admin', maxUses: 2, code: 'SECRETCODE99', createdBy: 'root' }),
    );
    expect(audit.record).toHaveBeenCalledWith(
      'invite.mint',
      expect.objectContaining({ actor: 'root', ip: '10.0.0.1', invite: 'SECR…', custom: true }),
    );
    expect(JSON.stringify(audit.record.mock.calls)).not.toContain('SECRETCODE99');
  });

  it('turns "no such invite" into a page-level 404 message when revoking', async () => {
    invites.revoke.mockRejectedValue(new DomainError('not_found', 'No such invite.', { field: 'code' }));
    const error = await service.revokeInvite(actorOf(root), 'nope', null).catch((e) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.status).toBe(404);
    expect(error.message).toBe('No such invite.');
    expect(error.fields).toEqual({});
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('disables a user, ends their sessions and audits it', async () => {
    await service.disableUser(actorOf(root), 'bob', null);
    expect(users.setDisabled).toHaveBeenCalledWith('bob', true);
    expect(users.endAllSessions).toHaveBeenCalledWith('bob');
    expect(audit.record).toHaveBeenCalledWith(
      'user.disable',
      expect.objectContaining({ actor: 'root', target: 'bob' }),
    );
    expect(apiTokens.revokeAllForUser).toHaveBeenCalledWith(
      expect.objectContaining({ username: 'bob' }),
      'root',
      null,
      'user_disabled',
    );
  });

  it('"sign out everywhere" revokes the API tokens too (SPEC §5.2)', async () => {
    await service.endSessions(actorOf(root), 'bob', '10.0.0.1');
    expect(apiTokens.revokeAllForUser).toHaveBeenCalledWith(
      expect.objectContaining({ username: 'bob' }),
      'root',
      '10.0.0.1',
      'signed_out_everywhere',
    );
  });

  it("shows each user's live API token count on the panel", async () => {
    const panel = await service.panel(root, 'http://h:1');
    expect(panel.users.map((u) => [u.username, u.apiTokens])).toEqual([
      [root.username, 0],
      [bob.username, 2],
    ]);
  });

  it.each([
    [
      'disable',
      (s: AdminService) => s.disableUser(actorOf(root), 'root', null),
      'You cannot disable your own account.',
    ],
    [
      'demote',
      (s: AdminService) => s.setRole(actorOf(root), 'ROOT', 'user', null),
      'You cannot demote your own account.',
    ],
    [
      'delete',
      (s: AdminService) => s.deleteUser(actorOf(root), 'root', true, null),
      'You cannot delete your own account.',
    ],
  ])('refuses to let an admin %s themself, changing nothing', async (_what, act, message) => {
    const error = await act(service).catch((e) => e);
    expect(error).toBeInstanceOf(SelfLockoutError);
    expect(error.message).toContain(message);
    expect(users.setDisabled).not.toHaveBeenCalled();
    expect(users.setRole).not.toHaveBeenCalled();
    expect(users.delete).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('lets an admin keep their own admin role (no-op promotion is not a lockout)', async () => {
    await service.setRole(actorOf(root), 'root', 'admin', null);
    expect(users.setRole).toHaveBeenCalledWith('root', 'admin');
  });

  it('passes the last-admin refusal through without auditing (the CLI has no account to protect)', async () => {
    users.setDisabled.mockRejectedValue(new LastAdminError());
    await expect(service.disableUser(CLI_ACTOR, 'root', null)).rejects.toThrow(LastAdminError);
    expect(users.endAllSessions).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('deletes only when confirmed', async () => {
    await expect(service.deleteUser(actorOf(root), 'bob', false, null)).rejects.toThrow(DeleteNotConfirmedError);
    expect(users.delete).not.toHaveBeenCalled();
    await service.deleteUser(actorOf(root), 'bob', true, null);
    expect(users.delete).toHaveBeenCalledWith('bob');
    expect(audit.record).toHaveBeenCalledWith('user.delete', expect.objectContaining({ actor: 'root', target: 'bob' }));
  });

  it('answers UserNotFoundError for an unknown user before changing anything', async () => {
    await expect(service.enableUser(actorOf(root), 'ghost', null)).rejects.toThrow(UserNotFoundError);
    await expect(service.endSessions(actorOf(root), 'ghost', null)).rejects.toThrow(UserNotFoundError);
    expect(users.setDisabled).not.toHaveBeenCalled();
    expect(users.endAllSessions).not.toHaveBeenCalled();
    expect(apiTokens.revokeAllForUser).not.toHaveBeenCalled();
  });

  it('records role changes with from and to', async () => {
    await service.setRole(actorOf(root), 'bob', 'admin', '::1');
    expect(audit.record).toHaveBeenCalledWith('user.role', {
      actor: 'root',
      ip: '::1',
      target: 'bob',
      from: 'user',
      to: 'admin',
    });
  });

  it('exports users without any secret field and audits the export', async () => {
    const result = await service.exportUsers(actorOf(root), null);
    expect(result.exported_at).toBe('2026-03-01T12:00:00.000Z');
    expect(Object.keys(result.users[0]).sort()).toEqual([
      'created_at',
      'daily_drafts',
      'disabled',
      'id',
      'invited_by',
      'last_login_at',
      'role',
      'username',
    ]);
    expect(audit.record).toHaveBeenCalledWith('users.export', { actor: 'root', ip: null, count: 2 });
  });

  describe('bootstrap', () => {
    it('is refused (403) for a user when the bootstrap password is not set', async () => {
      users.hasAdmin.mockResolvedValue(false);
      await expect(service.bootstrap(bob, 'ip')).rejects.toMatchObject({
        status: 403,
        message: 'You do not have access to this page.',
      });
      expect(setup.bootstrap).not.toHaveBeenCalled();
    });

    it('is refused (403) for a user once an admin exists', async () => {
      setup.bootstrapAvailable = true;
      await expect(service.bootstrap(bob, 'ip')).rejects.toMatchObject({
        status: 403,
        message: 'You do not have access to this page.',
      });
      expect(setup.bootstrap).not.toHaveBeenCalled();
    });

    it('is a 409 for an admin', async () => {
      const error = await service.bootstrap(root, 'ip').catch((e) => e);
      expect(error.status).toBe(409);
    });

    it('delegates to FirstAdminService while §6.2 applies', async () => {
      setup.bootstrapAvailable = true;
      users.hasAdmin.mockResolvedValue(false);
      setup.bootstrap.mockResolvedValue(user({ username: 'admin', role: 'admin' }));
      await expect(service.bootstrap(bob, 'ip')).resolves.toMatchObject({ username: 'admin' });
      expect(setup.bootstrap).toHaveBeenCalledWith(bob, 'ip');
    });

    it('explains when a plain user named "admin" is in the way', async () => {
      setup.bootstrapAvailable = true;
      users.hasAdmin.mockResolvedValue(false);
      setup.bootstrap.mockRejectedValue(new UsernameTakenError());
      const error = await service.bootstrap(bob, 'ip').catch((e) => e);
      expect(error.status).toBe(409);
      expect(error.message).toContain('A user named "admin" already exists');
    });
  });
});
