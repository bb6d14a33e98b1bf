import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { ipKey } from '../../common/http/request-info';
import { AppConfig } from '../../config/app-config';
import { BUSY_RETRY_SECONDS, TOO_MANY_AT_ONCE, TooManyAttemptsError } from '../auth-errors';
import { InFlightChecks, MAX_CHECKS_IN_FLIGHT_PER_IP, MAX_CHECKS_IN_FLIGHT_PER_USERNAME } from './in-flight-checks';
import { RateLimiter } from './rate-limiter.service';

export function loginUserKey(username: string): string {
  return `login:user:${username.toLowerCase()}`;
}

export function loginIpKey(ip: string): string {
  return `login:ip:${ipKey(ip)}`;
}

export interface AttemptOptions {
  /**
   * Asked after a right password: true when it is only the first step of a two-factor login. Then only
   * this attempt is refunded and the username's earlier failures stay counted, so wrong codes and
   * right passwords cannot alternate to dodge the lockout (the code step clears the count).
   */
  firstStepOnly?: () => boolean;
}

export interface AttemptResult {
  valid: boolean;
  /** This failed attempt locked the username or the IP. */
  locked: boolean;
}

/**
 * The login lockout (SPEC §3, §5) around any check of a password someone typed: the login form and the
 * current password on /account/password share it. Per username (case-insensitive) and per client IP:
 *
 * 1. the attempt is counted on both keys in the same atomic update that checks their locks, before
 *    the password is checked (a lock answers 429 with Retry-After, recorded once per key and lock);
 * 2. it takes a place among the checks in flight for that username and IP (full: 429 at once; the
 *    attempt stays counted, so a batch sent at once still locks the key);
 * 3. a right password refunds the IP's count and clears the username's; a wrong one stays counted.
 */
@Injectable()
export class PasswordAttempts {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly inFlight: InFlightChecks,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Runs `check` as one attempt; throws TooManyAttemptsError (429) instead when a limit applies. */
  async run(
    username: string,
    ip: string,
    check: () => Promise<boolean>,
    via = 'login',
    options: AttemptOptions = {},
  ): Promise<AttemptResult> {
    const userKey = loginUserKey(username);
    const ipKeyName = loginIpKey(ip);
    const windowMs = this.config.loginLockoutMinutes * 60_000;
    const outcome = await this.limiter.reserve([
      { key: userKey, limit: { max: this.config.loginMaxFailures, windowMs } },
      { key: ipKeyName, limit: { max: this.config.loginMaxFailuresPerIp, windowMs } },
    ]);
    if (!outcome.ok) {
      for (const key of outcome.firstRefusals) {
        await this.audit.record('login.throttled', {
          actor: username,
          ip,
          lock: key === userKey ? 'username' : 'ip',
          retry_after: outcome.retryAfter,
          via,
        });
      }
      throw new TooManyAttemptsError(outcome.retryAfter, 'failed logins');
    }

    const leave = this.inFlight.tryEnter([
      { key: userKey, max: MAX_CHECKS_IN_FLIGHT_PER_USERNAME },
      { key: ipKeyName, max: MAX_CHECKS_IN_FLIGHT_PER_IP },
    ]);
    if (!leave) throw new TooManyAttemptsError(BUSY_RETRY_SECONDS, 'failed logins', TOO_MANY_AT_ONCE);
    let valid: boolean;
    try {
      valid = await check();
    } finally {
      leave();
    }
    if (valid) await this.limiter.refund(outcome.reservation, { clear: options.firstStepOnly?.() ? [] : [userKey] });
    return { valid, locked: !valid && outcome.reservation.lockedNow };
  }
}
