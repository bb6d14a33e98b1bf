import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { ipKey } from '../common/http/request-info';
import { AppConfig } from '../config/app-config';
import { InvitesService } from '../invites/invites.service';
import { UnitOfWork } from '../persistence/unit-of-work';
import { TooManyAttemptsError } from './auth-errors';
import { RegisterDto } from './dto/auth-forms.dto';
import { PasswordHasher } from '../users/passwords/password-hasher';
import { RateLimiter } from './throttling/rate-limiter.service';
import { User } from '../users/user.model';
import { UsernameTakenError, UsersService } from '../users/users.service';

/**
 * Invite registration. Redeeming the invite and creating the account run as one unit of work
 * ("registration": a cross-process lock with files, a transaction with PostgreSQL), so one invite use
 * always yields exactly one account: if the account cannot be created, the use is given back.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly invites: InvitesService,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly unitOfWork: UnitOfWork,
    private readonly config: AppConfig,
  ) {}

  /**
   * Counts a registration attempt for this IP (an IPv6 /64; SPEC §3 REGISTER_MAX_PER_IP_HOUR). The
   * lockout is audited once per IP and hour, not once per refused attempt.
   */
  async countAttempt(ip: string): Promise<void> {
    const { retryAfter, firstRefusal } = await this.limiter.take(`register:ip:${ipKey(ip)}`, {
      max: this.config.registerMaxPerIpHour,
      windowMs: 3600_000,
    });
    if (retryAfter > 0) {
      if (firstRefusal) await this.audit.record('register.throttled', { ip, retry_after: retryAfter });
      throw new TooManyAttemptsError(retryAfter, 'registration attempts');
    }
  }

  async register(input: RegisterDto, ip: string): Promise<User> {
    const code = input.inviteCode.trim();
    // Fail fast before paying for bcrypt; the authoritative checks run again inside the lock.
    await this.invites.check(code).catch(async (error) => {
      await this.audit.record('register.refused', { actor: input.username, ip, reason: 'invite' });
      throw error;
    });
    if (await this.users.findByUsername(input.username)) throw new UsernameTakenError();
    const passwordHash = await this.hasher.hash(input.password);

    const user = await this.unitOfWork.run('registration', async (unit) => {
      if (await this.users.findByUsername(input.username)) throw new UsernameTakenError();
      const invite = await this.invites.redeem(code, input.username);
      unit.onRollback(() => this.invites.release(code, input.username));
      return this.users.create({
        username: input.username,
        passwordHash,
        role: invite.role,
        invitedBy: invite.createdBy,
        inviteCode: invite.code,
      });
    });
    await this.audit.record('invite.use', { actor: user.username, ip, invite: hint(code), role: user.role });
    await this.audit.record('register', { actor: user.username, ip, role: user.role });
    return user;
  }
}

/** Enough of a code to tell invites apart in the audit log, not enough to use it. */
export function hint(code: string): string {
  return `${code.slice(0, 4)}…`;
}
