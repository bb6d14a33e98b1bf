import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { InvitesModule } from '../invites/invites.module';
import { AuthService } from './auth.service';
import { AccountController } from './controllers/account.controller';
import { LoginController } from './controllers/login.controller';
import { PasswordResetController } from './controllers/password-reset.controller';
import { RegistrationController } from './controllers/registration.controller';
import { SetupController } from './controllers/setup.controller';
import { CsrfGuard } from './guards/csrf.guard';
import { RolesGuard } from './guards/roles.guard';
import { SessionAuthGuard } from './guards/session-auth.guard';
import { RegistrationService } from './registration.service';
import { PasswordResetService } from './reset/password-reset.service';
import { FileSessionStore } from './session/file-session.store';
import { SessionSecretService } from './session/session-secret.service';
import { SessionUserMiddleware } from './session/session-user.middleware';
import { SessionMiddleware } from './session/session.middleware';
import { SetupService } from './setup/setup.service';
import { InFlightChecks } from './throttling/in-flight-checks';
import { PasswordAttempts } from './throttling/password-attempts.service';
import { RateLimiter } from './throttling/rate-limiter.service';
import { ThrottleRepository } from './throttling/throttle.repository';
import { UsersModule } from '../users/users.module';
import { AccountPageController } from './controllers/account-page.controller';
import { TWO_FACTOR_CONTROLLERS, TWO_FACTOR_PROVIDERS } from './two-factor/two-factor.providers';
import { TwoFactorService } from './two-factor/two-factor.service';

/**
 * Who you are and whether you may: accounts, sessions, CSRF, throttling and the global guards.
 * Guard order: login first (anonymous visitors of a closed route are sent to log in, whatever they sent),
 * then CSRF/origin (a forged request changes nothing), then role. All run before any handler.
 */
@Module({
  imports: [UsersModule, InvitesModule],
  controllers: [
    LoginController,
    RegistrationController,
    SetupController,
    AccountController,
    PasswordResetController,
    AccountPageController,
    ...TWO_FACTOR_CONTROLLERS,
  ],
  providers: [
    AuthService,
    RegistrationService,
    SetupService,
    PasswordResetService,
    ThrottleRepository,
    RateLimiter,
    InFlightChecks,
    PasswordAttempts,
    SessionSecretService,
    FileSessionStore,
    SessionMiddleware,
    { provide: APP_GUARD, useClass: SessionAuthGuard },
    { provide: APP_GUARD, useClass: CsrfGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    ...TWO_FACTOR_PROVIDERS,
  ],
  exports: [UsersModule, SetupService, PasswordResetService, SessionMiddleware, AuthService, TwoFactorService],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SessionUserMiddleware).forRoutes('*');
  }
}
