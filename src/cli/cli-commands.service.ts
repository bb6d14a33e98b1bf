import { Injectable, Optional } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CLI_ACTOR } from '../admin/actor';
import { AdminService, dailyLimitText, exportedUser, inviteLink } from '../admin/admin.service';
import { MintInviteDto } from '../admin/dto/admin-forms.dto';
import { FirstAdminService } from '../users/first-admin.service';
import { passwordProblem } from '../users/passwords/password-policy';
import { USERNAME_PATTERN, USERNAME_RULE } from '../users/username';
import { AdminExistsError, UsersService } from '../users/users.service';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { FilesImport } from '../persistence/import/files-import.service';
import { reportLines } from '../persistence/import/import-steps';
import { CliCommand, USAGE } from './cli-args';
import { CliRefusedError, CliUsageError } from './cli-errors';
import { CliIo } from './cli-io';

const ADMIN_EXISTS =
  'An admin already exists: create-admin only makes the first one. Use mint-invite --role admin for more.';

/**
 * The admin CLI's commands (SPEC §6.3). They go through the same services, JSON store and locks as
 * the server, so they are safe while it runs; every change is audited with actor `cli`.
 */
@Injectable()
export class CliCommands {
  constructor(
    private readonly admin: AdminService,
    private readonly users: UsersService,
    private readonly firstAdmin: FirstAdminService,
    private readonly config: AppConfig,
    /** Bound in postgres mode only (CliModule). */
    @Optional() private readonly filesImport?: FilesImport,
  ) {}

  /** Runs one command; throws CliUsageError / CliRefusedError for exit codes 2 / 1. */
  async run(command: CliCommand, io: CliIo): Promise<void> {
    try {
      await this.dispatch(command, io);
    } catch (error) {
      // The services' refusals (DomainError) are exit 1 on the console, with their message.
      if (error instanceof DomainError) throw new CliRefusedError(error.message);
      throw error;
    }
  }

  private dispatch(command: CliCommand, io: CliIo): Promise<void> {
    switch (command.name) {
      case 'help':
        io.out(USAGE);
        return Promise.resolve();
      case 'create-admin':
        return this.createAdmin(command.username, io);
      case 'mint-invite':
        return this.mintInvite(command, io);
      case 'reset-password':
        return this.resetPassword(command.username, io);
      case 'list-users':
        return this.listUsers(command.json, io);
      case 'disable-user':
        return this.disableUser(command.username, io);
      case 'enable-user':
        return this.enableUser(command.username, io);
      case 'reset-2fa':
        return this.resetTwoFactor(command.username, io);
      case 'import-files':
        return this.importFiles(command.from, io);
    }
  }

  private async createAdmin(username: string, io: CliIo): Promise<void> {
    if (!USERNAME_PATTERN.test(username)) throw new CliUsageError(`create-admin: ${USERNAME_RULE}`);
    // Refuse before asking for a password nobody will use.
    if (await this.firstAdmin.hasAdmin()) throw new CliRefusedError(ADMIN_EXISTS);
    const password = await io.readNewPassword();
    const problem = passwordProblem(password);
    if (problem) throw new CliRefusedError(`Password refused: ${problem}`);
    const user = await this.firstAdmin
      .create(username, password, (created) => ({
        event: 'admin.cli',
        context: { actor: CLI_ACTOR.name, ip: null, command: 'create-admin', created: created.username },
      }))
      .catch((error: unknown) => {
        if (error instanceof AdminExistsError) throw new CliRefusedError(ADMIN_EXISTS);
        throw error;
      });
    io.out(`Created admin ${user.username}. Log in at ${this.origin()}/login`);
  }

  private async mintInvite(command: Extract<CliCommand, { name: 'mint-invite' }>, io: CliIo): Promise<void> {
    const input = plainToInstance(MintInviteDto, {
      role: command.role,
      note: command.note,
      maxUses: command.maxUses,
      expiresInDays: command.expiresInDays,
      code: command.code,
    });
    const problems = validateSync(input, { whitelist: true }).flatMap((e) => Object.values(e.constraints ?? {}));
    if (problems.length > 0) throw new CliUsageError(`mint-invite: ${problems.join(' ')}`);
    const invite = await this.admin.mintInvite(CLI_ACTOR, input, null);
    io.out(`Invite code: ${invite.code}`);
    io.out(`Invite link: ${inviteLink(this.origin(), invite.code)}`);
    io.out(
      `Role ${invite.role}, ${invite.maxUses} use(s), ` +
        `expires ${invite.expiresAt ? invite.expiresAt.replace('T', ' ').slice(0, 16) + ' UTC' : 'never'}.`,
    );
  }

  private async resetPassword(username: string, io: CliIo): Promise<void> {
    await this.knownUser(username);
    const { user, path } = await this.admin.createResetLink(CLI_ACTOR, username, null);
    io.out(`One-time password reset link for ${user.username} (valid 24 hours, works once):`);
    io.out(`${this.origin()}${path}`);
  }

  private async listUsers(json: boolean, io: CliIo): Promise<void> {
    const users = (await this.users.list()).map(exportedUser);
    if (json) {
      io.out(JSON.stringify({ users }, null, 2));
      return;
    }
    const rows = users.map((u) => [
      u.username,
      u.role,
      u.disabled ? 'disabled' : 'active',
      shortDate(u.created_at),
      shortDate(u.last_login_at),
      u.invited_by ?? '-',
      dailyLimitText(u.daily_drafts ?? this.config.generationDailyDrafts),
    ]);
    io.out(table(['USERNAME', 'ROLE', 'STATUS', 'CREATED', 'LAST LOGIN', 'INVITED BY', 'DAILY LIMIT'], rows));
    io.out(`${users.length} user(s).`);
  }

  private async disableUser(username: string, io: CliIo): Promise<void> {
    await this.knownUser(username);
    const user = await this.admin.disableUser(CLI_ACTOR, username, null);
    io.out(`Disabled ${user.username} and ended all their sessions.`);
  }

  private async enableUser(username: string, io: CliIo): Promise<void> {
    await this.knownUser(username);
    const user = await this.admin.enableUser(CLI_ACTOR, username, null);
    io.out(`Enabled ${user.username}.`);
  }

  private async resetTwoFactor(username: string, io: CliIo): Promise<void> {
    await this.knownUser(username);
    const user = await this.admin.resetTwoFactor(CLI_ACTOR, username, null);
    io.out(`Turned off two-factor login for ${user.username} and ended all their sessions.`);
  }

  private async importFiles(from: string, io: CliIo): Promise<void> {
    if (this.config.store !== 'postgres' || !this.filesImport) {
      throw new CliRefusedError(
        'import-files copies into PostgreSQL: run it with STORE=postgres and DATABASE_URL naming the database.',
      );
    }
    const report = await this.filesImport.run(from);
    io.out(`Copied ${from} into the database in one transaction:`);
    for (const line of reportLines(report)) io.out(line);
    for (const note of report.notes) io.out(note);
    io.out(
      'Not copied: sessions (everyone logs in once more), login throttle counters, password reset links ' +
        '(make new ones). Start the hosts with STORE=postgres.',
    );
  }

  private async knownUser(username: string): Promise<void> {
    if (!(await this.users.findByUsername(username))) throw new CliRefusedError(`No such user: ${username}`);
  }

  /** PUBLIC_URL, else where the server listens as a browser on this machine would reach it (links printed for copying). */
  private origin(): string {
    if (this.config.publicUrl) return this.config.publicUrl;
    const host = ['0.0.0.0', '::', ''].includes(this.config.host) ? 'localhost' : this.config.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.config.port}`;
  }
}

function shortDate(value: string | null): string {
  return value ? value.replace('T', ' ').slice(0, 16) : '-';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
