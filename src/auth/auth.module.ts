import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiTokensModule } from '../api-tokens/api-tokens.module';
import { InvitesModule } from '../invites/invites.module';
import { AuthService } from './auth.service';
import { AuthErrorPageViewer } from './guards/auth-error-page-viewer';
import { ErrorPageViewer } from '../common/filters/error-page-viewer';
import { AccountController } from './controllers/account.controller';
import { LoginController } from './controllers/login.controller';
import { PasswordResetController } from './controllers/password-reset.controller';
import { RegistrationController } from './controllers/registration.controller';
import { SetupController } from './controllers/setup.controller';
import { CsrfGuard } from './guards/csrf.guard';
import { RolesGuard } from './guards/roles.guard';
import { AuthenticationGuard } from './guards/authentication.guard';
import { PasswordChangeService } from './password-change.service';
import { RegistrationService } from './registration.service';
import { PasswordResetModule } from './reset/password-reset.module';
import { AnonymousCsrf } from './session/anonymous-csrf';
import { CsrfTokenMiddleware } from './session/csrf-token.middleware';
import { SessionAuthenticator } from './session/session-authenticator';
import { RepositorySessionStore } from './session/session-store';
import { SessionSecretModule } from './session/session-secret.module';
import { SessionMiddleware } from './session/session.middleware';
import { SessionService } from './session/session.service';
import { SetupService } from './setup/setup.service';
import { ThrottlingModule } from './throttling/throttling.module';
import { UsersModule } from '../users/users.module';
import { AccountPageController } from './controllers/account-page.controller';
import { AccountPageLocals } from './controllers/account-page.locals';
import { AccountTokensController } from './controllers/account-tokens.controller';
import { TWO_FACTOR_CONTROLLERS, TWO_FACTOR_PROVIDERS } from './two-factor/two-factor.providers';
import { TwoFactorModule } from './two-factor/two-factor.module';

/**
 * Who you are and whether you may: accounts, sessions, CSRF, throttling and the global guards.
 * Guard order: login first (anonymous visitors of a closed route are sent to log in, whatever they sent),
 * then CSRF/origin (a forged request changes nothing), then role. All run before any handler.
 */
@Module({
  imports: [
    UsersModule,
    InvitesModule,
    PasswordResetModule,
    ThrottlingModule,
    SessionSecretModule,
    TwoFactorModule,
    ApiTokensModule,
  ],
  controllers: [
    LoginController,
    RegistrationController,
    SetupController,
    AccountController,
    PasswordResetController,
    AccountPageController,
    AccountTokensController,
    ...TWO_FACTOR_CONTROLLERS,
  ],
  providers: [
    AuthService,
    PasswordChangeService,
    RegistrationService,
    SetupService,
    RepositorySessionStore,
    SessionMiddleware,
    SessionAuthenticator,
    SessionService,
    AnonymousCsrf,
    { provide: ErrorPageViewer, useClass: AuthErrorPageViewer },
    AccountPageLocals,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: CsrfGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    ...TWO_FACTOR_PROVIDERS,
  ],
  exports: [SetupService, SessionMiddleware, AuthService],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CsrfTokenMiddleware).forRoutes('*');
  }
}
