import { Injectable } from '@nestjs/common';
import { ApiTokensService } from '../api-tokens/api-tokens.service';
import { AuditService } from '../audit/audit.service';
import { AuditEntry } from '../audit/audit-event';
import { hint } from '../auth/registration.service';
import { PasswordResetService } from '../auth/reset/password-reset.service';
import { Role, User } from '../users/user.model';
import { UsernameTakenError, UserNotFoundError, UsersService } from '../users/users.service';
import { DomainError } from '../common/errors/domain-error';
import { FirstAdminService } from '../users/first-admin.service';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { TwoFactorRepository } from '../auth/two-factor/two-factor.repository';
import { TwoFactorService } from '../auth/two-factor/two-factor.service';
import { Invite } from '../invites/invite.model';
import { InvitesService } from '../invites/invites.service';
import { Actor } from './actor';
import { DeleteNotConfirmedError, SelfLockoutError } from './admin-errors';
import {
  AdminPanelView,
  BootstrapState,
  ExportedUser,
  PanelAuditEvent,
  PanelInvite,
  PanelUser,
} from './admin-panel.model';
import { MintInviteDto } from './dto/admin-forms.dto';

export const AUDIT_EVENTS_SHOWN = 50;
const NO_ACCESS = 'You do not have access to this page.';
const AUDIT_BASE_KEYS = new Set(['at', 'event', 'actor', 'ip']);

/**
 * The admin panel's view model and every admin action, shared by the web panel and the CLI. Each
 * action checks its rules, delegates the change to the owning service, and writes one audit event
 * naming the acting admin (or `cli`).
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly users: UsersService,
    private readonly invites: InvitesService,
    private readonly resets: PasswordResetService,
    private readonly firstAdmin: FirstAdminService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly twoFactorStates: TwoFactorRepository,
    private readonly twoFactor: TwoFactorService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  // ---- reading -------------------------------------------------------------------------------

  /** Everything GET /admin shows. `origin` (`http://host:port`) turns paths into copyable links. */
  async panel(viewer: User, origin: string): Promise<AdminPanelView> {
    const [users, invites, audit, bootstrap, enrolled, tokenCounts] = await Promise.all([
      this.users.list(),
      this.invites.list(),
      this.audit.recent(AUDIT_EVENTS_SHOWN),
      this.bootstrapState(),
      this.twoFactorStates.enrolledUserIds(),
      this.apiTokens.liveCountsByUser(),
    ]);
    return {
      users: users.map((u) => this.panelUser(u, viewer, enrolled.has(u.id), tokenCounts.get(u.id) ?? 0)),
      invites: invites.map((i) => panelInvite(i, origin)),
      audit: audit.map(panelAuditEvent),
      bootstrap,
      defaultDailyDrafts: dailyLimitText(this.config.generationDailyDrafts),
    };
  }

  async bootstrapState(): Promise<BootstrapState> {
    const enabled = this.firstAdmin.bootstrapAvailable;
    const adminExists = await this.users.hasAdmin();
    return { enabled, adminExists, open: enabled && !adminExists };
  }

  /** Users for GET /admin/users.json: no password hash, no invite code, nothing secret. */
  async exportUsers(actor: Actor, ip: string | null): Promise<{ exported_at: string; users: ExportedUser[] }> {
    const users = (await this.users.list()).map(exportedUser);
    await this.audit.record('users.export', { actor: actor.name, ip, count: users.length });
    return { exported_at: this.clock.now().toISOString(), users };
  }

  // ---- invites -------------------------------------------------------------------------------

  async mintInvite(actor: Actor, input: MintInviteDto, ip: string | null): Promise<Invite> {
    const invite = await this.invites.mint({
      note: input.note,
      role: input.role,
      maxUses: input.maxUses,
      expiresInDays: input.expiresInDays,
      code: input.code,
      createdBy: actor.name,
    });
    await this.audit.record('invite.mint', {
      actor: actor.name,
      ip,
      invite: hint(invite.code),
      custom: !!input.code,
      role: invite.role,
      max_uses: invite.maxUses,
      expires_at: invite.expiresAt,
    });
    return invite;
  }

  async revokeInvite(actor: Actor, code: string, ip: string | null): Promise<Invite> {
    const invite = await this.invites.revoke(code, actor.name).catch((error: unknown) => {
      // The panel shows field errors only for its mint form: report "no such invite" as a page message.
      if (error instanceof DomainError) throw new DomainError(error.code, error.message);
      throw error;
    });
    await this.audit.record('invite.revoke', { actor: actor.name, ip, invite: hint(invite.code) });
    return invite;
  }

  // ---- users ---------------------------------------------------------------------------------

  /**
   * Disables the account and ends its sessions and revokes its API tokens (SPEC §5.2), so re-enabling
   * it later revives neither.
   */
  async disableUser(actor: Actor, username: string, ip: string | null): Promise<User> {
    const target = await this.target(username);
    if (target.id === actor.userId) throw new SelfLockoutError('disable');
    const user = await this.users.setDisabled(target.username, true);
    await this.users.endAllSessions(user.username);
    await this.audit.record('user.disable', { actor: actor.name, ip, target: user.username });
    await this.apiTokens.revokeAllForUser(user, actor.name, ip, 'user_disabled');
    return user;
  }

  async enableUser(actor: Actor, username: string, ip: string | null): Promise<User> {
    const target = await this.target(username);
    const user = await this.users.setDisabled(target.username, false);
    await this.audit.record('user.enable', { actor: actor.name, ip, target: user.username });
    return user;
  }

  async setRole(actor: Actor, username: string, role: Role, ip: string | null): Promise<User> {
    const target = await this.target(username);
    if (target.id === actor.userId && role !== 'admin') throw new SelfLockoutError('demote');
    const user = await this.users.setRole(target.username, role);
    await this.audit.record('user.role', { actor: actor.name, ip, target: user.username, from: target.role, to: role });
    return user;
  }

  async deleteUser(actor: Actor, username: string, confirmed: boolean, ip: string | null): Promise<User> {
    const target = await this.target(username);
    if (target.id === actor.userId) throw new SelfLockoutError('delete');
    if (!confirmed) throw new DeleteNotConfirmedError(target.username);
    const user = await this.users.delete(target.username);
    await this.audit.record('user.delete', { actor: actor.name, ip, target: user.username, role: user.role });
    await this.apiTokens.revokeAllForUser(user, actor.name, ip, 'user_deleted');
    return user;
  }

  /**
   * "Sign out everywhere": bumps the session version, so every session of the user ends, and revokes
   * the user's API tokens (SPEC §5.2).
   */
  async endSessions(actor: Actor, username: string, ip: string | null): Promise<User> {
    const user = await this.users.endAllSessions((await this.target(username)).username);
    await this.audit.record('user.sessions_revoked', { actor: actor.name, ip, target: user.username });
    await this.apiTokens.revokeAllForUser(user, actor.name, ip, 'signed_out_everywhere');
    return user;
  }

  /**
   * Turns off the user's two-factor login (they enrol again) and ends all their sessions (SPEC §5.1).
   * Resetting your own needs your own current code (`ownCode`, a counted attempt like a login's).
   */
  async resetTwoFactor(actor: Actor, username: string, ip: string | null, ownCode?: string): Promise<User> {
    const target = await this.target(username);
    if (!(await this.twoFactor.isEnabled(target.id))) {
      throw new DomainError('conflict', `${target.username} does not have two-factor login on.`);
    }
    if (actor.userId === target.id) {
      if (!ownCode?.trim()) {
        throw new DomainError('invalid_input', 'To reset your own two-factor login, enter a current code.', {
          field: 'code',
        });
      }
      await this.twoFactor.verifySecondFactor(target, ownCode, ip ?? '', 'reset_2fa');
    }
    await this.twoFactor.turnOff(target.id);
    const user = await this.users.endAllSessions(target.username);
    await this.audit.record('2fa.reset', { actor: actor.name, ip, target: user.username });
    return user;
  }

  /** A one-time `/reset-password?token=...` path, valid 24 h (PasswordResetService audits it). */
  createResetLink(actor: Actor, username: string, ip: string | null): Promise<{ user: User; path: string }> {
    return this.resets.createLink(username, actor.name, ip);
  }

  // ---- first admin (SPEC §6.2) ---------------------------------------------------------------

  /** Any logged-in user, while ADMIN_BOOTSTRAP_PASSWORD is set and no admin exists. */
  async bootstrap(viewer: User, ip: string): Promise<User> {
    if (viewer.role === 'admin') throw new DomainError('conflict', 'An admin already exists.');
    if (!(await this.bootstrapState()).open) throw new DomainError('forbidden', NO_ACCESS);
    return this.firstAdmin.bootstrap(viewer, ip).catch((error: unknown) => {
      if (error instanceof UsernameTakenError) {
        throw new DomainError(
          'conflict',
          'A user named "admin" already exists, so the bootstrap cannot create it. Use /admin/setup or the CLI.',
        );
      }
      throw error;
    });
  }

  /**
   * What GET /admin shows a user who is not an admin: the bootstrap page while §6.2 applies, or right
   * after they used it (`justBootstrapped`, so they see the result); otherwise 403.
   */
  async bootstrapPage(justBootstrapped: boolean): Promise<BootstrapState> {
    const bootstrap = await this.bootstrapState();
    if (!bootstrap.open && !justBootstrapped) throw new DomainError('forbidden', NO_ACCESS);
    return bootstrap;
  }

  private async target(username: string): Promise<User> {
    const user = await this.users.findByUsername(username);
    if (!user) throw new UserNotFoundError();
    return user;
  }

  private panelUser(user: User, viewer: User, twoFactor: boolean, apiTokens: number): PanelUser {
    const limit = user.dailyDrafts ?? this.config.generationDailyDrafts;
    return {
      username: user.username,
      path: encodeURIComponent(user.username),
      role: user.role,
      isAdmin: user.role === 'admin',
      createdAt: user.createdAt,
      invitedBy: user.invitedBy,
      lastLoginAt: user.lastLoginAt,
      disabled: user.disabled,
      twoFactor,
      apiTokens,
      dailyLimit: dailyLimitText(limit),
      dailyLimitIsDefault: user.dailyDrafts === null,
      dailyDraftsOverride: user.dailyDrafts === null ? '' : String(user.dailyDrafts),
      isSelf: user.id === viewer.id,
    };
  }
}

export function dailyLimitText(limit: number): string {
  return limit === 0 ? 'unlimited' : String(limit);
}

export function inviteLink(origin: string, code: string): string {
  return `${origin}/register?code=${encodeURIComponent(code)}`;
}

function panelInvite(invite: Invite, origin: string): PanelInvite {
  const isActive = invite.status === 'active';
  return {
    code: invite.code,
    path: encodeURIComponent(invite.code),
    note: invite.note,
    role: invite.role,
    uses: invite.uses,
    maxUses: invite.maxUses,
    usedBy: invite.usedBy.join(', '),
    createdAt: invite.createdAt,
    createdBy: invite.createdBy,
    expiresAt: invite.expiresAt,
    status: invite.status,
    isActive,
    isRevoked: invite.status === 'revoked',
    link: isActive ? inviteLink(origin, invite.code) : null,
  };
}

function panelAuditEvent(entry: AuditEntry): PanelAuditEvent {
  const details = Object.entries(entry)
    .filter(([key]) => !AUDIT_BASE_KEYS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return { at: entry.at, event: entry.event, actor: entry.actor, ip: entry.ip, details };
}

export function exportedUser(user: User): ExportedUser {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    created_at: user.createdAt,
    disabled: user.disabled,
    invited_by: user.invitedBy,
    last_login_at: user.lastLoginAt,
    daily_drafts: user.dailyDrafts,
  };
}
