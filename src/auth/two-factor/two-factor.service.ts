import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/clock/clock';
import { DomainError } from '../../common/errors/domain-error';
import { UnitOfWork } from '../../persistence/unit-of-work';
import { PasswordHasher } from '../../users/passwords/password-hasher';
import { User } from '../../users/user.model';
import { UsersRepository } from '../../users/users.repository';
import { UsersService } from '../../users/users.service';
import { PasswordAttempts } from '../throttling/password-attempts.service';
import { hashRecoveryCode, isRecoveryCodeShape, newRecoveryCodes } from './recovery-codes';
import { SecretBox } from './secret-box';
import { Totp } from './totp';
import { TwoFactorRepository } from './two-factor.repository';

export type SecondFactorMethod = 'totp' | 'recovery_code';

/** What /account shows about a user's two-factor login. Never a secret. */
export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
  /** A setup was started and not yet confirmed with a code. */
  pending: boolean;
}

/** A setup in progress, for the page that shows it (before enrolment only). */
export interface TwoFactorSetup {
  secret: string;
  uri: string;
}

export const CODE_INVALID = 'That code is not valid. Check the time on your device, or use a recovery code.';
export const ENABLE_CODE_INVALID = 'That code does not match. Scan the code again or check the time on your device.';
const SETUP_MISSING = 'Start the setup again: no setup is in progress.';
const ALREADY_ON = 'Two-factor login is already on.';
/** One name for every check of a code: a TOTP step or a recovery code is used once, across processes. */
const CODE_UNIT = 'two-factor-codes';

/**
 * Two-factor login (SPEC §5.1): enrolment, checking a second factor under the login lockout, turning it
 * off. TOTP secrets are sealed before they reach the repository; recovery codes are stored as hashes.
 */
@Injectable()
export class TwoFactorService {
  constructor(
    private readonly repository: TwoFactorRepository,
    private readonly totp: Totp,
    private readonly box: SecretBox,
    private readonly units: UnitOfWork,
    private readonly attempts: PasswordAttempts,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async isEnabled(userId: string): Promise<boolean> {
    return !!(await this.repository.find(userId))?.enrolment;
  }

  async status(userId: string): Promise<TwoFactorStatus> {
    const state = await this.repository.find(userId);
    return {
      enabled: !!state?.enrolment,
      enabledAt: state?.enrolment?.enabledAt ?? null,
      recoveryCodesLeft: state?.enrolment?.recoveryCodeHashes.length ?? 0,
      pending: !state?.enrolment && !!state?.pending,
    };
  }

  /** A new secret for the user to add to an app; replaces an unfinished setup. Refused while on. */
  async beginSetup(user: User): Promise<TwoFactorSetup> {
    const secret = this.totp.newSecret();
    const saved = await this.repository.savePending(user.id, this.box.seal(secret), this.clock.now().toISOString());
    if (!saved) throw new DomainError('conflict', ALREADY_ON);
    return { secret, uri: this.totp.uri(user.username, secret) };
  }

  /** The unfinished setup, to show again (e.g. after a mistyped code); undefined once enrolled or never started. */
  async pendingSetup(user: User): Promise<TwoFactorSetup | undefined> {
    const state = await this.repository.find(user.id);
    if (!state?.pending || state.enrolment) return undefined;
    const secret = this.box.open(state.pending.sealedSecret);
    return secret === undefined ? undefined : { secret, uri: this.totp.uri(user.username, secret) };
  }

  /**
   * Turns two-factor login on when `code` matches the pending secret; returns the recovery codes, which
   * exist in the clear only in this return value (the page shows them once).
   */
  async enable(user: User, code: string, ip: string): Promise<string[]> {
    const state = await this.repository.find(user.id);
    if (state?.enrolment) throw new DomainError('conflict', ALREADY_ON);
    const sealed = state?.pending?.sealedSecret;
    const secret = sealed === undefined ? undefined : this.box.open(sealed);
    if (sealed === undefined || secret === undefined) throw new DomainError('conflict', SETUP_MISSING);
    const match = this.totp.verify(secret, code.replace(/\s+/g, ''), this.clock.now());
    if (!match) throw new DomainError('invalid_input', ENABLE_CODE_INVALID, { field: 'code' });
    const codes = newRecoveryCodes();
    const enabled = await this.repository.enable(user.id, {
      sealedSecret: sealed,
      enabledAt: this.clock.now().toISOString(),
      usedStep: match.step,
      recoveryCodeHashes: codes.map(hashRecoveryCode),
    });
    if (!enabled) throw new DomainError('conflict', SETUP_MISSING);
    await this.audit.record('2fa.enable', { actor: user.username, ip });
    return codes;
  }

  /**
   * Checks a second factor (a TOTP code or an unused recovery code) as one login attempt of this user:
   * counted on the username and the IP before the check, like a password (SPEC §5.1), so wrong codes
   * lead to the same lockout (TooManyAttemptsError, 429). Throws DomainError('invalid_credentials').
   */
  async verifySecondFactor(user: User, code: string, ip: string, via = 'login_2fa'): Promise<SecondFactorMethod> {
    const found: { method?: SecondFactorMethod } = {};
    const { valid, locked } = await this.attempts.run(
      user.username,
      ip,
      async () => {
        found.method = await this.useCode(user.id, code.replace(/\s+/g, ''));
        return found.method !== undefined;
      },
      via,
    );
    if (!valid || !found.method) {
      await this.audit.record('login.2fa_failure', { actor: user.username, ip, locked, via });
      throw new DomainError('invalid_credentials', CODE_INVALID, { field: 'code' });
    }
    if (found.method === 'recovery_code') {
      const left = (await this.status(user.id)).recoveryCodesLeft;
      await this.audit.record('login.recovery_code', { actor: user.username, ip, via, left });
    }
    return found.method;
  }

  /** The second step of a login succeeded: what a one-step login records (SPEC §5 audit). */
  async completeLogin(user: User, method: SecondFactorMethod, ip: string): Promise<void> {
    await this.usersService.recordLogin(user.id);
    await this.audit.record('login.success', { actor: user.username, ip, second_factor: method });
  }

  /** Turns it off for the user themself: needs the current password and a code, both counted attempts. */
  async disable(user: User, currentPassword: string, code: string, ip: string): Promise<void> {
    if (!(await this.isEnabled(user.id))) throw new DomainError('conflict', 'Two-factor login is not on.');
    const { valid } = await this.attempts.run(
      user.username,
      ip,
      async () => {
        const credentials = await this.users.findCredentials(user.username);
        return !!credentials && (await this.hasher.verify(currentPassword, credentials.passwordHash));
      },
      'disable_2fa',
      // The password is the first of two checks: it must not wipe earlier wrong codes (see AuthService.login).
      { firstStepOnly: () => true },
    );
    if (!valid) {
      await this.audit.record('2fa.disable_refused', { actor: user.username, ip, reason: 'password' });
      throw new DomainError('invalid_credentials', 'Your current password is not correct.', {
        field: 'currentPassword',
      });
    }
    await this.verifySecondFactor(user, code, ip, 'disable_2fa');
    await this.repository.remove(user.id);
    await this.audit.record('2fa.disable', { actor: user.username, ip });
  }

  /** An admin's reset (AdminService audits it and ends the sessions). True when it was on. */
  turnOff(userId: string): Promise<boolean> {
    return this.repository.remove(userId);
  }

  /**
   * Uses the code if it is right: a TOTP code of a step newer than the last one accepted (±1 step of
   * drift), or an unused recovery code. Check and use happen in one unit, and the repository's
   * compare-and-set refuses the second of two racing requests with the same code.
   */
  private useCode(userId: string, code: string): Promise<SecondFactorMethod | undefined> {
    return this.units.run(CODE_UNIT, async () => {
      const enrolment = (await this.repository.find(userId))?.enrolment;
      if (!enrolment) return undefined;
      if (isRecoveryCodeShape(code)) {
        return (await this.repository.useRecoveryCode(userId, hashRecoveryCode(code))) ? 'recovery_code' : undefined;
      }
      const secret = this.box.open(enrolment.sealedSecret);
      if (secret === undefined) return undefined;
      const match = this.totp.verify(secret, code, this.clock.now(), enrolment.lastUsedStep);
      if (!match) return undefined;
      return (await this.repository.useTimeStep(userId, match.step)) ? 'totp' : undefined;
    });
  }
}
