import { Module } from '@nestjs/common';
import { UsersModule } from '../../users/users.module';
import { SessionSecretModule } from '../session/session-secret.module';
import { ThrottlingModule } from '../throttling/throttling.module';
import { SecretBox } from './secret-box';
import { Totp } from './totp';
import { TwoFactorService } from './two-factor.service';

/**
 * Two-factor login's rules, with no HTTP (SPEC §5.1): enrolment, code checks under the login lockout,
 * turning it off. AuthModule adds the pages (/account/2fa, /login/2fa) and the REQUIRE_ADMIN_2FA guard;
 * AdminModule and the CLI import this module for the reset. TwoFactorRepository comes from the global
 * PersistenceModule. SecretBox derives its key on first use, so a reset never reads the session secret.
 */
@Module({
  imports: [UsersModule, ThrottlingModule, SessionSecretModule],
  providers: [Totp, SecretBox, TwoFactorService],
  exports: [TwoFactorService],
})
export class TwoFactorModule {}
