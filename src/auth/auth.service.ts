import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { LoginFailedError, TooManyAttemptsError } from './auth-errors';
import { PasswordHasher } from './passwords/password-hasher';
import { fitsBcrypt } from './passwords/password-policy';
import { RateLimiter } from './throttling/rate-limiter.service';
import { User } from './users/user.model';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/** Credential checks for login, with per-username and per-IP lockouts (SPEC §3, §5). */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Returns the user on success; throws LoginFailedError (401) or TooManyAttemptsError (429). */
  async login(username: string, password: string, ip: string): Promise<User> {
    const userKey = `login:user:${username.toLowerCase()}`;
    const ipKey = `login:ip:${ip}`;
    const locked = Math.max(await this.limiter.retryAfter(userKey), await this.limiter.retryAfter(ipKey));
    if (locked > 0) {
      await this.audit.record('login.throttled', { actor: username, ip });
      throw new TooManyAttemptsError(locked, 'failed logins');
    }

    const credentials = await this.users.findCredentials(username);
    const valid = credentials
      ? await this.hasher.verify(password, credentials.passwordHash)
      : await this.hasher.verifyAgainstDummy(password);

    if (!credentials || !valid || credentials.user.disabled) {
      await this.recordFailure(userKey, ipKey, username, ip);
      throw new LoginFailedError();
    }

    // A prototype (Werkzeug) hash of a password over 72 bytes stays as it is: bcrypt would cut it.
    const rehash =
      this.hasher.needsRehash(credentials.passwordHash) && fitsBcrypt(password)
        ? await this.hasher.hash(password)
        : undefined;
    await this.usersService.recordLogin(credentials.user.id, rehash);
    await this.limiter.reset(userKey);
    await this.audit.record('login.success', { actor: credentials.user.username, ip, rehashed: !!rehash });
    return credentials.user;
  }

  /** For "change my password": checks the current one without touching lockouts. */
  async verifyPassword(user: User, password: string): Promise<boolean> {
    const credentials = await this.users.findCredentials(user.username);
    return !!credentials && (await this.hasher.verify(password, credentials.passwordHash));
  }

  private async recordFailure(userKey: string, ipKey: string, username: string, ip: string): Promise<void> {
    const windowMs = this.config.loginLockoutMinutes * 60_000;
    const [userLock, ipLock] = await Promise.all([
      this.limiter.hit(userKey, { max: this.config.loginMaxFailures, windowMs }),
      this.limiter.hit(ipKey, { max: this.config.loginMaxFailuresPerIp, windowMs }),
    ]);
    await this.audit.record('login.failure', { actor: username, ip, locked: userLock > 0 || ipLock > 0 });
  }
}
