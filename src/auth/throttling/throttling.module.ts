import { Module } from '@nestjs/common';
import { InFlightChecks } from './in-flight-checks';
import { PasswordAttempts } from './password-attempts.service';
import { RateLimiter } from './rate-limiter.service';

/**
 * Rate limits and the login lockout, with no HTTP: one instance of each (InFlightChecks counts in
 * memory) shared by AuthModule's forms and TwoFactorModule's code checks. ThrottleRepository comes
 * from the global PersistenceModule.
 */
@Module({
  providers: [RateLimiter, InFlightChecks, PasswordAttempts],
  exports: [RateLimiter, InFlightChecks, PasswordAttempts],
})
export class ThrottlingModule {}
