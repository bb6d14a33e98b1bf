import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { PasswordHasher } from '../users/passwords/password-hasher';
import { User } from '../users/user.model';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';

export const CURRENT_PASSWORD_WRONG = 'Your current password is not correct.';

/** "Change my password" (SPEC §4): the current password is checked like a login attempt. */
@Injectable()
export class PasswordChangeService {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  /**
   * Sets the new password and ends every other session of the user (the version bumps); returns the
   * new session version for the caller's own session. Throws 400 on the currentPassword field when it
   * is wrong, 429 while the account is locked.
   */
  async changePassword(user: User, currentPassword: string, newPassword: string, ip: string): Promise<number> {
    if (!(await this.auth.verifyCurrentPassword(user, currentPassword, ip))) {
      throw new DomainError('invalid_input', CURRENT_PASSWORD_WRONG, { field: 'currentPassword' });
    }
    const version = await this.users.setPasswordHash(user.id, await this.hasher.hash(newPassword));
    await this.audit.record('user.password_change', { actor: user.username, ip });
    return version;
  }
}
