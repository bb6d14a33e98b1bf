import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/clock/clock';
import { DomainError } from '../../common/errors/domain-error';
import { PasswordHasher } from '../../users/passwords/password-hasher';
import { User } from '../../users/user.model';
import { UserNotFoundError, UsersService } from '../../users/users.service';
import { ResetTokensRepository } from './reset-tokens.repository';

export const RESET_VALID_HOURS = 24;
export const RESET_LINK_INVALID = 'This reset link is not valid or has expired. Ask an admin for a new one.';

export class ResetLinkInvalidError extends DomainError {
  constructor() {
    super('invalid_input', RESET_LINK_INVALID);
  }
}

/** One-time password reset links made by an admin or the CLI (SPEC §4). */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly tokens: ResetTokensRepository,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Returns the path with the token (`/reset-password?token=...`); earlier links for the user die. */
  async createLink(
    username: string,
    createdBy: string | null,
    ip: string | null,
  ): Promise<{ user: User; path: string }> {
    const user = await this.users.findByUsername(username);
    if (!user) throw new UserNotFoundError();
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.tokens.replaceTokenForUser(
      {
        tokenSha256: sha256(token),
        userId: user.id,
        username: user.username,
        createdAt: now.toISOString(),
        createdBy,
        expiresAt: new Date(now.getTime() + RESET_VALID_HOURS * 3600_000).toISOString(),
      },
      now,
    );
    await this.audit.record('user.password_reset_link', { actor: createdBy, ip, target: user.username });
    return { user, path: `/reset-password?token=${token}` };
  }

  async isValid(token: string | undefined): Promise<boolean> {
    return !!token && !!(await this.tokens.findValid(sha256(token), this.clock.now()));
  }

  /** Sets the password, ends all the user's sessions and kills the token. */
  async reset(token: string, password: string, ip: string): Promise<User> {
    const found = await this.tokens.findValid(sha256(token), this.clock.now());
    if (!found) throw new ResetLinkInvalidError();
    const passwordHash = await this.hasher.hash(password);
    if (!(await this.tokens.claim(found.tokenSha256))) throw new ResetLinkInvalidError();
    const user = await this.users.findById(found.userId);
    if (!user) throw new ResetLinkInvalidError();
    await this.users.setPasswordHash(user.id, passwordHash);
    await this.audit.record('user.password_reset', { actor: user.username, ip });
    return user;
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
