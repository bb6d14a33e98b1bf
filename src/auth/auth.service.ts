import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { LoginFailedError } from './auth-errors';
import { PasswordHasher } from '../users/passwords/password-hasher';
import { fitsBcrypt } from '../users/passwords/password-policy';
import { PasswordAttempts } from './throttling/password-attempts.service';
import { User } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import { BearerAuthenticator, BearerCarrier } from '../api-tokens/bearer-authenticator';
import type { AuthContext } from './auth-context';
import { SessionAuthenticator, SessionCarrier } from './session/session-authenticator';
import { TwoFactorRepository } from './two-factor/two-factor.repository';

/** A right password; `secondFactorDue`: the user has two-factor login on, so the login is not done yet. */
export interface PasswordLogin {
  user: User;
  secondFactorDue: boolean;
}

/** Credential checks for login and "change my password", under the login lockout (SPEC §3, §5). */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly attempts: PasswordAttempts,
    private readonly audit: AuditService,
    private readonly twoFactor: TwoFactorRepository,
  ) {}

  /**
   * Checks the password; throws LoginFailedError (401) or TooManyAttemptsError (429). With two-factor
   * login on, the login is not complete: the caller asks for the code (TwoFactorService completes it).
   */
  async login(username: string, password: string, ip: string): Promise<PasswordLogin> {
    // Looked up inside the attempt: a locked username or IP is refused without reading the users.
    const found: { credentials?: { user: User; passwordHash: string }; secondFactorDue?: boolean } = {};
    const { valid, locked } = await this.attempts.run(
      username,
      ip,
      async () => {
        const credentials = (found.credentials = await this.users.findCredentials(username));
        // Unknown usernames cost a comparison too; a disabled account fails like a wrong password.
        const matches = credentials
          ? await this.hasher.verify(password, credentials.passwordHash)
          : await this.hasher.verifyAgainstDummy(password);
        const ok = matches && !!credentials && !credentials.user.disabled;
        if (ok) found.secondFactorDue = !!(await this.twoFactor.find(credentials.user.id))?.enrolment;
        return ok;
      },
      'login',
      { firstStepOnly: () => found.secondFactorDue === true },
    );
    const credentials = found.credentials;
    if (!valid || !credentials) {
      await this.audit.record('login.failure', { actor: username, ip, locked });
      throw new LoginFailedError();
    }

    // A prototype (Werkzeug) hash of a password over 72 bytes stays as it is: bcrypt would cut it.
    const rehash =
      this.hasher.needsRehash(credentials.passwordHash) && fitsBcrypt(password)
        ? await this.hasher.hash(password)
        : undefined;
    if (found.secondFactorDue) {
      // The password is known right here only: upgrade its hash now; the login is recorded after the code.
      if (rehash) await this.usersService.recordLogin(credentials.user.id, rehash);
      return { user: credentials.user, secondFactorDue: true };
    }
    await this.usersService.recordLogin(credentials.user.id, rehash);
    await this.audit.record('login.success', { actor: credentials.user.username, ip, rehashed: !!rehash });
    return { user: credentials.user, secondFactorDue: false };
  }

  /**
   * For "change my password": checks the current one as a login attempt of this user (counted before
   * the check, refunded when right), so guessing it here locks the account like failed logins do.
   * Throws TooManyAttemptsError (429) while locked.
   */
  async verifyCurrentPassword(user: User, password: string, ip: string): Promise<boolean> {
    const { valid, locked } = await this.attempts.run(
      user.username,
      ip,
      async () => {
        const credentials = await this.users.findCredentials(user.username);
        return !!credentials && (await this.hasher.verify(password, credentials.passwordHash));
      },
      'password_change',
    );
    if (!valid) await this.audit.record('user.password_change_failure', { actor: user.username, ip, locked });
    return valid;
  }

  // Property-injected so the constructor (and the specs that build AuthService) stay as they are.
  @Inject(SessionAuthenticator) private readonly sessionAuthenticator!: SessionAuthenticator;
  @Inject(BearerAuthenticator) private readonly bearerAuthenticator!: BearerAuthenticator;

  /**
   * The single authentication point (AuthenticationGuard calls it on every request): who the request
   * is, re-read now. A request with `Authorization: Bearer` is a personal API token's (method 'token',
   * or refused: 400/401/429); any other is its session's (a half-done two-factor login is `mfaPending`).
   */
  async authenticate(req: BearerCarrier & SessionCarrier): Promise<AuthContext | undefined> {
    return (await this.bearerAuthenticator.authenticate(req)) ?? this.sessionAuthenticator.authenticate(req);
  }
}
