import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/clock/clock';
import { FormError } from '../../common/errors/form-error';
import { JsonFile } from '../../persistence/json/json-file';
import { JsonStore } from '../../persistence/json/json-store.service';
import { assertObjectWithArray } from '../../persistence/json/shapes';
import { PasswordHasher } from '../../users/passwords/password-hasher';
import { User } from '../../users/user.model';
import { UserNotFoundError, UsersService } from '../../users/users.service';

interface ResetRecord {
  /** SHA-256 of the token: the token itself is shown once and never stored. */
  token_sha256: string;
  user_id: string;
  username: string;
  created_at: string;
  created_by: string | null;
  expires_at: string;
}

interface ResetsFile {
  resets: ResetRecord[];
}

export const RESET_VALID_HOURS = 24;
export const RESET_LINK_INVALID = 'This reset link is not valid or has expired. Ask an admin for a new one.';

/** One-time password reset links made by an admin or the CLI (SPEC §4). */
@Injectable()
export class PasswordResetService {
  private readonly file: JsonFile<ResetsFile>;

  constructor(
    store: JsonStore,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {
    this.file = store.file<ResetsFile>('password-resets.json', {
      empty: () => ({ resets: [] }),
      validate: assertObjectWithArray('resets'),
    });
  }

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
    await this.file.update((data) => {
      data.resets = data.resets.filter((r) => r.user_id !== user.id && new Date(r.expires_at) > now);
      data.resets.push({
        token_sha256: sha256(token),
        user_id: user.id,
        username: user.username,
        created_at: now.toISOString(),
        created_by: createdBy,
        expires_at: new Date(now.getTime() + RESET_VALID_HOURS * 3600_000).toISOString(),
      });
    });
    await this.audit.record('user.password_reset_link', { actor: createdBy, ip, target: user.username });
    return { user, path: `/reset-password?token=${token}` };
  }

  async isValid(token: string | undefined): Promise<boolean> {
    return !!token && !!(await this.find(token));
  }

  /** Sets the password, ends all the user's sessions and kills the token. */
  async reset(token: string, password: string, ip: string): Promise<User> {
    const record = await this.find(token);
    if (!record) throw new FormError(RESET_LINK_INVALID, {}, 400);
    const passwordHash = await this.hasher.hash(password);
    const claimed = await this.file.update((data) => {
      const index = data.resets.findIndex((r) => r.token_sha256 === record.token_sha256);
      if (index < 0) return false;
      data.resets.splice(index, 1);
      return true;
    });
    if (!claimed) throw new FormError(RESET_LINK_INVALID, {}, 400);
    const user = await this.users.findById(record.user_id);
    if (!user) throw new FormError(RESET_LINK_INVALID, {}, 400);
    await this.users.setPasswordHash(user.id, passwordHash);
    await this.audit.record('user.password_reset', { actor: user.username, ip });
    return user;
  }

  private async find(token: string): Promise<ResetRecord | undefined> {
    const digest = sha256(token);
    const now = this.clock.now();
    return (await this.file.read()).resets.find((r) => r.token_sha256 === digest && new Date(r.expires_at) > now);
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
